"""Random and hostile input through each front end's real entry point, with every invariant
of tests/fuzz/invariants.py checked after each input: no traceback, one clear reply, nothing
half-stored, no unescaped mention. A few hundred derandomized inputs here (the same every
run, so CI can't turn red by chance); `python bench/fuzz.py --examples 100000` runs many more.
"""

from __future__ import annotations

from tests.fuzz.console_front import ConsoleDriver
from tests.fuzz.discord_front import DiscordDriver
from tests.fuzz.runner import fuzz
from tests.fuzz.slack_front import SlackDriver


def test_console_lines_keep_every_invariant() -> None:
    """Lines typed into the console: one reply each, never an internal error."""
    report = fuzz(ConsoleDriver, 400, epoch=200)
    assert report.tried == 400
    assert not report.found, "\n".join(report.lines())


def test_signed_slack_requests_keep_every_invariant() -> None:
    """Slash commands, clicks, forms (forged ones too), lookups and Home tab openings."""
    report = fuzz(SlackDriver, 160, epoch=160)
    assert report.tried == 160
    assert not report.found, "\n".join(report.lines())


def test_discord_interactions_keep_every_invariant() -> None:
    """Slash commands with any option values, forms, button clicks and autocomplete."""
    report = fuzz(DiscordDriver, 250, epoch=250)
    assert report.tried == 250
    assert not report.found, "\n".join(report.lines())
