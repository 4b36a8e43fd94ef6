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


# The console is a conversation: unless logs are asked for, only warnings and errors show.
CONSOLE_LEVEL = "WARNING"


def console_level(config: LoggingConfig, asked: str | None) -> str:
    """The console's log level: `--log-level`, else `logging.level` if it was set (in the
    file or the environment), else WARNING."""
    if asked:
        return asked.upper()
    return config.level if "level" in config.model_fields_set else CONSOLE_LEVEL


def setup_logging(config: LoggingConfig, level: str | None = None) -> None:
    """Send every log record to stderr, so stdout stays for the console's output; `level`
    overrides `config.level`."""
    handler = logging.StreamHandler(sys.stderr)
    if config.format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level or config.level)
    # Drivers are chatty at DEBUG; their warnings still show. The platform libraries log
    # whole API requests and responses at DEBUG, tokens and message texts included (the
    # install flow's oauth.v2.access answer carries the workspace's bot token), so they never
    # go below INFO.
    for noisy in ("asyncio", "apscheduler", "slack_sdk", "slack_bolt", "discord"):
        logging.getLogger(noisy).setLevel(max(logging.INFO, root.level))
