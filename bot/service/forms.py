"""What front ends ask before they draw a form or a list of choices (see bot.domain.queries)."""

from __future__ import annotations

from bot.config import Config
from bot.domain import queries as q
from bot.domain import suggest
from bot.domain.errors import MicromentorError
from bot.domain.messages import FormSpec, Outcome, Reply
from bot.domain.skills import Taxonomy
from bot.domain.states import Role, SessionStep
from bot.service.context import Ctx
from bot.service.reputation import MENTEE_ASPECTS, MENTOR_ASPECTS
from bot.service.sessions import my_session

# At most this many choices: Slack shows up to 100 options and Discord 25 (it clips further).
MAX_CHOICES = 100


def answer_from_memory(config: Config, taxonomy: Taxonomy, query: q.Query) -> Reply | None:
    """The answer to a query that needs no stored row (the ask form, a skill's autocomplete),
    from the community's settings and skills alone; None when it needs the store.

    A person waits on these (a form opens, a list drops down as they type): the bus answers
    them without a transaction, so they never queue behind the commands for the database."""
    if isinstance(query, q.SuggestSkills):
        return Reply("", choices=tuple(taxonomy.completing(query.typed)[:MAX_CHOICES]))
    if query.form != "ask":
        return None
    conf = config.requests
    spec = FormSpec(
        "ask",
        session_lengths=tuple(conf.session_lengths),
        default_minutes=conf.default_minutes,
        question_max=conf.question_max_chars,
        detail_max=conf.detail_max_chars,
        skills=tuple(suggest.suggest_skills(query.text, taxonomy)) if query.text else (),
    )
    return Reply("", form=spec)


async def describe_form(ctx: Ctx, query: q.DescribeForm) -> Outcome:
    """The ask form's limits (the community's run-time settings); for a rating, the aspects
    the actor's side rates. The session itself is checked when the form is sent."""
    known = answer_from_memory(ctx.config, ctx.deps.taxonomy(ctx.community), query)
    if known is not None:
        return Outcome(known)
    if query.form == "rate":
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
    reply = answer_from_memory(ctx.config, ctx.deps.taxonomy(ctx.community), query)
    assert reply is not None
    return Outcome(reply)
