"""`micromentor discord sync` as a subprocess against the loopback fake of Discord."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.discord.commands import ASK_ABOUT
from bot.domain.states import AppealDecision, Decision, SessionOutcome, SkillAction
from tests.adapters.discord.fake import APP, GUILD, FakeDiscord

# Long enough for a slow machine to start Python and log in; a sync that hangs never ends.
WITHIN = 30.0


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    try:
        yield server
    finally:
        await server.close()


async def sync(fake: FakeDiscord, data_dir: Path, *extra: str) -> tuple[int, str, str]:
    """Run `micromentor discord sync ...`; its exit status, stdout and stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MICROMENTOR_", "SLACK_"))}
    env.update(
        {
            "MICROMENTOR_CONFIG": "",
            "MICROMENTOR_DATA_DIR": str(data_dir),
            "DISCORD_TOKEN": "bot.token.x",
            "MICROMENTOR_DISCORD__API_BASE_URL": fake.api,
            "MICROMENTOR_DISCORD__GATEWAY_URL": fake.gateway,
        }
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "discord",
        "sync",
        *extra,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=data_dir.parent,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), WITHIN)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        pytest.fail(f"`discord sync {' '.join(extra)}` did not exit within {WITHIN:.0f}s")
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_sync_to_a_guild_overwrites_its_commands_and_exits(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    """`discord sync --guild ID` puts the commands on that server, exits 0, opens no store."""
    data = tmp_path / "data"
    status, out, err = await sync(fake, data, "--guild", GUILD)
    assert status == 0, err
    assert out.startswith(f"synced 3 command(s) to guild {GUILD}"), out
    puts = fake.of("PUT", f"/applications/{APP}/guilds/{GUILD}/commands")
    synced = [sorted(c["name"] for c in call.body) for call in puts]
    assert synced == [[ASK_ABOUT, "mentor", "mentor-mod"]]
    assert not data.exists() or list(data.iterdir()) == []


async def test_global_sync_overwrites_the_commands_and_exits(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    """`discord sync` with no guild syncs globally, exits 0 and opens no store."""
    data = tmp_path / "data"
    status, out, err = await sync(fake, data)
    assert status == 0, err
    assert out.startswith("synced 3 command(s) globally"), out
    puts = fake.of("PUT", f"/applications/{APP}/commands")
    synced = [sorted(c["name"] for c in call.body) for call in puts]
    assert synced == [[ASK_ABOUT, "mentor", "mentor-mod"]]
    assert not data.exists() or list(data.iterdir()) == []


async def test_the_choices_come_from_the_core_s_enums(fake: FakeDiscord, tmp_path: Path) -> None:
    """`done`'s outcomes, `resolve`'s decisions and `mod skills`' actions are offered as the
    core names them, every one of them (built from the core's enums, not copied)."""
    status, _, err = await sync(fake, tmp_path / "data")
    assert status == 0, err
    (put,) = fake.of("PUT", f"/applications/{APP}/commands")
    commands = {c["name"]: c for c in put.body}

    def choices(command: str, sub: str, option: str) -> list[str]:
        (found,) = [o for o in commands[command]["options"] if o["name"] == sub]
        (opt,) = [o for o in found["options"] if o["name"] == option]
        return [ch["value"] for ch in opt["choices"]]

    assert choices("mentor", "done", "outcome") == [o.value for o in SessionOutcome]
    assert choices("mentor-mod", "resolve", "decision") == [
        *(d.value for d in Decision),
        *(d.value for d in AppealDecision),
    ]
    assert choices("mentor-mod", "skills", "action") == [a.value for a in SkillAction]
