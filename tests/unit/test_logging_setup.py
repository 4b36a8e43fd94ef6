"""What the log may hold: the platform libraries never log below INFO, even at DEBUG."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.config import LoggingConfig
from bot.process.logging_setup import setup_logging


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    names = ("asyncio", "apscheduler", "slack_sdk", "slack_bolt", "discord")
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


def test_slack_libraries_stay_at_info_when_the_bot_logs_debug(
    restore_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """slack_sdk logs whole API answers at DEBUG; the install flow's carries a bot token."""
    setup_logging(LoggingConfig(level="DEBUG"))
    logging.getLogger("slack_sdk.web.async_base_client").debug("Received: xoxb-T2-token")
    logging.getLogger("bot.service.routing").debug("our own debug line")
    err = capsys.readouterr().err
    assert "xoxb-T2-token" not in err
    assert "our own debug line" in err
