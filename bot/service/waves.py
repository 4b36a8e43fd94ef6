"""A request over time: next waves, escalation to #mentors and #moderators, expiry, reopening."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot import metrics
from bot.clock import from_epoch
from bot.domain.messages import Action, ChannelAddress, OutboundMessage
from bot.domain.model import HelpRequest
from bot.domain.states import OfferState, PostStatus, RequestState
from bot.domain.timeparse import DAYS, MINUTES_PER_WEEK, minute_of_week
from bot.service import due, reputation
from bot.service.context import Scope
from bot.service.post_thread import thread_note
from bot.service.routing import SentWave, refresh_rotation, send_wave
from bot.service.views import offer_actions, offer_text, one_line, request_fields, rid
from bot.storage.sql import offers as offer_sql
from bot.storage.sql import persons as person_sql
from bot.storage.sql import requests as sql


async def get_request(scope: Scope, request_id: int) -> HelpRequest | None:
    """A request by id within the scope's community."""
    row = await scope.tx.fetch_one(sql.GET, {"id": request_id, "community_id": scope.community})
    if row is None:
        return None
    skills = await scope.tx.fetch(sql.SKILLS, {"request_id": request_id})
    return HelpRequest.from_row(row, [s["skill"] for s in skills])


async def request_version(scope: Scope, request_id: int) -> tuple[str, int, int]:
    """(state, version, escalation) of a request."""
    row = await scope.tx.fetch_one(sql.STATE_OF, {"id": request_id})
    assert row is not None
    return row["state"], int(row["version"]), int(row["escalation"])


async def schedule_expiry(scope: Scope, req: HelpRequest, version: int) -> None:
    """An open request expires after the configured time, or at its start if that is sooner."""
    due_at = scope.after(scope.config.routing.request_expiry)
    if req.start_at is not None:
        due_at = min(due_at, req.start_at)
    await due.schedule(scope, due.Kind.REQUEST_EXPIRE, req.id, due_at, version)


# A request nobody could be offered is looked at again when the next mentor with one of its
# skills starts their weekly hours, but at least this often, for mentors who say
# `/mentor available` outside them: a quiet night costs a look every half hour, not every
# few minutes.
IDLE_LOOK_EVERY = timedelta(minutes=30)


@dataclass(frozen=True)
class Routed:
    """A routing step: its messages, the wave it sent, and whether it posted to #mentors."""

    messages: list[OutboundMessage]
    wave: SentWave
    posted: bool


async def route(scope: Scope, req: HelpRequest) -> Routed:
    """The request's next step: a wave of offers to whoever can take it now, and the #mentors
    post once the waves ran out (routing.max_waves), nobody could be offered it, or the odds
    of everyone who could be offered it are below routing.mentors_post_below; but not while
    partial fits are held back for full fits (the post would reach everyone). Then a look
    again is planned, after routing.wave_every (later when nobody could be offered it), and
    so on until it is taken or expires: holders who come on duty later still get an offer."""
    routing = scope.config.routing
    sent = await send_wave(scope, req)
    messages = list(sent.messages)
    _, version, escalation = await request_version(scope, req.id)
    post = (
        escalation == 0
        and not sent.fits_only
        and (
            not sent.offered
            or req.wave >= routing.max_waves
            or sent.pool_chance < routing.mentors_post_below
        )
    )
    if post:
        messages += await escalate_to_mentors(scope, req, version)
    at = scope.ts + int(routing.wave_every.total_seconds())
    if sent.named:
        # the named mentor has the request alone until they answer or the offer expires
        at = scope.after(routing.offer_deadline)
    elif not sent.offered:
        at = max(at, await _next_idle_look(scope, req))
    if sent.fits_only:
        # partial fits may be offered from then on
        at = min(at, req.created_at + int(routing.partial_fit_after.total_seconds()))
    # one look planned per request: this one replaces any other
    await due.reschedule(scope, due.Kind.NEXT_WAVE, req.id, at, version)
    return Routed(messages, sent, post)


async def _next_idle_look(scope: Scope, req: HelpRequest) -> int:
    """When to look again at a request nobody could be offered: as the next holder of one of
    its skills comes on duty, or after IDLE_LOOK_EVERY, whichever is sooner."""
    latest = scope.ts + int(IDLE_LOOK_EVERY.total_seconds())
    minutes = await scope.tx.fetch_val(
        sql.NEXT_HOLDER_ON_DUTY,
        {"community_id": scope.community, "id": req.id, "mow": minute_of_week(scope.now)},
    )
    if minutes is None:
        return latest
    return min(latest, scope.ts + int(minutes) * 60 - scope.now.second)


async def next_wave(scope: Scope, request_id: int, version: int) -> list[OutboundMessage]:
    """Due: look at an open request again, and offer it to whoever can take it now."""
    req = await get_request(scope, request_id)
    if req is None or req.state != RequestState.OPEN:
        return []
    _, current, _ = await request_version(scope, request_id)
    if current != version:
        return []
    # Every routing step replaces the planned look (due.reschedule), so a look that runs is
    # the one the last step planned.
    return (await route(scope, req)).messages


async def after_answer(scope: Scope, request_id: int) -> list[OutboundMessage]:
    """Once every offer of the current wave is declined or expired, move on."""
    req = await get_request(scope, request_id)
    if req is None or req.state != RequestState.OPEN:
        return []
    pending = await scope.tx.fetch_val(offer_sql.PENDING_COUNT, {"request_id": request_id})
    if pending:
        return []
    return (await route(scope, req)).messages


async def offer_deadline(scope: Scope, offer_id: int, version: int) -> list[OutboundMessage]:
    """Due: an offer nobody answered in time expires; maybe the next wave goes out."""
    row = await scope.tx.fetch_one(offer_sql.EXPIRE, {"id": offer_id, "now": scope.ts})
    if row is None:
        return []
    metrics.OFFERS.labels(OfferState.EXPIRED).inc()
    messages: list[OutboundMessage] = []
    address = await scope.address(int(row["mentor_id"]))
    if address is not None:
        messages.append(
            OutboundMessage(
                to=address,
                text=f"This offer ({rid(int(row['request_id']))}) expired: no answer in time. "
                "No problem; if you're busy, `/mentor away` pauses offers.",
                key=f"offer:{offer_id}",
                update=True,
            )
        )
    messages += await _maybe_set_away(scope, int(row["mentor_id"]))
    return messages + await after_answer(scope, int(row["request_id"]))


async def _maybe_set_away(scope: Scope, mentor_id: int) -> list[OutboundMessage]:
    """A mentor who lets several offers in a row expire is set away, and told why."""
    streak = scope.config.accountability.ignored_offers_before_away
    if not await reputation.ignored_streak(scope, mentor_id, streak):
        return []
    away = await scope.tx.fetch_one(person_sql.SET_AWAY_IF_NOT, {"id": mentor_id})
    await refresh_rotation(scope.tx, mentor_id, scope.ts)
    address = await scope.address(mentor_id)
    if away is None or address is None:
        return []
    return [
        OutboundMessage(
            to=address,
            text=(
                f"Your last {streak} offers expired without an answer, so I've set you away to "
                "spare members the wait. Welcome back any time: `/mentor available`."
            ),
        )
    ]


def _channel_post(
    scope: Scope,
    req: HelpRequest,
    channel: str,
    *,
    update: bool,
    text: str,
    actions: tuple[Action, ...] = (),
) -> OutboundMessage:
    return OutboundMessage(
        to=ChannelAddress(scope.community, channel),
        text=text,
        fields=request_fields(req, ZoneInfo("UTC")),
        actions=actions,
        key=f"request:{req.id}:{channel}",
        update=update,
    )


async def escalate_to_mentors(
    scope: Scope, req: HelpRequest, version: int
) -> list[OutboundMessage]:
    """Post the request to #mentors for anyone with the skill; #moderators comes later."""
    done = await scope.tx.fetch_one(sql.SET_ESCALATION, {"id": req.id, "level": 1, "now": scope.ts})
    if done is None:
        return []
    await due.schedule(
        scope,
        due.Kind.ESCALATE_MODERATORS,
        req.id,
        scope.after(scope.config.routing.escalate_after),
        version,
    )
    return [
        _channel_post(
            scope,
            req,
            "mentors",
            update=False,
            text=f"Can someone help? {offer_text(req)}",
            actions=offer_actions(req)[:1],
        )
    ]


async def escalate_moderators(scope: Scope, request_id: int, version: int) -> list[OutboundMessage]:
    """Due: still unclaimed after #mentors, so moderators may assign or close it."""
    state, current, _ = await request_version(scope, request_id)
    if state != RequestState.OPEN or current != version:
        return []
    done = await scope.tx.fetch_one(
        sql.SET_ESCALATION, {"id": request_id, "level": 2, "now": scope.ts}
    )
    req = await get_request(scope, request_id)
    if done is None or req is None:
        return []
    r = rid(req.id)
    return [
        _channel_post(
            scope,
            req,
            "moderators",
            update=False,
            text=(
                f"Nobody has taken {r} yet. {one_line(req)}\n"
                f"Assign a mentor with `/mentor mod assign {r} @mentor`, or close it with "
                f"`/mentor mod close {r} -- <note for the member>`."
            ),
            actions=(
                Action(
                    f"close:{r}",
                    "Close (no mentor available)",
                    f"/mentor mod close {r} -- Sorry, no mentor was available this time.",
                    "danger",
                ),
            ),
        )
    ]


async def channel_updates(scope: Scope, req: HelpRequest, text: str) -> list[OutboundMessage]:
    """Edit the request's #mentors / #moderators posts in place (taken, expired, closed)."""
    _, _, escalation = await request_version(scope, req.id)
    channels = ["mentors", "moderators"][:escalation]
    return [_channel_post(scope, req, ch, update=True, text=text) for ch in channels]


async def pending_offer_updates(
    scope: Scope, req: HelpRequest, text: str, with_actions: bool = False
) -> list[OutboundMessage]:
    """Edit, in place, every offer of this request still waiting for an answer."""
    out: list[OutboundMessage] = []
    rows = await scope.tx.fetch(offer_sql.PENDING_OF_REQUEST, {"request_id": req.id})
    for row in rows:
        address = await scope.address(int(row["mentor_id"]))
        if address is None:
            continue
        zone = await scope.tx.fetch_val(person_sql.TIMEZONE_OF, {"id": row["mentor_id"]})
        out.append(
            OutboundMessage(
                to=address,
                text=text,
                fields=request_fields(req, ZoneInfo(zone or "UTC")),
                actions=offer_actions(req) if with_actions else (),
                key=f"offer:{row['id']}",
                update=True,
            )
        )
    return out


async def release_volunteers(
    scope: Scope, req: HelpRequest, text: str, told: set[int] | None = None
) -> list[OutboundMessage]:
    """The mentors held for the member's choice (`ask --choose`) are free again, as the
    request is taken or ends; those who offered from `/mentor open`, with no offer of their
    own to be updated, hear `text` (`told`: who hears otherwise; by default, every mentor
    whose offer is still pending)."""
    if req.choose_window is None:
        return []
    if told is None:
        pending = await scope.tx.fetch(offer_sql.PENDING_OF_REQUEST, {"request_id": req.id})
        told = {int(row["mentor_id"]) for row in pending}
    out: list[OutboundMessage] = []
    for row in await scope.tx.fetch(sql.RELEASE_VOLUNTEERS, {"request_id": req.id}):
        mentor = int(row["mentor_id"])
        if mentor in told:
            continue
        address = await scope.address(mentor)
        if address is not None:
            out.append(OutboundMessage(to=address, text=text))
    return out


async def usual_times(scope: Scope, req: HelpRequest, zone: ZoneInfo) -> list[str]:
    """Up to three weekly hours when most mentors of these skills are around, in `zone`."""
    rows = await scope.tx.fetch(sql.USUAL_HOURS, {"community_id": scope.community, "id": req.id})
    hours: Counter[int] = Counter()
    for row in rows:
        start, end = int(row["start_minute"]), int(row["end_minute"])
        for minute in range(start - start % 60, end, 60):
            hours[(minute // 60) % (MINUTES_PER_WEEK // 60)] += 1
    # a reference Monday 00:00 UTC to turn hour-of-week into a local day and time
    monday = 4 * 86400  # 1970-01-05 was a Monday
    out = []
    for hour, _ in hours.most_common(3):
        local = from_epoch(monday + hour * 3600).astimezone(zone)
        out.append(f"{DAYS[local.weekday()]} {local:%H:%M}")
    return out


async def request_expire(scope: Scope, request_id: int, version: int) -> list[OutboundMessage]:
    """Due: nobody took the request in time; close it kindly and say what can be done."""
    req = await get_request(scope, request_id)
    if req is None:
        return []
    expired = await scope.tx.fetch_one(
        sql.EXPIRE, {"id": request_id, "version": version, "now": scope.ts}
    )
    if expired is None:
        return []
    r = rid(req.id)
    messages = await pending_offer_updates(scope, req, f"{r} expired before anyone took it.")
    messages += await release_volunteers(
        scope, req, f"{r} expired before the member picked. Thanks for offering!"
    )
    # Offers still inside their own deadline were not ignored: withdrawn, not expired.
    await scope.tx.execute(
        offer_sql.SETTLE,
        {"request_id": req.id, "winner": None, "state": OfferState.WITHDRAWN, "now": scope.ts},
    )
    messages += await channel_updates(scope, req, f"{r} expired: nobody took it in time.")
    messages += await thread_note(
        scope,
        req.id,
        f"{r} expired: no mentor was free to take it in time. Post again later, or ask with "
        "`/mentor ask <skills> -- ...` at another time.",
        PostStatus.CLOSED,
        PostStatus.OPEN,
    )
    member = await scope.address(req.requester_id)
    if member is not None:
        zone = await scope.tx.fetch_val(person_sql.TIMEZONE_OF, {"id": req.requester_id})
        times = await usual_times(scope, req, ZoneInfo(zone or "UTC"))
        tips = [
            "add broader skills to your question (e.g. the language as well as the library)",
            "ask again later, or schedule it with `--at`",
        ]
        if times:
            tips.append(
                f"mentors of {', '.join(req.skills)} are usually around {', '.join(times)} "
                "(your time)"
            )
        messages.append(
            OutboundMessage(
                to=member,
                text=(
                    f"I'm sorry: no mentor was free to take your request {r} this time, so it "
                    "has expired. You could:\n- " + "\n- ".join(tips)
                ),
                key=f"request:{req.id}",
            )
        )
    return messages


async def reopen(scope: Scope, request_id: int) -> list[OutboundMessage]:
    """Send a matched request back to routing (its mentor withdrew or didn't show)."""
    version = await scope.tx.fetch_val(sql.REOPEN, {"id": request_id, "now": scope.ts})
    if version is None:
        return []
    req = await get_request(scope, request_id)
    assert req is not None
    await schedule_expiry(scope, req, int(version))
    note = await thread_note(
        scope,
        request_id,
        f"Its mentor couldn't make it, so {rid(request_id)} is open again for another mentor.",
        PostStatus.OPEN,
        PostStatus.TAKEN,
    )
    return note + (await route(scope, req)).messages
