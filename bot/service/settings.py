"""Per-community settings that moderators tune at run time, and the community's own skills.

The config file gives the defaults; overrides live in the database, are validated with the
same rules as the file, and every change is in the audit log. A change takes effect in this
process once its command has committed, and in every other process on the store at its next
poll of the settings' version (`reload_if_changed`, every 30 seconds with the scheduler).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError

from bot.config import Config, describe_errors
from bot.domain import commands as c
from bot.domain.errors import InvalidInput
from bot.domain.messages import Field, Outcome, Reply
from bot.domain.skills import Taxonomy, normalize_tag, valid_tag
from bot.domain.states import SkillAction
from bot.service import audit
from bot.service.context import Ctx, Deps
from bot.service.people import require_moderator
from bot.storage.database import Database, Row, Transaction
from bot.storage.sql import settings as sql

# What a community may change at run time (dotted keys of the config file).
TUNABLE = (
    "requests.session_lengths",
    "requests.default_minutes",
    "requests.max_open",
    "requests.max_per_week",
    "requests.choose_by_default",
    "requests.choose_window",
    "routing.wave_size",
    "routing.offer_deadline",
    "routing.accept_target",
    "routing.wave_every",
    "routing.partial_fit_after",
    "routing.mentors_post_below",
    "routing.max_waves",
    "routing.escalate_after",
    "routing.request_expiry",
    "sessions.rating_window",
    "sessions.call_link",
    "accountability.leaderboard",
)


def _parse_value(raw: str) -> Any:
    """JSON where it is JSON (`4`, `true`, `[15, 30]`), `15,30` as a list, `on`/`off` as a
    switch, else the text (durations such as `10m`); the setting's own type then decides."""
    text = raw.strip()
    switch = {"on": True, "yes": True, "off": False, "no": False}.get(text.lower())
    if switch is not None:
        return switch
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    if "," in text and all(part.strip().isdigit() for part in text.split(",")):
        return [int(part) for part in text.split(",")]
    return text


def apply(base: Config, overrides: dict[str, Any]) -> Config:
    """The config with these dotted-key overrides, validated like the file (raises)."""
    data = base.model_dump(mode="json")
    for key, value in overrides.items():
        section, name = key.split(".", 1)
        data[section][name] = value
    # secrets and paths are dumped masked or resolved; take them from the base unchanged
    data["slack"] = base.slack.model_dump()
    data["discord"] = base.discord.model_dump()
    data["data_dir"] = base.data_dir
    return Config.model_validate(data)


async def load(db: Database, deps: Deps) -> None:
    """Read every community's overrides and skills into the deps (at start)."""
    await _reload(db, deps, everything=True)


async def reload_if_changed(db: Database, deps: Deps) -> list[str]:
    """Read again the communities whose settings another process changed; their ids."""
    return await _reload(db, deps, everything=False)


async def _reload(db: Database, deps: Deps, *, everything: bool) -> list[str]:
    async with db.transaction() as tx:
        versions = {str(r["community_id"]): int(r["version"]) for r in await tx.fetch(sql.VERSIONS)}
        stale = [
            community_id
            for community_id in deps.config.communities
            if everything
            or versions.get(community_id, 0) != deps.settings_versions.get(community_id, 0)
        ]
        for community_id in stale:
            config, taxonomy = await read(tx, deps, community_id)
            install(deps, community_id, config, taxonomy, versions.get(community_id, 0))
    return stale


async def read(tx: Transaction, deps: Deps, community_id: str) -> tuple[Config | None, Taxonomy]:
    """A community's config with its stored overrides (None if they no longer validate),
    and its taxonomy with its own skills, as this transaction sees them."""
    rows = await tx.fetch(sql.GET_SETTINGS, {"community_id": community_id})
    overrides = {r["key"]: json.loads(r["value"]) for r in rows}
    try:
        config: Config | None = apply(deps.config, overrides)
    except ValidationError:
        config = None  # stored values no longer valid: the file's
    extra: dict[str, list[str]] = {
        k: list(v) for k, v in deps.config.communities[community_id].skills.items()
    }
    removed: set[str] = set()
    for row in await tx.fetch(sql.GET_SKILLS, {"community_id": community_id}):
        if row["removed"]:
            removed.add(row["skill"])
        else:
            extra.setdefault(row["skill"], []).extend(json.loads(row["aliases"]))
    return config, Taxonomy.default(extra, removed=removed)


def install(
    deps: Deps, community_id: str, config: Config | None, taxonomy: Taxonomy, version: int
) -> None:
    """Make these the community's settings in this process."""
    if config is None:
        deps.community_configs.pop(community_id, None)
    else:
        deps.community_configs[community_id] = config
    deps.taxonomies[community_id] = taxonomy
    deps.settings_versions[community_id] = version


async def _changed(ctx: Ctx) -> None:
    """After a change in this command's transaction: the new version, and the settings
    installed in this process once the command commits."""
    version = int(await ctx.tx.fetch_val(sql.BUMP_VERSION, {"community_id": ctx.community}))
    config, taxonomy = await read(ctx.tx, ctx.deps, ctx.community)
    ctx.after_commit.append(lambda: install(ctx.deps, ctx.community, config, taxonomy, version))


def _shown(config: Config, key: str) -> str:
    section, name = key.split(".", 1)
    value = config.model_dump(mode="json")[section][name]
    return json.dumps(value) if isinstance(value, list | bool) else str(value)


async def show(ctx: Ctx, cmd: c.ModSettings) -> Outcome:
    require_moderator(ctx)
    config = ctx.config
    fields = tuple(Field(key, _shown(config, key)) for key in TUNABLE)
    return Outcome(
        Reply(
            "This community's settings (`/mentor mod set <key> <value>` to change one; the "
            "config file gives the defaults):",
            fields,
        )
    )


async def set_value(ctx: Ctx, cmd: c.ModSet) -> Outcome:
    require_moderator(ctx)
    key = cmd.key.strip().lower()
    if key not in TUNABLE:
        raise InvalidInput(
            f"`{key[:40]}` is not a setting a community can change.",
            hint="Settings: " + ", ".join(TUNABLE),
        )
    value = _parse_value(cmd.value)
    rows = await ctx.tx.fetch(sql.GET_SETTINGS, {"community_id": ctx.community})
    overrides = {r["key"]: json.loads(r["value"]) for r in rows}
    overrides[key] = value
    try:
        updated = apply(ctx.deps.config, overrides)
    except ValidationError as exc:
        text = describe_errors(exc, None).splitlines()
        problems = [line.strip("- ").strip() for line in text[1:-1]]
        raise InvalidInput(
            f"That value doesn't work for {key}: " + "; ".join(problems)[:500],
            hint='Durations look like "10m"; lists like [15, 30, 45].',
        ) from None
    await ctx.tx.execute(
        sql.PUT_SETTING,
        {"community_id": ctx.community, "key": key, "value": json.dumps(value), "now": ctx.ts},
    )
    await _changed(ctx)
    post = await audit.record(ctx, ctx.me.id, "set", key, _shown(updated, key))
    return Outcome(Reply(f"{key} is now {_shown(updated, key)}."), [post])


async def _put_skill(ctx: Ctx, skill: str, aliases: list[str], removed: bool) -> None:
    await ctx.tx.execute(
        sql.PUT_SKILL,
        {
            "community_id": ctx.community,
            "skill": skill,
            "aliases": json.dumps(aliases),
            "removed": 1 if removed else 0,
            "now": ctx.ts,
        },
    )


async def _add_skill(ctx: Ctx, taxonomy: Taxonomy, rows: dict[str, Row], args: list[str]) -> str:
    """`mod skills add <skill> [aliases...]`: a skill of the community's own."""
    if not args:
        raise InvalidInput("Which skill?", hint="`/mentor mod skills add godot [aliases...]`")
    skill, aliases = args[0], args[1:]
    if skill in taxonomy and skill not in rows:
        raise InvalidInput(
            f"`{skill}` already means `{taxonomy.resolve(skill)}` here.",
            hint="Choose another name, or add aliases with `/mentor mod skills alias`.",
        )
    for alias in aliases:
        if alias in taxonomy and taxonomy.resolve(alias) != skill:
            raise InvalidInput(f"`{alias}` already means `{taxonomy.resolve(alias)}`.")
    await _put_skill(ctx, skill, aliases, False)
    return f"{skill}" + (f" (aliases {', '.join(aliases)})" if aliases else "")


async def _alias_skill(ctx: Ctx, taxonomy: Taxonomy, rows: dict[str, Row], args: list[str]) -> str:
    """`mod skills alias <alias> <skill>`: another name for a skill."""
    if len(args) != 2:
        raise InvalidInput("Give the alias and the skill: `mod skills alias k8s kubernetes`.")
    alias, skill = args
    target = taxonomy.resolve(skill)
    if alias in taxonomy:
        raise InvalidInput(f"`{alias}` already means `{taxonomy.resolve(alias)}`.")
    existing = json.loads(rows[target]["aliases"]) if target in rows else []
    await _put_skill(ctx, target, [*existing, alias], False)
    return f"{alias} -> {target}"


async def _remove_skill(ctx: Ctx, taxonomy: Taxonomy, rows: dict[str, Row], args: list[str]) -> str:
    """`mod skills remove <skill>`: no longer a skill here."""
    if len(args) != 1:
        raise InvalidInput("Which skill? `/mentor mod skills remove <skill>`.")
    skill = taxonomy.resolve(args[0])
    await _put_skill(ctx, skill, [], True)
    return skill


_SkillAction = Callable[[Ctx, Taxonomy, dict[str, Row], list[str]], Awaitable[str]]
_SKILL_ACTIONS: dict[SkillAction, _SkillAction] = {
    SkillAction.ADD: _add_skill,
    SkillAction.ALIAS: _alias_skill,
    SkillAction.REMOVE: _remove_skill,
}


async def skills(ctx: Ctx, cmd: c.ModSkills) -> Outcome:
    require_moderator(ctx)
    action, args = cmd.action, [normalize_tag(a) for a in cmd.args]
    if action not in _SKILL_ACTIONS:  # the command checked it already: a front end's slip
        raise InvalidInput(
            f"`{action[:20]}` is not something I can do with skills.",
            hint=f"`/mentor mod skills {'|'.join(SkillAction)} ...`",
        )
    change = _SKILL_ACTIONS[SkillAction(action)]
    for tag in args:
        if not valid_tag(tag):
            raise InvalidInput(
                f"`{tag[:40]}` is not a valid skill tag.",
                hint="Up to 32 characters of a-z, 0-9 and + # . - (like python, c++).",
            )
    rows = {
        r["skill"]: r for r in await ctx.tx.fetch(sql.GET_SKILLS, {"community_id": ctx.community})
    }
    detail = await change(ctx, ctx.deps.taxonomy(ctx.community), rows, args)
    await _changed(ctx)
    post = await audit.record(ctx, ctx.me.id, f"skills {action}", "taxonomy", detail)
    return Outcome(Reply(f"Skills: {action} {detail}."), [post])
