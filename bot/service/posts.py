"""Help channels: a post becomes a request from its author (or a draft that waits for them
to say which skills it is about), its thread hears what happens to it, and editing or
removing the post edits or calls off the request. Every rule of `/mentor ask` applies,
because the request is made by `requests.create`, as `/mentor ask` makes it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.domain import commands as c
from bot.domain import events as e
from bot.domain import suggest
from bot.domain.errors import Conflict, MicromentorError, NotAllowed, NotFound
from bot.domain.ids import parse_id
from bot.domain.messages import Action, OutboundMessage, Outcome, PostAddress, Reply
from bot.domain.states import PostStatus, RequestState
from bot.service import requests
from bot.service.context import Ctx
from bot.service.post_thread import address_of, pid, thread_key
from bot.service.views import rid
from bot.storage.sql import posts as sql

# Skills offered in the menu when nothing in a post names one (Discord's menus hold 25).
PICKS = 25
TITLE_ONLY = (
    "\n(I can read only this post's title and tags here, so mentors see the title: put the "
    "heart of your question in it, and the skills in the tags.)"
)


def _title_only(outcome: Outcome) -> Outcome:
    """The thread's first message says that only the title was read."""
    messages = [
        replace(m, text=m.text + TITLE_ONLY) if isinstance(m.to, PostAddress) else m
        for m in outcome.messages
    ]
    return Outcome(outcome.reply, messages)


async def _find(ctx: Ctx, place: str, post: str) -> Any:
    return await ctx.tx.fetch_one(
        sql.BY_POST,
        {
            "platform": ctx.actor.platform,
            "workspace": ctx.actor.workspace,
            "place": place,
            "post": post,
            "community_id": ctx.community,
        },
    )


def _question(ctx: Ctx, text: str) -> str:
    """The post's text as a request's question: cut to the community's length, the rest
    behind the link back to the post."""
    most = ctx.config.requests.question_max_chars
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def _skills(ctx: Ctx, text: str, tags: tuple[str, ...]) -> list[str]:
    """The skills a post is about: its tags that are skills, else what its text names."""
    taxonomy = ctx.deps.taxonomy(ctx.community)
    # Tags that are no skill ("question", "urgent") are left out.
    named = [t.replace(" ", "-") for t in tags if t.replace(" ", "-") in taxonomy]
    return taxonomy.resolve_all(named)[:5] or suggest.suggest_skills(text, taxonomy)


async def _ask(
    ctx: Ctx,
    post_id: int,
    row_address: PostAddress,
    question: str,
    skills: list[str],
    link: Any,
    was: PostStatus | None,
) -> Outcome:
    """The request, made by `/mentor ask` itself (its limits, cooldown, suspension and
    blocks), and its first message in the post's thread."""
    req, asked = await requests.create(
        ctx,
        c.AskForHelp(
            tags=tuple(skills),
            question=_question(ctx, question),
            about=None if link is None else str(link),
        ),
    )
    r = rid(req.id)
    if await ctx.tx.fetch_one(sql.TO_REQUEST, {"id": post_id, "request_id": req.id}) is None:
        # Another pick, or the post's removal, came first (PostgreSQL runs them side by
        # side): this request rolls back, so no request is left without its post.
        raise Conflict(
            f"{pid(post_id)} was just made a request, or removed.",
            hint="Type `/mentor queue` to see your requests.",
        )
    note = OutboundMessage(
        to=row_address,
        text=asked.reply.text.replace(f"Your request {r} is in", f"This post is now request {r}", 1)
        + f"\nSkills: {', '.join(skills)}. "
        + (
            "The mentor who takes it gets a link to this post: talk here, or in your "
            "session's own space."
            if link is not None
            else "Once a mentor takes it, you'll meet in your session's own space."
        ),
        actions=asked.reply.actions,
        key=thread_key(post_id),
        update=True,
        status=PostStatus.OPEN,
        was=was,
    )
    return Outcome(
        Reply(f"Your post is request {r}: I answered in its thread."),
        [*asked.messages, note],
    )


async def new_post(ctx: Ctx, event: e.NewPost) -> Outcome:
    """A post in a help channel: a request, or a draft that asks its author for skills."""
    if await _find(ctx, event.place, event.post) is not None:
        return Outcome(Reply("That post was already read."))
    skills = _skills(ctx, event.text, event.tags)
    address = PostAddress(
        ctx.community, ctx.actor.platform, ctx.actor.workspace, event.place, event.post
    )
    post_id = int(
        await ctx.tx.fetch_val(
            sql.INSERT,
            {
                "community_id": ctx.community,
                "platform": ctx.actor.platform,
                "workspace": ctx.actor.workspace,
                "place": event.place,
                "post": event.post,
                "person_id": ctx.me.id,
                "draft": event.text,
                "link": event.link,
                "request_id": None,
                "now": ctx.ts,
            },
        )
    )
    if skills:
        outcome = await _ask(ctx, post_id, address, event.text, skills, event.link, None)
        return _title_only(outcome) if event.title_only else outcome
    common = await ctx.tx.fetch(sql.COMMON_SKILLS, {"community_id": ctx.community, "n": PICKS})
    p = pid(post_id)
    actions = tuple(
        Action(
            f"post:{p}:{row['skill']}", str(row["skill"]), f"/mentor ask {row['skill']} --post {p}"
        )
        for row in common
    )
    text = (
        "Which skills is this about? I couldn't tell from the post. "
        + ("Pick one in the menu below, or type" if actions else "Type")
        + f" `/mentor ask <skills> --post {p}` (like `/mentor ask python sql --post {p}`); "
        "I'll find a mentor as soon as you do."
    )
    note = OutboundMessage(
        to=address,
        text=text,
        actions=actions,
        key=thread_key(post_id),
        status=PostStatus.WAITING,
        menu="Pick the skill it's about",
    )
    if event.title_only:
        note = replace(note, text=note.text + TITLE_ONLY)
    return Outcome(Reply(f"Your post waits for its skills ({p}): see its thread."), [note])


async def ask_about_post(ctx: Ctx, cmd: c.AskAboutPost) -> Outcome:
    """`/mentor ask <skills> --post p3`: the draft becomes a request with these skills."""
    post_id = parse_id("post", cmd.post)
    row = await ctx.tx.fetch_one(sql.BY_ID, {"id": post_id, "community_id": ctx.community})
    if row is None:
        raise NotFound(
            f"There is no post {cmd.post}.", hint="Post your question in a help channel."
        )
    if int(row["person_id"]) != ctx.me.id:
        raise NotAllowed(
            f"{pid(post_id)} is someone else's post, so only they can say what it's about.",
            hint="Post your own question, or ask with `/mentor ask <skills> -- ...`.",
        )
    if row["request_id"] is not None:
        raise Conflict(
            f"{pid(post_id)} is already request {rid(int(row['request_id']))}.",
            hint="Type `/mentor queue` to see it.",
        )
    skills = ctx.deps.taxonomy(ctx.community).resolve_all(cmd.tags)
    return await _ask(
        ctx, post_id, address_of(row), str(row["draft"]), skills, row["link"], PostStatus.WAITING
    )


async def post_edited(ctx: Ctx, event: e.PostEdited) -> Outcome:
    """The post's text changed: the open request follows it; a post waiting for its skills
    becomes a request as soon as its text names some."""
    row = await _find(ctx, event.place, event.post)
    if row is None or int(row["person_id"]) != ctx.me.id:
        return Outcome(Reply("That post isn't a request: nothing to change."))
    if row["request_id"] is None:
        if event.text == row["draft"]:
            return Outcome(Reply(f"{pid(int(row['id']))} says the same: nothing to change."))
        skills = _skills(ctx, event.text, ())
        if skills:
            try:
                await requests.check_can_ask(ctx)
            except MicromentorError as exc:
                # Not a request yet, but the post says this now: it is what a later pick of
                # its skills asks (nothing was written before the refusal).
                await ctx.tx.execute(sql.SET_DRAFT, {"id": row["id"], "draft": event.text})
                return Outcome(Reply(exc.user_text(), is_error=True, field=exc.field))
            return await _ask(
                ctx,
                int(row["id"]),
                address_of(row),
                event.text,
                skills,
                row["link"],
                PostStatus.WAITING,
            )
        await ctx.tx.execute(sql.SET_DRAFT, {"id": row["id"], "draft": event.text})
        return Outcome(Reply(f"Updated {pid(int(row['id']))}."))
    req = await requests.load_request(ctx, int(row["request_id"]))
    if req.state != RequestState.OPEN:
        return Outcome(Reply(f"{rid(req.id)} is {req.state} now, so it stays as it was."))
    if _question(ctx, event.text) == req.question:
        # a platform's update that isn't the text (a link's preview came in): mentors' offers
        # aren't edited for nothing
        return Outcome(Reply(f"{rid(req.id)} says the same: nothing to change."))
    return await requests.edit(
        ctx, c.EditRequest(request=rid(req.id), question=_question(ctx, event.text))
    )


async def post_removed(ctx: Ctx, event: e.PostRemoved) -> Outcome:
    """The post is gone: a draft goes with it, an open request is cancelled; a matched one
    keeps its session (the author is told how to call it off)."""
    row = await _find(ctx, event.place, event.post)
    if row is None or int(row["person_id"]) != ctx.me.id:
        return Outcome(Reply("That post wasn't a request: nothing to call off."))
    if row["request_id"] is None:
        await ctx.tx.execute(sql.REMOVE, {"id": row["id"]})
        return Outcome(Reply(f"Your post {pid(int(row['id']))} was removed, and its draft too."))
    req = await requests.load_request(ctx, int(row["request_id"]))
    r = rid(req.id)
    if req.state == RequestState.OPEN:
        cancelled = await requests.cancel(ctx, c.CancelRequest(r))
        return Outcome(
            Reply(f"Your post was removed, so I cancelled its request {r}."), cancelled.messages
        )
    if req.state == RequestState.MATCHED:
        address = await ctx.address(ctx.me.id)
        text = (
            f"Your help post was removed; its request {r} already has a mentor, so the "
            f"session stays. To call it off: `/mentor cancel {r}`."
        )
        note = [OutboundMessage(to=address, text=text)] if address is not None else []
        return Outcome(Reply(text), note)
    return Outcome(Reply(f"Your post was removed; {r} was already {req.state}."))
