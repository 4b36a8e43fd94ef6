"""The bot side of bench/load.py, run in a process of its own so that its CPU time and peak
RSS are the bot's alone (the load generator and the fake Slack/Discord live in the parent).

    python bench/load_bot.py ours-slack --store URL --api BASE [--count]
    python bench/load_bot.py ours-discord --store URL --api API --gateway WS
    python bench/load_bot.py floor-slack --api BASE --plan JSON [--store URL]

It prints one JSON line when it serves ({"port": ..., "admin": ...}), runs until its standard
input closes (so it never outlives the parent) or SIGTERM, then finishes what it started
(after-ack work, queued sends, the outbox), closes the store and prints one more JSON line
({"done": true, ...}). Imports nothing from the tests, so its memory is the bot's own.

The admin port (loopback) answers POST /drain (until every started listener, send and
outbox batch is done) and, with --count, GET /counts and POST /reset: the transactions and
the kind of each statement since the last reset, per transaction, in the order they began.
POST /profile/start and /profile/stop run pyinstrument (not a dependency: install it) over
the process's main thread in between; stop answers its text report. With
MICROMENTOR_BENCH_PROFILER=cprofile, cProfile instead (self and cumulative time per function),
its raw stats also written to MICROMENTOR_BENCH_PROFILE_RAW when that names a file.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import faulthandler
import io
import json
import logging
import os
import pstats
import resource
import signal
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TEAM = "T1"
SECRET = "s3cr3t"  # the signing secret of the load generator (tests' value)
BOT_TOKEN = "xoxb-test-token"
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY")
# What each front end sees of the Discord fake (tests/adapters/discord/fake.py).
GUILD = "100"
MENTORS_CHANNEL = "200"
MOD_ROLE = "777"
# Nobody is throttled: the load is many members, each asking once.
LIMITS = {"MICROMENTOR_LIMITS__COMMANDS_PER_MINUTE": "0"}


def overrides() -> dict[str, str]:
    """Settings given to the bench itself (`MICROMENTOR_DISCORD__REPLY_IN_CALLBACK_MS=0 python
    bench/load.py ...`), to measure one knob; the store and the fakes' addresses stay ours."""
    return {
        key: value
        for key, value in os.environ.items()
        if key.startswith("MICROMENTOR_")
        and key not in ("MICROMENTOR_STORAGE__URL", "MICROMENTOR_TEST_POSTGRES_DSN")
    }


def slack_env(store: str, api: str) -> dict[str, str]:
    """The same settings as tests/adapters/slack/test_slack.py's slack_config (HTTP mode)."""
    return {
        "MICROMENTOR_STORAGE__URL": store,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_APP_TOKEN": "xapp-test-token",
        "MICROMENTOR_SLACK__MODE": "http",
        "MICROMENTOR_SLACK__API_BASE_URL": f"{api}/api/",
        "MICROMENTOR_COMMUNITIES__DEFAULT__SLACK__TEAM_ID": TEAM,
        "MICROMENTOR_COMMUNITIES__DEFAULT__SLACK__MENTORS_CHANNEL": "C-MENTORS",
        "MICROMENTOR_COMMUNITIES__DEFAULT__SLACK__MODERATORS_CHANNEL": "C-MODS",
        "MICROMENTOR_COMMUNITIES__DEFAULT__MODERATORS": '["slack:UMOD"]',
        **LIMITS,
        **overrides(),
    }


def discord_env(store: str, api: str, gateway: str) -> dict[str, str]:
    """The same settings as tests/adapters/discord/test_discord.py's discord_config."""
    return {
        "MICROMENTOR_STORAGE__URL": store,
        "DISCORD_TOKEN": "bot.token.x",
        "MICROMENTOR_DISCORD__API_BASE_URL": api,
        "MICROMENTOR_DISCORD__GATEWAY_URL": gateway,
        "MICROMENTOR_COMMUNITIES__DEFAULT__DISCORD__GUILD_ID": GUILD,
        "MICROMENTOR_COMMUNITIES__DEFAULT__DISCORD__MENTORS_CHANNEL_ID": MENTORS_CHANNEL,
        "MICROMENTOR_COMMUNITIES__DEFAULT__MODERATOR_ROLES": f'["discord:{MOD_ROLE}"]',
        **LIMITS,
        **overrides(),
    }


# -- counting transactions and statements (calibration only) ----------------------------------


def kind_of(sql: str) -> str:
    """select, insert, update or delete: what a statement does, by its first word."""
    word = sql.lstrip().split(None, 1)[0].lower()
    return "select" if word == "with" else word


class _CountingTx:
    def __init__(self, inner: Any, kinds: list[str], timed: dict[str, list[float]]) -> None:
        self.inner = inner
        self.kinds = kinds
        self.timed = timed

    async def _timed(self, sql: str, run: Awaitable[Any]) -> Any:
        self.kinds.append(kind_of(sql))
        start = time.perf_counter()
        try:
            return await run
        finally:
            shape = " ".join(sql.split())[:120]
            self.timed.setdefault(shape, []).append(time.perf_counter() - start)

    async def fetch(self, sql: str, params: Any = None) -> Any:
        return await self._timed(sql, self.inner.fetch(sql, params))

    async def fetch_one(self, sql: str, params: Any = None) -> Any:
        return await self._timed(sql, self.inner.fetch_one(sql, params))

    async def fetch_val(self, sql: str, params: Any = None) -> Any:
        return await self._timed(sql, self.inner.fetch_val(sql, params))

    async def execute(self, sql: str, params: Any = None) -> None:
        await self._timed(sql, self.inner.execute(sql, params))


class CountingDatabase:
    """The real store, each transaction's statement kinds noted in the order it began, and
    the time each statement took (by its first 120 characters)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.dialect = inner.dialect
        self.transactions: list[list[str]] = []
        self.timed: dict[str, list[float]] = {}

    @asynccontextmanager
    async def transaction(self, **options: Any) -> AsyncIterator[Any]:
        kinds: list[str] = []
        async with self.inner.transaction(**options) as tx:
            self.transactions.append(kinds)
            yield _CountingTx(tx, kinds, self.timed)

    async def close(self) -> None:
        await self.inner.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


# -- the process ----------------------------------------------------------------------------


class Admin:
    """The loopback admin port: drain, and the counts when counting."""

    def __init__(self) -> None:
        self.drain: Callable[[], Awaitable[None]] = _nothing
        self.counting: CountingDatabase | None = None
        self.runner: web.AppRunner | None = None
        self.profiler: Any = None

    async def start(self) -> int:
        app = web.Application()
        app.router.add_post("/drain", self._drain)
        app.router.add_get("/counts", self._counts)
        app.router.add_post("/reset", self._reset)
        app.router.add_post("/profile/start", self._profile_start)
        app.router.add_post("/profile/stop", self._profile_stop)
        self.runner = web.AppRunner(app, access_log=None)
        return await listen(self.runner)

    async def close(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    async def _drain(self, request: web.Request) -> web.Response:
        await self.drain()
        return web.json_response({"ok": True})

    async def _counts(self, request: web.Request) -> web.Response:
        counting = self.counting
        if counting is None:
            return web.json_response({"transactions": [], "slowest": []})
        slowest = sorted(
            ((sum(t) * 1000, len(t), sql) for sql, t in counting.timed.items()), reverse=True
        )[:8]
        return web.json_response({"transactions": counting.transactions, "slowest": slowest})

    async def _profile_start(self, request: web.Request) -> web.Response:
        if os.environ.get("MICROMENTOR_BENCH_PROFILER") == "cprofile":
            # Self time per function, which a sampling tree does not add up across callers.
            self.profiler = cProfile.Profile()
            self.profiler.enable()
            return web.json_response({"ok": True})
        from pyinstrument import Profiler

        self.profiler = Profiler(async_mode="disabled", interval=0.0005)
        self.profiler.start()
        return web.json_response({"ok": True})

    async def _profile_stop(self, request: web.Request) -> web.Response:
        profiler, self.profiler = self.profiler, None
        if profiler is None:
            return web.json_response({"report": ""})
        if isinstance(profiler, cProfile.Profile):
            profiler.disable()
            raw = os.environ.get("MICROMENTOR_BENCH_PROFILE_RAW")
            if raw:
                profiler.dump_stats(raw)  # for pstats: self time summed per file, say
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats("tottime").print_stats(60)
            stats.sort_stats("cumulative").print_stats(80)
            return web.json_response({"report": out.getvalue()})
        profiler.stop()
        report = profiler.output_text(unicode=False, color=False, show_all=False)
        return web.json_response({"report": report})

    async def _reset(self, request: web.Request) -> web.Response:
        if self.counting is not None:
            self.counting.transactions.clear()
            self.counting.timed.clear()
        return web.json_response({"ok": True})


async def _nothing() -> None:
    return None


async def listen(runner: web.AppRunner) -> int:
    """Serve on a free loopback port; the port."""
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server  # aiohttp keeps the listening socket here
    assert server is not None
    return int(server.sockets[0].getsockname()[1])  # type: ignore[attr-defined]


def say(**fields: Any) -> None:
    print(json.dumps(fields), flush=True)


def stop_event() -> asyncio.Event:
    """Set on SIGTERM or when standard input closes (the parent went away)."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)

    def watch() -> None:
        with contextlib.suppress(Exception):
            sys.stdin.read()
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(stop.set)

    threading.Thread(target=watch, daemon=True).start()
    return stop


async def listeners_done(within: float = 30.0) -> None:
    """Until the Slack work started by listeners is finished: Bolt's own listener tasks (when
    it acks before the listener ends) and the app's tasks after an ack (when it doesn't)."""
    me = asyncio.current_task()

    def started(task: asyncio.Task[Any]) -> bool:
        name = task.get_name()
        qualname = getattr(task.get_coro(), "__qualname__", "")
        return "after-ack" in name or "run_ack_function_asynchronously" in qualname

    pending = [t for t in asyncio.all_tasks() if t is not me and not t.done() and started(t)]
    if pending:
        await asyncio.wait(pending, timeout=within)


async def ours_slack(args: argparse.Namespace, admin: Admin, stop: asyncio.Event) -> None:
    from adapters.slack.app import SlackFrontEnd
    from bot.config import load_config
    from bot.process.bootstrap import start_core
    from bot.storage import open_database

    config = load_config(None, environ=slack_env(args.store, args.api))
    front = SlackFrontEnd(config)
    core = None
    if args.count:
        admin.counting = CountingDatabase(await open_database(config.storage_url()))
        core = await start_core(config, front.notifier, db=admin.counting)  # type: ignore[arg-type]
        await front.start(core)
    else:
        await front.start()  # as `micromentor slack` does: the front end opens the core
    assert front.core is not None
    dispatcher = front.core.dispatcher

    async def drain() -> None:
        await listeners_done()
        await front.notifier.drain()
        await dispatcher.drain()

    admin.drain = drain
    try:
        async with serving(front.web_app(), admin):
            await stop.wait()
    finally:
        await drain()
        await front.close()  # sends what is queued, closes the core it opened
        if core is not None:
            await core.close()


@asynccontextmanager
async def serving(app: web.Application, admin: Admin) -> AsyncIterator[None]:
    """Serve `app` on a loopback port and tell the parent where, for the block; then take no
    new requests."""
    runner = web.AppRunner(app, access_log=None)
    port = await listen(runner)
    admin_port = await admin.start()
    say(port=port, admin=admin_port, pid=os.getpid())
    try:
        yield
    finally:
        await runner.cleanup()


async def ours_discord(args: argparse.Namespace, admin: Admin, stop: asyncio.Event) -> None:
    from adapters.discord.app import DiscordFrontEnd
    from bot.config import load_config

    config = load_config(None, environ=discord_env(args.store, args.api, args.gateway))
    front = DiscordFrontEnd(config)
    task = asyncio.create_task(front.start())

    async def drain() -> None:
        await front.notifier.drain()
        if front.core is not None:
            await front.core.dispatcher.drain()

    admin.drain = drain
    waiting = asyncio.create_task(front.core_ready.wait())
    await asyncio.wait([task, waiting], return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        waiting.cancel()
        task.result()  # raises what stopped it
        raise RuntimeError("the Discord client stopped before it was ready")
    admin_port = await admin.start()
    say(port=0, admin=admin_port, pid=os.getpid())
    try:
        await stop.wait()
    finally:
        await drain()
        await front.close()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


async def floor_slack(args: argparse.Namespace, admin: Admin, stop: asyncio.Event) -> None:
    from bench.load_floor import Floor

    floor = Floor(json.loads(args.plan), args.api, SECRET, BOT_TOKEN, args.store)
    await floor.start()
    admin.drain = floor.drain
    try:
        async with serving(floor.web_app(), admin):
            await stop.wait()
    finally:
        await floor.close()


KINDS = {"ours-slack": ours_slack, "ours-discord": ours_discord, "floor-slack": floor_slack}


async def main_async(args: argparse.Namespace) -> None:
    for var in PROXY_VARS:
        os.environ.pop(var, None)
    stop = stop_event()
    admin = Admin()
    try:
        await KINDS[args.kind](args, admin, stop)
    finally:
        await admin.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    say(done=True, maxrss_kb=usage.ru_maxrss, cpu_s=usage.ru_utime + usage.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("kind", choices=sorted(KINDS))
    parser.add_argument("--store", default="", help="storage URL (the floor: none = no storage)")
    parser.add_argument("--api", required=True, help="the fake's base URL (Discord: its API)")
    parser.add_argument("--gateway", default="", help="Discord: the fake's gateway URL")
    parser.add_argument("--plan", default="{}", help="the floor: what to do per command (JSON)")
    parser.add_argument("--count", action="store_true", help="count transactions and statements")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    faulthandler.register(signal.SIGUSR1)  # a stuck bot: `kill -USR1` prints every stack
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
