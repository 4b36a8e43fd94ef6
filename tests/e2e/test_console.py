"""`micromentor console --json --clock manual` driven as a subprocess, as a script would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.e2e.console_driver import KEYS

SCRIPT = """\
# three mentors, two members
mentor1 /mentor skills add python
mentor1 /mentor available
mentor2 /mentor skills add python sql
mentor2 /mentor available for 3h
mentor3 /mentor skills add javascript
mentor3 /mentor available
member1 /mentor ask python --goal ship my scraper --tried asyncio.gather -- Why does my loop block?
mentor1 /mentor accept r1
mentor2 /mentor accept r1
member2 /mentor ask javascript -- What is a closure?
mentor3 /mentor decline r2
:advance 10m
member1 /mentor frobnicate
member1 /mentor ask -- no skills given
member1 /mentor accept r999
this is not valid!!!
member2
:bogus
member2 /mentor ask python —goal em dash works — Another question
"""


def run_console(script: str, tmp_path: Path, *extra: str) -> tuple[list[dict[str, Any]], str, int]:
    env = {
        **os.environ,
        "MICROMENTOR_DATA_DIR": str(tmp_path / "data"),
        "MICROMENTOR_CONFIG": "",
    }
    env.pop("MICROMENTOR_STORAGE__URL", None)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "console",
            "--json",
            "--clock",
            "manual",
            "--now",
            "2026-11-23T10:00:00Z",
            *extra,
        ],
        input=script,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    return out, proc.stderr, proc.returncode


def line_of(script: str, text: str) -> int:
    """The 1-based number of the line equal to `text`, else the first starting with it."""
    lines = script.splitlines()
    if text in lines:
        return lines.index(text) + 1
    for number, line in enumerate(lines, start=1):
        if line.startswith(text):
            return number
    raise AssertionError(text)


def test_console_script_end_to_end(tmp_path: Path) -> None:
    """Offers reach exactly the right people, a double accept resolves once, bad lines get help."""
    out, err, code = run_console(SCRIPT, tmp_path)
    assert code == 0, err
    assert "Traceback" not in err
    assert all(set(o) == KEYS for o in out)
    assert [o["seq"] for o in out] == list(range(1, len(out) + 1))

    ask_line = line_of(SCRIPT, "member1 /mentor ask python")
    caused = [o for o in out if o["in"] == ask_line]
    offers = [o for o in caused if o["kind"] == "message"]
    assert sorted(o["to"] for o in offers) == ["mentor1", "mentor2"]
    assert all(
        [a["command"] for a in o["actions"]] == ["/mentor accept r1", "/mentor decline r1"]
        for o in offers
    )
    reply = next(o for o in caused if o["kind"] == "reply")
    assert reply["to"] == "member1" and reply["ephemeral"] and "r1" in reply["text"]
    offer_ids = {o["to"]: o["id"] for o in offers}

    accept = [o for o in out if o["in"] == line_of(SCRIPT, "mentor1 /mentor accept")]
    assert accept[0]["kind"] == "reply" and "session s1" in accept[0]["text"]
    updates = {o["to"]: o for o in accept if o["kind"] == "update"}
    assert updates["mentor2"]["replaces"] == offer_ids["mentor2"]
    assert "taken by another mentor" in updates["mentor2"]["text"]
    assert updates["mentor1"]["replaces"] == offer_ids["mentor1"]
    assert any(o["to"] == "member1" and "accepted your request" in o["text"] for o in accept)

    second = [o for o in out if o["in"] == line_of(SCRIPT, "mentor2 /mentor accept")]
    assert [o["kind"] for o in second] == ["error"]
    assert "already taken" in second[0]["text"]

    js = [o for o in out if o["in"] == line_of(SCRIPT, "member2 /mentor ask javascript")]
    assert [o["to"] for o in js if o["kind"] == "message"] == ["mentor3"]
    decline = [o for o in out if o["in"] == line_of(SCRIPT, "mentor3 /mentor decline")]
    assert any(o["kind"] == "update" for o in decline)

    for bad in (
        "member1 /mentor frobnicate",
        "member1 /mentor ask -- no skills",
        "member1 /mentor accept r999",
        "this is not valid",
        "member2\n",
        ":bogus",
    ):
        answered = [o for o in out if o["in"] == line_of(SCRIPT, bad.rstrip("\n"))]
        assert [o["kind"] for o in answered] == ["error"], bad
        assert answered[0]["text"].strip()

    em = [o for o in out if o["in"] == line_of(SCRIPT, "member2 /mentor ask python —goal")]
    assert em[0]["kind"] == "error" and "open request" in em[0]["text"]
    # comments produce nothing of their own
    assert not [o for o in out if o["in"] == 1]


def test_console_restart_keeps_state(tmp_path: Path) -> None:
    """A second run on the same data directory sees the first run's requests."""
    run_console("mentor1 /mentor skills add python\nana /mentor ask python -- q\n", tmp_path)
    out, err, code = run_console("ana /mentor queue\nmentor1 /mentor open\n", tmp_path)
    assert code == 0, err
    assert "r1" in out[0]["text"] and "place 1" in out[0]["text"]
    assert "r1" in out[1]["text"]


HELP_SCRIPT = """\
mentor1 /mentor skills add pandas sql
mentor1 /mentor available
member1 #help How do I read a CSV with pandas when the dates are in two columns?
member2 #help my thing is broken, please help
member2 /mentor ask sql --post p2
member1 #random hello
member1 #help/1795428000 thanks, trying that now
mentor1 /mentor accept r1
member2 #help/1795428001 :delete
"""


def test_console_help_channel_posts(tmp_path: Path) -> None:
    """`member1 #help ...` is a post: a request from its author, answered in its thread,
    with the post's state; a post with no skill waits for them; removing it cancels."""
    out, err, code = run_console(HELP_SCRIPT, tmp_path)
    assert code == 0, err
    assert "Traceback" not in err

    def caused(line: str) -> list[dict[str, Any]]:
        return [o for o in out if o["in"] == line_of(HELP_SCRIPT, line)]

    first = caused("member1 #help How do I")
    assert first[0]["kind"] == "post" and first[0]["to"] == "#help/1795428000"
    opened = [o for o in first if o["to"] == "#help/1795428000" and o["status"]]
    assert opened[0]["status"] == "open" and "request r1" in opened[0]["text"]
    assert any(o["to"] == "mentor1" and "(r1)" in o["text"] for o in first)

    waiting = [o for o in caused("member2 #help my thing") if o["status"]]
    assert waiting[0]["status"] == "waiting" and waiting[0]["to"] == "#help/1795428001"
    assert "/mentor ask sql --post p2" in [a["command"] for a in waiting[0]["actions"]]
    picked = [o for o in caused("member2 /mentor ask sql --post p2") if o["status"]]
    assert picked[0]["kind"] == "update" and picked[0]["status"] == "open"

    assert [o["kind"] for o in caused("member1 #random")] == ["error"]
    assert "isn't a help channel" in caused("member1 #random")[0]["text"]
    reply = caused("member1 #help/1795428000 thanks")
    assert [o["kind"] for o in reply] == ["post"]

    taken = [o for o in caused("mentor1 /mentor accept r1") if o["status"]]
    assert taken[0]["status"] == "taken" and taken[0]["to"] == "#help/1795428000"
    removed = caused("member2 #help/1795428001 :delete")
    assert any(o["status"] == "closed" for o in removed)
    assert any("cancelled its request r2" in o["text"] for o in removed)
