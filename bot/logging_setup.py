"""Logging to stderr, as text or one JSON object per line."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from bot.config import LoggingConfig


class JsonFormatter(logging.Formatter):
    """One JSON object per record; exceptions as a single string field."""

    def format(self, record: logging.LogRecord) -> str:
        data = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def setup_logging(config: LoggingConfig) -> None:
    """Send every log record to stderr, so stdout stays for the console's output."""
    handler = logging.StreamHandler(sys.stderr)
    if config.format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(config.level)
    # Drivers are chatty at DEBUG; their warnings still show. The platform libraries log
    # whole API requests and responses at DEBUG, tokens and message texts included (the
    # install flow's oauth.v2.access answer carries the workspace's bot token), so they never
    # go below INFO.
    for noisy in ("aiosqlite", "asyncio", "apscheduler", "slack_sdk", "slack_bolt", "discord"):
        logging.getLogger(noisy).setLevel(max(logging.INFO, root.level))
