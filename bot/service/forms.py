"""What front ends ask before they draw a form or a list of choices (see bot.domain.queries)."""

from __future__ import annotations

from bot.domain import queries as q
from bot.domain import suggest
from bot.domain.errors import MicromentorError
from bot.domain.messages import FormSpec, Outcome, Reply
from bot.domain.states import Role, SessionStep
from bot.service.context import Ctx
from bot.service.reputation import MENTEE_ASPECTS, MENTOR_ASPECTS
from bot.service.sessions import my_session

# At most this many choices: Slack shows up to 100 options and Discord 25 (it clips further).
MAX_CHOICES = 100


async def describe_form(ctx: Ctx, query: q.DescribeForm) -> Outcome:
    """The ask form's limits (the community's run-time settings); for a rating, the aspects
    the actor's side rates. The session itself is checked when the form is sent."""
    if query.form == "ask":
        conf = ctx.config.requests
        spec = FormSpec(
            "ask",
            session_lengths=tuple(conf.session_lengths),
            default_minutes=conf.default_minutes,
            question_max=conf.question_max_chars,
            detail_max=conf.detail_max_chars,
            skills=tuple(suggest.suggest_skills(query.text, ctx.deps.taxonomy(ctx.community)))
            if query.text
            else (),
        )
    elif query.form == "rate":
        spec = FormSpec("rate", query.session, aspects=await _aspects(ctx, query.session))
    else:
        spec = FormSpec(query.form, query.session)
    return Outcome(Reply("", form=spec))


async def _aspects(ctx: Ctx, session_ref: str | None) -> tuple[str, ...]:
    """What the actor rates in that session: a mentor rates the mentee's side. A session
    that can't be rated gets the mentee's aspects; sending the form says why it can't."""
    try:
        session = await my_session(ctx, session_ref, "rate", SessionStep.RATE)
    except MicromentorError:
        return MENTEE_ASPECTS
    me = session.participant(ctx.me.id)
    return MENTOR_ASPECTS if me is not None and me.role == Role.MENTOR else MENTEE_ASPECTS


async def suggest_skills(ctx: Ctx, query: q.SuggestSkills) -> Outcome:
    """The community's skills matching what is typed."""
    hits = ctx.deps.taxonomy(ctx.community).completing(query.typed)
    return Outcome(Reply("", choices=tuple(hits[:MAX_CHOICES])))
