"""The `micromentor` command: run the bot, run the console, check a configuration."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot import __version__
from bot.clock import Clock, ManualClock, SystemClock
from bot.config import Config, ConfigError, config_path, effective_settings, load_config
from bot.process.logging_setup import console_level, setup_logging

# Front ends are found by name at run time, so the core has no import-time dependency on
# any adapter (the design rule "the core never imports adapters" holds for bot/ itself).
FRONT_ENDS = {
    "console": "adapters.console.app",
    "slack": "adapters.slack.app",
    "discord": "adapters.discord.app",
}
ALL_FRONT_ENDS = "adapters.all"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="micromentor",
        description="On-demand micro-mentorship for Slack, Discord and the console.",
    )
    parser.add_argument("--version", action="version", version=f"micromentor {__version__}")
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="TOML config (default: $MICROMENTOR_CONFIG, then ./micromentor.toml, then defaults)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="start every configured front end (the console if none)")
    console = sub.add_parser("console", help="act as any user from a terminal or a script")
    console.add_argument("--json", action="store_true", help="one JSON object per output line")
    console.add_argument("--clock", choices=("system", "manual"), default="system")
    console.add_argument("--now", metavar="ISO", help="start of the manual clock (default: now)")
    console.add_argument(
        "--log-level",
        type=str.upper,
        choices=LOG_LEVELS,
        help="log to stderr from this level (default: WARNING, or logging.level if set)",
    )
    sub.add_parser("slack", help="run the Slack front end (Socket Mode, or HTTP mode)")
    discord_cmd = sub.add_parser("discord", help="run the Discord front end, or manage it")
    discord_cmd.add_argument(
        "action",
        nargs="?",
        choices=("run", "invite-url", "sync"),
        default="run",
        help="run (default); invite-url prints the link to add the bot; sync the commands",
    )
    discord_cmd.add_argument("--guild", metavar="ID", help="sync to this guild only (instant)")
    discord_cmd.add_argument(
        "--shard-ids", metavar="IDS", help="run only these shards, e.g. 0,1 (with --shard-count)"
    )
    discord_cmd.add_argument("--shard-count", type=int, metavar="N", help="total shards")
    sub.add_parser("check-config", help="validate the config and print the effective settings")
    backup = sub.add_parser("backup", help="a consistent online copy of the SQLite store")
    backup.add_argument("file", help="where to write the copy (must not exist)")
    report = sub.add_parser("report", help="demand vs supply per skill")
    report.add_argument("--days", type=int, default=30)
    report.add_argument("--format", choices=("table", "csv", "json"), default="table")
    report.add_argument("--chart", metavar="FILE", help="also write a PNG chart (matplotlib)")
    report.add_argument("--community", help="community id (default: the first one)")
    return parser


def _load(args: argparse.Namespace) -> Config:
    return load_config(config_path(args.config, dict(os.environ)))


def _console_clock(args: argparse.Namespace) -> Clock:
    if args.clock == "manual":
        start = None
        if args.now:
            try:
                start = datetime.fromisoformat(args.now.replace("Z", "+00:00"))
            except ValueError:
                raise SystemExit(
                    f"micromentor: --now {args.now!r} is not an ISO time; "
                    "write it like 2026-11-23T09:00:00Z"
                ) from None
            if start.tzinfo is None:
                start = start.replace(tzinfo=UTC)
        return ManualClock(start)
    if args.now:
        raise SystemExit("micromentor: --now needs --clock manual")
    return SystemClock()


def _serve(name: str, config: Config) -> int:
    module: Any = importlib.import_module(FRONT_ENDS[name])
    result: int = asyncio.run(module.serve(config))
    return result


def _backup(config: Config, file: str) -> int:
    from pathlib import Path

    from bot.process.backup import BackupError, backup_sqlite, sqlite_path

    source = sqlite_path(config.storage_url())
    if source is None:
        print(
            "micromentor: the store is PostgreSQL; back it up with pg_dump "
            "(see docs/deployment.md).",
            file=sys.stderr,
        )
        return 2
    try:
        pages = backup_sqlite(source, Path(file))
    except (FileNotFoundError, FileExistsError) as exc:
        print(f"micromentor: {exc}", file=sys.stderr)
        return 2
    except BackupError as exc:
        print(f"micromentor: cannot back up: {exc}", file=sys.stderr)
        return 1
    print(f"backed up {source} to {file} ({pages} pages, integrity ok)")
    return 0


def _report(config: Config, args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.process import report_cli

    community = args.community or next(iter(config.communities))
    if community not in config.communities:
        print(f"micromentor: no community {community!r}", file=sys.stderr)
        return 2
    days = max(1, min(args.days, 3650))
    lines = asyncio.run(report_cli.lines_for(config, community, days))
    print(report_cli.render(lines, args.format))
    if args.chart:
        try:
            report_cli.chart(lines, Path(args.chart), days)
        except RuntimeError as exc:
            print(f"micromentor: {exc}", file=sys.stderr)
            return 2
        print(f"chart written to {args.chart}", file=sys.stderr)
    return 0


def _discord(config: Config, args: argparse.Namespace) -> int:
    module: Any = importlib.import_module(FRONT_ENDS["discord"])
    if args.action == "invite-url":
        print(module.invite_url(asyncio.run(module.application_id(config))))
        return 0
    if args.action == "sync":
        if args.guild and not args.guild.isdigit():
            print("micromentor: --guild takes a server id (digits)", file=sys.stderr)
            return 2
        print(asyncio.run(module.sync(config, args.guild)))
        return 0
    shard_ids = None
    if args.shard_ids:
        try:
            shard_ids = [int(part) for part in args.shard_ids.split(",")]
        except ValueError:
            print("micromentor: --shard-ids looks like 0,1,2", file=sys.stderr)
            return 2
    result: int = asyncio.run(
        module.serve(config, shard_ids=shard_ids, shard_count=args.shard_count)
    )
    return result


def _run_console(config: Config, *, json_mode: bool, clock: Clock) -> int:
    module: Any = importlib.import_module(FRONT_ENDS["console"])
    result: int = asyncio.run(module.run_console(config, json_mode=json_mode, clock=clock))
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `micromentor` and `python -m bot`."""
    args = _parser().parse_args(argv)
    command = args.command or "run"
    try:
        config = _load(args)
    except ConfigError as exc:
        print(f"micromentor: {exc}", file=sys.stderr)
        return 2
    if command == "check-config":
        print(json.dumps(effective_settings(config), indent=2))
        print("configuration ok", file=sys.stderr)
        return 0
    # The console (also `run` with no platform configured) is a conversation in a terminal:
    # its log shows only warnings and errors unless asked for.
    if command == "console" or (command == "run" and not config.front_ends()):
        setup_logging(
            config.logging, console_level(config.logging, getattr(args, "log_level", None))
        )
    else:
        setup_logging(config.logging)
    try:
        if command == "console":
            return _run_console(config, json_mode=args.json, clock=_console_clock(args))
        if command == "slack":
            return _serve("slack", config)
        if command == "discord":
            return _discord(config, args)
        if command == "report":
            return _report(config, args)
        if command == "backup":
            return _backup(config, args.file)
        configured = config.front_ends()
        if not configured:
            return _run_console(config, json_mode=False, clock=SystemClock())
        missing = [name for name in configured if name not in FRONT_ENDS]
        if missing:
            print(
                "micromentor: credentials are set for "
                + ", ".join(missing)
                + ", but this version has no such front end yet. Unset the token(s), or "
                "upgrade micromentor.",
                file=sys.stderr,
            )
            return 2
        if len(configured) == 1:
            return _serve(configured[0], config)
        module: Any = importlib.import_module(ALL_FRONT_ENDS)
        result: int = asyncio.run(module.serve(config, configured))
        return result
    except ConfigError as exc:
        print(f"micromentor: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except (RuntimeError, OSError) as exc:
        # Start-up failures (database unreachable, SQLite too old): a clear line, no trace.
        print(f"micromentor: cannot start: {exc}", file=sys.stderr)
        return 1
