"""A seeded simulated community: the same requests through a claim-first baseline and our core.

    python bench/simulate.py [--params bench/community.toml] [--scale 1.0] [--seed N]
                             [--json] [--plot DIR]

Mentors, members and requests are drawn from the parameters file (see bench/community.toml),
reproducibly from the seed. The same arrivals then go through two policies:

- baseline: what other bots do. Each request is posted to the mentors' channel at once, and
  the first mentor holding one of its skills who looks at the channel (at random moments of
  their weekly hours) and is under their capacity claims it. Simulated here, without the core.
- micromentor: the real core (`bot.bootstrap.start_core`) on a SQLite file and a manual clock.
  Members type `/mentor ask`, mentors answer offers per their habits, look at `#mentors` like
  the baseline's mentors, check in, end sessions and rate, all as console users through
  `MessageBus.handle_line`; every deadline, wave, escalation, no-show check, session end and
  rating window runs through `Sweep.advance`. The clock jumps from event to event: to the next
  simulated action or the next due action, whichever is first.

Both policies share the people, the arrivals, the looks and, per request, what happens in its
session (no-show, check-in delays, early end, ratings), so their differences come from the
policy. The micromentor figures are read back from the core's own tables afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import heapq
import json
import math
import re
import sys
import tempfile
import time
import tomllib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.bootstrap import Core, start_core
from bot.clock import ManualClock, epoch, from_epoch
from bot.config import Config, load_config
from bot.domain.messages import (
    Actor,
    ChannelAddress,
    OutboundMessage,
    PersonAddress,
    Reply,
    SessionAddress,
)
from bot.domain.skills import Taxonomy

HERE = Path(__file__).resolve().parent
DEFAULT_PARAMS = HERE / "community.toml"
DAY = 86400
WEEK = 7 * DAY
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SESSION_STARTS = re.compile(r"^Session s(\d+) for r(\d+) starts now")
REQUEST_ID = re.compile(r"\br(\d+)\b")
TARGETS = {
    "median_tta": "<= 50% of baseline",
    "unmatched": "<= 50% of baseline",
    "load_gini": "<= 0.30",
    "capacity_violations": "0",
}


# -- the community -----------------------------------------------------------------------------


@dataclass
class Mentor:
    name: str
    zone: str
    skills: frozenset[str]
    skill_list: tuple[str, ...]
    days: tuple[int, ...]
    start_minute: int
    length_minutes: int
    at_once: int
    per_week: int
    generosity: float
    windows: list[tuple[int, int]] = field(default_factory=list)  # UTC epoch [start, end)
    looks: list[int] = field(default_factory=list)
    answer_rng: Random = field(default_factory=Random)

    def hours_command(self) -> str:
        days = ",".join(DAY_NAMES[d] for d in self.days)
        end = self.start_minute + self.length_minutes
        return f"/mentor profile hours {days} {_hhmm(self.start_minute)}-{_hhmm(end)}"

    def next_window_start(self, after: int) -> int | None:
        starts = [s for s, _ in self.windows if s >= after]
        return min(starts) if starts else None


@dataclass
class Plan:
    """What happens in one session of a request, drawn once and used by both policies."""

    no_show: str | None  # "mentor", "member" or None
    mentor_checkin: int  # seconds after the start
    member_checkin: int
    done_fraction: float | None  # the mentor ends it early at this share of its length
    u1: float  # the mentee's score of the mentor: 3 + [u1 < g] + [u2 < g]
    u2: float
    mentor_score: int  # the mentor's score of the mentee
    mentee_rates: bool
    mentor_rates: bool
    mentee_rate_delay: int
    mentor_rate_delay: int

    def mentee_score(self, generosity: float) -> int:
        return 3 + int(self.u1 < generosity) + int(self.u2 < generosity)


@dataclass
class Request:
    idx: int
    member: str
    zone: str
    at: int
    skills: tuple[str, ...]
    minutes: int
    seed: str
    params: dict[str, Any]
    plans: list[Plan] = field(default_factory=list)

    def plan(self, attempt: int) -> Plan:
        while len(self.plans) <= attempt:
            self.plans.append(
                _draw_plan(Random(f"{self.seed}:plan:{len(self.plans)}"), self.params)
            )
        return self.plans[attempt]


@dataclass
class Community:
    t0: int
    arrivals_end: int
    horizon: int
    mentors: list[Mentor]
    members: list[str]
    requests: list[Request]
    skills: list[str]
    config: Config


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _draw_plan(rng: Random, params: dict[str, Any]) -> Plan:
    s = params["sessions"]
    within = int(s["checkin_within_minutes"] * 60)
    no_show = None
    if rng.random() < s["no_show_share"]:
        no_show = "mentor" if rng.random() < s["no_show_mentor_share"] else "member"
    low, high = s["done_early_fraction"]
    done = rng.uniform(low, high) if rng.random() < s["done_early_share"] else None
    median = math.log(s["rating_median_minutes"] * 60)
    g = s["mentee_generosity"]
    return Plan(
        no_show=no_show,
        mentor_checkin=rng.randint(0, within),
        member_checkin=rng.randint(0, within),
        done_fraction=done,
        u1=rng.random(),
        u2=rng.random(),
        mentor_score=3 + int(rng.random() < g) + int(rng.random() < g),
        mentee_rates=rng.random() < s["rate_share"],
        mentor_rates=rng.random() < s["rate_share"],
        mentee_rate_delay=int(rng.lognormvariate(median, 1.0)),
        mentor_rate_delay=int(rng.lognormvariate(median, 1.0)),
    )


def _zipf_cum(count: int, exponent: float) -> list[float]:
    cum, total = [], 0.0
    for k in range(1, count + 1):
        total += k**-exponent
        cum.append(total)
    return cum


def _pick_skills(rng: Random, skills: list[str], cum: list[float], k: int) -> tuple[str, ...]:
    chosen: list[str] = []
    while len(chosen) < min(k, len(skills)):
        skill = skills[bisect.bisect_left(cum, rng.random() * cum[-1])]
        if skill not in chosen:
            chosen.append(skill)
    return tuple(chosen)


def _scaled(count: int, scale: float, least: int) -> int:
    return max(least, round(count * scale))


def load_params(path: Path | str | None = None) -> dict[str, Any]:
    with Path(path or DEFAULT_PARAMS).open("rb") as handle:
        return tomllib.load(handle)


def core_config(params: dict[str, Any], storage_url: str) -> Config:
    env = {"MICROMENTOR_STORAGE__URL": storage_url}
    for key, value in params.get("core", {}).items():
        env["MICROMENTOR_" + key.upper().replace(".", "__")] = str(value)
    return load_config(None, environ=env)


def build_community(params: dict[str, Any], scale: float, seed: int) -> Community:
    """Everyone and every request, from the parameters and the seed alone."""
    t0 = epoch(datetime.fromisoformat(params["start"].replace("Z", "+00:00")))
    arrivals_end = t0 + int(params["days"] * DAY)
    horizon = arrivals_end + int(params["drain_days"] * DAY)
    skills = Taxonomy.default().skills[: params["skills"]["count"]]
    cum = _zipf_cum(len(skills), params["skills"]["zipf_exponent"])
    zones = params["zones"]
    m = params["mentors"]

    mentors = []
    for i in range(_scaled(m["count"], scale, 2)):
        rng = Random(f"{seed}:mentor:{i}")
        zone = rng.choices(zones["names"], weights=zones["mentor_weights"])[0]
        held = _pick_skills(rng, skills, cum, rng.randint(*params["skills"]["per_mentor"]))
        hours = rng.randint(*m["hours_per_week"])
        n_days = rng.randint(*m["days_per_week"])
        length = max(60, round(hours * 60 / n_days / 30) * 30)
        if rng.random() < m["daytime_share"]:
            start = rng.randint(9, 15) * 60 + rng.choice((0, 30))
        else:
            start = rng.randint(17, 21) * 60 + rng.choice((0, 30))
        start = min(start, 24 * 60 - length)
        mentor = Mentor(
            name=f"mentor{i + 1:03d}",
            zone=zone,
            skills=frozenset(held),
            skill_list=held,
            days=tuple(sorted(rng.sample(range(7), n_days))),
            start_minute=start,
            length_minutes=length,
            at_once=m["capacity_at_once"],
            per_week=rng.randint(*m["capacity_per_week"]),
            generosity=rng.betavariate(*m["generosity_beta"]),
            answer_rng=Random(f"{seed}:mentor:{i}:answers"),
        )
        _windows_and_looks(mentor, t0, horizon, m["look_every_minutes"], Random(f"{seed}:look:{i}"))
        mentors.append(mentor)

    rng = Random(f"{seed}:members")
    members = [f"member{j + 1:04d}" for j in range(_scaled(params["members"]["count"], scale, 2))]
    member_zone = {
        name: rng.choices(zones["names"], weights=zones["member_weights"])[0] for name in members
    }
    by_zone: dict[str, list[str]] = defaultdict(list)
    for name in members:
        by_zone[member_zone[name]].append(name)
    present = [z for z in zones["names"] if by_zone[z]]
    weights = [zones["member_weights"][zones["names"].index(z)] for z in present]

    r = params["requests"]
    profile = r["hourly_profile"]
    peak = max(profile)
    rng = Random(f"{seed}:arrivals")
    drawn: list[tuple[int, str]] = []
    for _ in range(_scaled(r["count"], scale, 3)):
        zone = rng.choices(present, weights=weights)[0]
        tz = ZoneInfo(zone)
        while True:  # Poisson arrivals given their number: times iid with the day's profile
            t = t0 + int(rng.random() * (arrivals_end - t0))
            if rng.random() * peak < profile[from_epoch(t).astimezone(tz).hour]:
                break
        drawn.append((t, zone))
    drawn.sort()

    gap = int(params["members"]["min_gap_hours"] * 3600)
    history: dict[str, list[int]] = defaultdict(list)

    def free(name: str, t: int) -> bool:
        past = history[name]
        return (not past or past[-1] <= t - gap) and sum(1 for x in past if x > t - WEEK) < 5

    requests = []
    for idx, (t, zone) in enumerate(drawn):
        pool = by_zone[zone]
        member = next((x for x in (rng.choice(pool) for _ in range(30)) if free(x, t)), None)
        if member is None:
            member = next((x for x in members if free(x, t)), members[0])
        history[member].append(t)
        req_skills = _pick_skills(rng, skills, cum, rng.randint(*params["skills"]["per_request"]))
        minutes = rng.choices(r["minutes"], weights=r["minutes_weights"])[0]
        requests.append(
            Request(
                idx,
                member,
                member_zone[member],
                t,
                req_skills,
                minutes,
                f"{seed}:req:{idx}",
                params,
            )
        )
    config = core_config(params, "sqlite:///unused.db")
    return Community(t0, arrivals_end, horizon, mentors, members, requests, skills, config)


def _windows_and_looks(mentor: Mentor, t0: int, horizon: int, every: float, rng: Random) -> None:
    """The mentor's weekly hours as UTC intervals, and Poisson looks at the channel in them."""
    tz = ZoneInfo(mentor.zone)
    first = from_epoch(t0).astimezone(tz).date() - timedelta(days=1)
    last = from_epoch(horizon).astimezone(tz).date() + timedelta(days=1)
    day = first
    while day <= last:
        if day.weekday() in mentor.days:
            local = datetime(day.year, day.month, day.day, tzinfo=tz)
            start = epoch(local + timedelta(minutes=mentor.start_minute))
            end = start + mentor.length_minutes * 60
            mentor.windows.append((start, end))
            t = start + rng.expovariate(1 / (every * 60))
            while t < end:
                if t0 <= t < horizon:
                    mentor.looks.append(int(t))
                t += rng.expovariate(1 / (every * 60))
        day = date.fromordinal(day.toordinal() + 1)


# -- events ------------------------------------------------------------------------------------


class Events:
    """A time-ordered queue of simulated actions (ties in the order they were added)."""

    def __init__(self) -> None:
        self.heap: list[tuple[int, int, Callable[..., Any], tuple[Any, ...]]] = []
        self.seq = 0

    def at(self, t: int, fn: Callable[..., Any], *args: Any) -> None:
        heapq.heappush(self.heap, (int(t), self.seq, fn, args))
        self.seq += 1

    def pop(self) -> tuple[int, Callable[..., Any], tuple[Any, ...]]:
        t, _, fn, args = heapq.heappop(self.heap)
        return t, fn, args


@dataclass
class SessionRec:
    mentor: str
    request: int
    created: int
    ended: int | None
    state: str


@dataclass
class Outcome:
    """What one policy produced, in the shape the metrics need."""

    created: dict[int, int]  # request key -> when it was made
    skills: dict[int, tuple[str, ...]]
    first_match: dict[int, int]
    sessions: list[SessionRec]
    mentee_scores: list[int]
    extra: dict[str, Any] = field(default_factory=dict)


def _best_claim(
    mentor: Mentor, channel: dict[int, int], skills_of: Callable[[int], Sequence[str]], had: Any
) -> int | None:
    """The request a mentor looking at the channel takes: one they fully know, then oldest."""
    best: tuple[bool, int, int] | None = None
    for key, posted in channel.items():
        wanted = skills_of(key)
        if not mentor.skills.intersection(wanted) or mentor.name in had[key]:
            continue
        rank = (not mentor.skills.issuperset(wanted), posted, key)
        if best is None or rank < best:
            best = rank
    return None if best is None else best[2]


# -- baseline ----------------------------------------------------------------------------------


def run_baseline(com: Community) -> Outcome:
    """Post at once; the first looking mentor with a skill and room claims it."""
    expiry = int(com.config.routing.request_expiry.total_seconds())
    grace = int(com.config.sessions.checkin_grace.total_seconds())
    ev = Events()
    channel: dict[int, int] = {}  # request idx -> posted
    version: dict[int, int] = defaultdict(int)
    had: dict[int, set[str]] = defaultdict(set)
    attempts: dict[int, int] = defaultdict(int)
    live: dict[str, int] = defaultdict(int)
    taken: dict[str, list[int]] = defaultdict(list)
    reqs = {r.idx: r for r in com.requests}
    mentors = {m.name: m for m in com.mentors}
    first_match: dict[int, int] = {}
    sessions: list[SessionRec] = []
    scores: list[int] = []

    def post(idx: int, t: int) -> None:
        channel[idx] = t
        version[idx] += 1
        ev.at(t + expiry, expire, idx, version[idx])

    def expire(t: int, idx: int, v: int) -> None:
        if idx in channel and version[idx] == v:
            del channel[idx]

    def look(t: int, name: str) -> None:
        m = mentors[name]
        if not channel or live[name] >= m.at_once:
            return
        if sum(1 for x in taken[name] if x >= t - WEEK) >= m.per_week:
            return
        idx = _best_claim(m, channel, lambda k: reqs[k].skills, had)
        if idx is None:
            return
        del channel[idx]
        first_match.setdefault(idx, t)
        had[idx].add(name)
        live[name] += 1
        taken[name].append(t)
        req = reqs[idx]
        plan = req.plan(attempts[idx])
        attempts[idx] += 1
        rec = SessionRec(name, idx, t, None, "active")
        sessions.append(rec)
        length = req.minutes * 60
        if plan.no_show is not None:
            ev.at(t + min(grace, length), end, rec, plan, "no_show")
        elif plan.done_fraction is not None and int(length * plan.done_fraction) < length:
            ev.at(t + int(length * plan.done_fraction), end, rec, plan, "completed")
        else:
            ev.at(t + length, end, rec, plan, "completed")

    def end(t: int, rec: SessionRec, plan: Plan, state: str) -> None:
        rec.ended, rec.state = t, state
        live[rec.mentor] -= 1
        if state == "no_show" and plan.no_show == "mentor":
            post(rec.request, t)  # back to the channel, with a new expiry
        if state == "completed" and plan.mentee_rates:
            scores.append(plan.mentee_score(mentors[rec.mentor].generosity))

    for req in com.requests:
        ev.at(req.at, lambda t, idx: post(idx, t), req.idx)
    for m in com.mentors:
        for t in m.looks:
            ev.at(t, look, m.name)
    while ev.heap:
        t, fn, args = ev.pop()
        fn(t, *args)
    return Outcome(
        created={r.idx: r.at for r in com.requests},
        skills={r.idx: r.skills for r in com.requests},
        first_match=first_match,
        sessions=sessions,
        mentee_scores=scores,
    )


# -- micromentor, through the real core --------------------------------------------------------


class CoreSim:
    """Console users driving the real core on a manual clock; also its notifier."""

    def __init__(self, com: Community, params: dict[str, Any]) -> None:
        self.com = com
        self.params = params
        self.ev = Events()
        self.clock = ManualClock(from_epoch(com.t0))
        self.core: Core | None = None
        self.mentors = {m.name: m for m in com.mentors}
        self.request_of: dict[int, Request] = {}  # core request id -> request
        self.offers: dict[int, tuple[str, int, bool]] = {}  # offer id -> mentor, rid, open
        self.channel: dict[int, int] = {}  # core request id -> when posted to #mentors
        self.sessions: dict[int, tuple[str, str, int, Plan]] = {}  # sid -> member, mentor, rid
        self.had: dict[int, set[str]] = defaultdict(set)
        self.attempts: dict[int, int] = defaultdict(int)
        self.live: dict[str, int] = defaultdict(int)
        self.taken: dict[str, list[int]] = defaultdict(list)
        self.count: dict[str, int] = defaultdict(int)
        m = params["mentors"]
        self.answer_mu = math.log(m["answer_median_minutes"] * 60)
        self.answer_sigma = m["answer_sigma"]
        self.ignore = m["ignore_share"]
        self.back = m["back_after_set_away"]

    # the notifier port
    async def deliver(self, messages: Sequence[OutboundMessage]) -> None:
        for msg in messages:
            self.count["messages"] += 1
            self._on_message(msg)

    @property
    def now(self) -> int:
        return epoch(self.clock.now())

    async def say(self, user: str, line: str) -> Reply:
        assert self.core is not None
        self.count["commands"] += 1
        return await self.core.bus.handle_line(Actor("console", "console", user, user), line)

    def _on_message(self, msg: OutboundMessage) -> None:
        to, now = msg.to, self.now
        if isinstance(to, PersonAddress):
            user = to.user_id
            key = msg.key or ""
            if key.startswith("offer:"):
                offer = int(key.split(":")[1])
                accept = [a for a in msg.actions if a.id.startswith("accept:r")]
                if not msg.update and accept:
                    rid = int(accept[0].id.removeprefix("accept:r"))
                    self.offers[offer] = (user, rid, True)
                    self.count["offers"] += 1
                    rng = self.mentors[user].answer_rng
                    if rng.random() < self.ignore:
                        self.count["offers_ignored_by_habit"] += 1
                    else:
                        delay = rng.lognormvariate(self.answer_mu, self.answer_sigma)
                        self.ev.at(now + max(1, int(delay)), self._answer, offer)
                elif msg.update and offer in self.offers:
                    mentor, rid, _ = self.offers[offer]
                    self.offers[offer] = (mentor, rid, False)
                    if "expired: no answer" in msg.text:
                        self.count["offers_expired"] += 1
            elif key.startswith("rate:") and msg.actions:
                self._rate_prompt(int(key.split(":")[1]), user)
            elif "set you away" in msg.text:
                self.count["set_away"] += 1
                if self.back:
                    nxt = self.mentors[user].next_window_start(now + 60)
                    if nxt is not None:
                        self.ev.at(nxt, self._back, user)
        elif isinstance(to, ChannelAddress) and to.channel == "mentors":
            accept = [a for a in msg.actions if a.id.startswith("accept:r")]
            if not msg.update and accept:
                rid = int(accept[0].id.removeprefix("accept:r"))
                self.channel[rid] = now
                self.count["posted_to_mentors"] += 1
            elif msg.update and msg.key:
                self.channel.pop(int(msg.key.split(":")[1]), None)
        elif isinstance(to, SessionAddress):
            started = SESSION_STARTS.match(msg.text)
            if started:
                self._session_started(to, int(started.group(1)), int(started.group(2)))
            if msg.closes_space and to.session_id in self.sessions:
                self.live[self.sessions[to.session_id][1]] -= 1

    def _session_started(self, to: SessionAddress, sid: int, rid: int) -> None:
        req = self.request_of[rid]
        mentor = next(p.user_id for p in to.members if p.user_id != req.member)
        plan = req.plan(self.attempts[rid])
        self.attempts[rid] += 1
        self.sessions[sid] = (req.member, mentor, rid, plan)
        self.had[rid].add(mentor)
        self.channel.pop(rid, None)
        now = self.now
        self.live[mentor] += 1
        self.taken[mentor].append(now)
        if plan.no_show != "mentor":
            self.ev.at(now + plan.mentor_checkin, self._do, mentor, f"/mentor checkin s{sid}")
        if plan.no_show != "member":
            self.ev.at(now + plan.member_checkin, self._do, req.member, f"/mentor checkin s{sid}")
        length = req.minutes * 60
        if plan.no_show is None and plan.done_fraction is not None:
            at = int(length * plan.done_fraction)
            if at < length:
                self.ev.at(now + at, self._do, mentor, f"/mentor done s{sid} resolved")

    def _has_room(self, m: Mentor, now: int) -> bool:
        if self.live[m.name] >= m.at_once:
            return False
        return sum(1 for x in self.taken[m.name] if x >= now - WEEK) < m.per_week

    async def _ask(self, req: Request) -> None:
        skills = " ".join(req.skills)
        reply = await self.say(
            req.member,
            f"/mentor ask {skills} --minutes {req.minutes} -- Question {req.idx + 1} "
            f"about {req.skills[0]}: how do I get unstuck?",
        )
        if reply.is_error:
            self.count["asks_refused"] += 1
            return
        ids = [a.id.removeprefix("cancel:r") for a in reply.actions if a.id.startswith("cancel:")]
        found = ids[0] if ids else REQUEST_ID.search(reply.text)
        if found is None:
            raise RuntimeError(f"no request id in the reply to an ask: {reply.text}")
        self.request_of[int(found if isinstance(found, str) else found.group(1))] = req

    async def _answer(self, offer: int) -> None:
        mentor, rid, still_open = self.offers[offer]
        if not still_open:
            self.count["answers_after_offer_closed"] += 1
            return
        if self._has_room(self.mentors[mentor], self.now):
            reply = await self.say(mentor, f"/mentor accept r{rid}")
            self.count["offer_accepts" if not reply.is_error else "offer_accept_errors"] += 1
        else:
            await self.say(mentor, f"/mentor decline r{rid}")
            self.count["offer_declines"] += 1

    async def _look(self, name: str) -> None:
        m = self.mentors[name]
        if not self.channel or not self._has_room(m, self.now):
            return
        rid = _best_claim(m, self.channel, lambda k: self.request_of[k].skills, self.had)
        if rid is None:
            return
        reply = await self.say(name, f"/mentor accept r{rid}")
        self.count["channel_claims" if not reply.is_error else "channel_claim_errors"] += 1

    def _rate_prompt(self, sid: int, user: str) -> None:
        member, mentor, _, plan = self.sessions[sid]
        if user == member and plan.mentee_rates:
            score = plan.mentee_score(self.mentors[mentor].generosity)
            self.ev.at(
                self.now + plan.mentee_rate_delay, self._do, user, f"/mentor rate s{sid} {score}"
            )
        elif user == mentor and plan.mentor_rates:
            line = f"/mentor rate s{sid} {plan.mentor_score}"
            self.ev.at(self.now + plan.mentor_rate_delay, self._do, user, line)

    async def _back(self, name: str) -> None:
        await self.say(name, "/mentor available for 5m")

    async def _do(self, user: str, line: str) -> None:
        reply = await self.say(user, line)
        if reply.is_error:
            self.count["command_errors"] += 1
            self.count["error: " + line.split()[1]] += 1

    async def _advance_to(self, t: int) -> None:
        assert self.core is not None
        delta = from_epoch(max(t, self.now)) - self.clock.now()
        self.count["due_actions"] += await self.core.sweep.advance(self.clock, delta)
        self.count["advances"] += 1

    async def _setup(self) -> None:
        for m in self.com.mentors:
            for line in (
                "/mentor skills add " + " ".join(m.skill_list),
                f"/mentor profile tz {m.zone}",
                m.hours_command(),
                f"/mentor profile capacity {m.at_once} {m.per_week}",
            ):
                reply = await self.say(m.name, line)
                if reply.is_error:
                    raise RuntimeError(f"{m.name}: {line!r} failed: {reply.text}")

    async def run(self, storage_url: str) -> Outcome:
        config = core_config(self.params, storage_url)
        self.core = await start_core(config, self, clock=self.clock, rng=Random(self.com.t0))
        try:
            await self._setup()
            for req in self.com.requests:
                self.ev.at(req.at, self._ask, req)
            for m in self.com.mentors:
                for t in m.looks:
                    self.ev.at(t, self._look, m.name)
            stop = self.com.horizon + 7 * DAY  # everything has long ended by then
            while True:
                due = await self.core.sweep.next_due()
                nxt = self.ev.heap[0][0] if self.ev.heap else None
                due_at = None if due is None else epoch(due)
                if due_at is not None and due_at <= stop and (nxt is None or due_at <= nxt):
                    await self._advance_to(due_at)  # the core's own timers first
                    continue
                if nxt is None:
                    break
                if nxt > self.now:
                    await self._advance_to(nxt)
                t, fn, args = self.ev.pop()
                await fn(*args)
            return await self._read_back()
        finally:
            await self.core.close()

    async def _read_back(self) -> Outcome:
        """The figures from the core's own tables, not from what the simulation believes."""
        assert self.core is not None
        async with self.core.db.transaction() as tx:
            requests = await tx.fetch("SELECT id, created_at FROM help_requests")
            skills = await tx.fetch("SELECT request_id, skill FROM request_skills")
            rows = await tx.fetch(
                "SELECT s.id, s.request_id, s.created_at, s.ended_at, s.state, p.display_name "
                "FROM sessions s JOIN session_participants sp ON sp.session_id = s.id "
                "AND sp.role = 'mentor' JOIN persons p ON p.id = sp.person_id ORDER BY s.id"
            )
            scores = await tx.fetch(
                "SELECT r.score FROM ratings r JOIN session_participants sp "
                "ON sp.session_id = r.session_id AND sp.person_id = r.ratee_id "
                "AND sp.role = 'mentor'"
            )
            caps = await tx.fetch(
                "SELECT display_name, capacity_concurrent, capacity_weekly FROM persons"
            )
            offers = await tx.fetch("SELECT state, COUNT(*) AS n FROM offers GROUP BY state")
            states = await tx.fetch(
                "SELECT state, COUNT(*) AS n FROM help_requests GROUP BY state ORDER BY state"
            )
            pending = await tx.fetch(
                "SELECT kind, COUNT(*) AS n FROM due_actions WHERE done_at IS NULL GROUP BY kind"
            )
            failed = await tx.fetch_val("SELECT COUNT(*) FROM due_actions WHERE error IS NOT NULL")
        by_request: dict[int, list[str]] = defaultdict(list)
        for row in skills:
            by_request[int(row["request_id"])].append(str(row["skill"]))
        sessions = [
            SessionRec(
                str(r["display_name"]),
                int(r["request_id"]),
                int(r["created_at"]),
                None if r["ended_at"] is None else int(r["ended_at"]),
                str(r["state"]),
            )
            for r in rows
        ]
        first: dict[int, int] = {}
        for s in sessions:
            first[s.request] = min(first.get(s.request, s.created), s.created)
        # A request the core refused (never happens with the reference parameters) counts as
        # never matched: its key is negative so it can't clash with a core id.
        created = {int(r["id"]): int(r["created_at"]) for r in requests}
        for n in range(self.count["asks_refused"]):
            created[-1 - n] = 0
        extra = dict(sorted(self.count.items()))
        extra["offer_states"] = {str(r["state"]): int(r["n"]) for r in offers}
        extra["request_states"] = {str(r["state"]): int(r["n"]) for r in states}
        extra["due_pending_at_end"] = {str(r["kind"]): int(r["n"]) for r in pending}
        extra["due_failed"] = int(failed)
        extra["capacities"] = {
            str(r["display_name"]): (int(r["capacity_concurrent"]), int(r["capacity_weekly"]))
            for r in caps
        }
        return Outcome(
            created=created,
            skills={k: tuple(v) for k, v in by_request.items()},
            first_match=first,
            sessions=sessions,
            mentee_scores=[int(r["score"]) for r in scores],
            extra=extra,
        )


# -- metrics -----------------------------------------------------------------------------------


def percentile(values: Sequence[float], share: float) -> float | None:
    """Linear-interpolated percentile; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = share * (len(ordered) - 1)
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def gini(values: Sequence[float]) -> float:
    """0 when everyone carries the same load, towards 1 when one carries it all."""
    ordered = sorted(values)
    n, total = len(ordered), sum(ordered)
    if n == 0 or total == 0:
        return 0.0
    weighted = sum((i + 1) * x for i, x in enumerate(ordered))
    return 2 * weighted / (n * total) - (n + 1) / n


def capacity_violations(
    sessions: Sequence[SessionRec], caps: dict[str, tuple[int, int]]
) -> dict[str, int]:
    """Moments a mentor had more sessions at once, or in a rolling 7 days, than allowed.

    At once: sessions from their creation until they ended (a session ending at the second
    another starts doesn't overlap it). Per week: sessions taken within 7 days up to and
    including each new one, withdrawn and cancelled ones not counted, as the core counts.
    """
    by_mentor: dict[str, list[SessionRec]] = defaultdict(list)
    for s in sessions:
        by_mentor[s.mentor].append(s)
    concurrent = weekly = 0
    for mentor, mine in by_mentor.items():
        at_once, per_week = caps[mentor]
        points = []
        for s in mine:
            points.append((s.created, 1))
            points.append((s.ended if s.ended is not None else math.inf, -1))
        load = 0
        for _, step in sorted(points, key=lambda p: (p[0], p[1])):
            load += step
            if step > 0 and load > at_once:
                concurrent += 1
        taken = sorted(s.created for s in mine if s.state not in ("withdrawn", "cancelled"))
        for i, t in enumerate(taken):
            if i + 1 - bisect.bisect_left(taken, t - WEEK) > per_week:
                weekly += 1
    return {"at_once": concurrent, "per_week": weekly, "total": concurrent + weekly}


def summarize(out: Outcome, com: Community, caps: dict[str, tuple[int, int]]) -> dict[str, Any]:
    tta = sorted(
        (out.first_match[k] - t) / 60 for k, t in out.created.items() if k in out.first_match
    )
    unmatched = sum(1 for k in out.created if k not in out.first_match)
    mentors = {m.name: m for m in com.mentors}
    load = {m.name: 0 for m in com.mentors}
    exact = 0
    for s in out.sessions:
        load[s.mentor] += 1
        exact += mentors[s.mentor].skills.issuperset(out.skills[s.request])
    n_sessions = len(out.sessions)
    scores = out.mentee_scores
    return {
        "requests": len(out.created),
        "matched": len(tta),
        "sessions": n_sessions,
        "median_tta_min": percentile(tta, 0.5),
        "p90_tta_min": percentile(tta, 0.9),
        "unmatched_share": unmatched / len(out.created) if out.created else 0.0,
        "load_gini": gini(list(load.values())),
        "exact_skill_share": exact / n_sessions if n_sessions else None,
        "capacity_violations": capacity_violations(out.sessions, caps),
        "avg_rating": sum(scores) / len(scores) if scores else None,
        "ratings": len(scores),
        "_tta_min": tta,
        "_load": sorted(load.values()),
    }


def _targets(base: dict[str, Any], ours: dict[str, Any]) -> dict[str, dict[str, Any]]:
    def half_or_less(a: float | None, b: float | None) -> dict[str, Any]:
        # ours / baseline; with a baseline of 0 only 0 meets it, and the ratio is undefined
        if a is None or b is None:
            return {"value": None, "met": False}
        if b == 0:
            return {"value": None, "met": a == 0}
        return {"value": a / b, "met": a / b <= 0.5}

    violations = ours["capacity_violations"]["total"]
    return {
        "median_tta": {
            "target": TARGETS["median_tta"],
            **half_or_less(ours["median_tta_min"], base["median_tta_min"]),
        },
        "unmatched": {
            "target": TARGETS["unmatched"],
            **half_or_less(ours["unmatched_share"], base["unmatched_share"]),
        },
        "load_gini": {
            "target": TARGETS["load_gini"],
            "value": ours["load_gini"],
            "met": ours["load_gini"] <= 0.30,
        },
        "capacity_violations": {
            "target": TARGETS["capacity_violations"],
            "value": violations,
            "met": violations == 0,
        },
    }


def _reach(com: Community) -> tuple[float, float]:
    """Shares of requests no policy can match: no mentor holds any of their skills; or none
    who does has weekly hours between the request and its expiry."""
    expiry = int(com.config.routing.request_expiry.total_seconds())
    holders: dict[str, list[Mentor]] = defaultdict(list)
    for m in com.mentors:
        for skill in m.skills:
            holders[skill].append(m)
    nobody = off_duty = 0
    for r in com.requests:
        mentors = {m.name: m for skill in r.skills for m in holders[skill]}
        if not mentors:
            nobody += 1
        elif not any(
            a < r.at + expiry and b > r.at for m in mentors.values() for a, b in m.windows
        ):
            off_duty += 1
    n = len(com.requests)
    return nobody / n, (nobody + off_duty) / n


def _community_summary(
    com: Community, params: dict[str, Any], scale: float, seed: int
) -> dict[str, Any]:
    hours = [m.length_minutes * len(m.days) / 60 for m in com.mentors]
    nobody, unreachable = _reach(com)
    return {
        "seed": seed,
        "scale": scale,
        "mentors": len(com.mentors),
        "members": len(com.members),
        "requests": len(com.requests),
        "days": params["days"],
        "skills": len(com.skills),
        "zones": len(params["zones"]["names"]),
        "mentor_hours_per_week_mean": round(sum(hours) / len(hours), 2),
        "requests_with_two_skills": sum(len(r.skills) == 2 for r in com.requests),
        "no_mentor_with_skill_share": nobody,
        "no_mentor_on_duty_before_expiry_share": unreachable,
        "start": params["start"],
    }


async def simulate(
    params: dict[str, Any] | Path | str | None = None,
    scale: float = 1.0,
    seed: int | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run both policies; returns (metrics, raw samples for plotting)."""
    if not isinstance(params, dict):
        params = load_params(params)
    seed = int(params["seed"] if seed is None else seed)
    began = time.perf_counter()
    com = build_community(params, scale, seed)
    caps = {m.name: (m.at_once, m.per_week) for m in com.mentors}
    base = summarize(run_baseline(com), com, caps)
    base_seconds = time.perf_counter() - began
    sim = CoreSim(com, params)
    with tempfile.TemporaryDirectory(prefix="mm-sim-") as folder:
        out = await sim.run(f"sqlite:///{Path(folder) / 'simulate.db'}")
    core_caps = {k: v for k, v in out.extra.pop("capacities").items() if k in caps}
    ours = summarize(out, com, core_caps)
    ours["core"] = out.extra
    raw = {}
    for name, result in (("baseline", base), ("micromentor", ours)):
        raw[name] = {"tta_min": result.pop("_tta_min"), "load": result.pop("_load")}
    metrics = {
        "community": _community_summary(com, params, scale, seed),
        "baseline": base,
        "micromentor": ours,
        "targets": _targets(base, ours),
        "wall_seconds": {
            "baseline": round(base_seconds, 2),
            "total": round(time.perf_counter() - began, 2),
        },
    }
    return metrics, raw


async def run(
    params: dict[str, Any] | Path | str | None = None,
    scale: float = 1.0,
    seed: int | None = None,
) -> dict[str, Any]:
    """The metrics of one seeded run of both policies (see the module's docstring)."""
    metrics, _ = await simulate(params, scale, seed)
    return metrics


# -- output ------------------------------------------------------------------------------------


def _fmt(value: Any, kind: str) -> str:
    if value is None:
        return "-"
    if kind == "min":
        return f"{value:.1f} min"
    if kind == "pct":
        return f"{100 * value:.1f}%"
    if kind == "ratio":
        return f"{value:.2f}"
    if kind == "int":
        return f"{value}"
    return f"{value:.2f}"


def table(metrics: dict[str, Any]) -> str:
    b, o, t = metrics["baseline"], metrics["micromentor"], metrics["targets"]

    def met(name: str) -> str:
        return "met" if t[name]["met"] else "missed"

    tta_ratio = f"{TARGETS['median_tta']} (x{_fmt(t['median_tta']['value'], 'ratio')})"
    unm_ratio = f"{TARGETS['unmatched']} (x{_fmt(t['unmatched']['value'], 'ratio')})"
    rows = [
        (
            "median time to accept",
            _fmt(b["median_tta_min"], "min"),
            _fmt(o["median_tta_min"], "min"),
            tta_ratio,
            met("median_tta"),
        ),
        (
            "p90 time to accept",
            _fmt(b["p90_tta_min"], "min"),
            _fmt(o["p90_tta_min"], "min"),
            "",
            "",
        ),
        (
            "never matched",
            _fmt(b["unmatched_share"], "pct"),
            _fmt(o["unmatched_share"], "pct"),
            unm_ratio,
            met("unmatched"),
        ),
        (
            "mentor load Gini",
            _fmt(b["load_gini"], "num"),
            _fmt(o["load_gini"], "num"),
            TARGETS["load_gini"],
            met("load_gini"),
        ),
        (
            "exact skill match",
            _fmt(b["exact_skill_share"], "pct"),
            _fmt(o["exact_skill_share"], "pct"),
            "",
            "",
        ),
        (
            "capacity violations",
            _fmt(b["capacity_violations"]["total"], "int"),
            _fmt(o["capacity_violations"]["total"], "int"),
            TARGETS["capacity_violations"],
            met("capacity_violations"),
        ),
        ("average rating", _fmt(b["avg_rating"], "num"), _fmt(o["avg_rating"], "num"), "", ""),
        ("sessions", _fmt(b["sessions"], "int"), _fmt(o["sessions"], "int"), "", ""),
    ]
    head = ("metric", "baseline", "micromentor", "target (ours)", "")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(5)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
        for r in [head, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    c = metrics["community"]
    lines.insert(
        0,
        f"{c['mentors']} mentors, {c['members']} members, {c['requests']} requests over "
        f"{c['days']} days (scale {c['scale']}, seed {c['seed']}); "
        f"{metrics['wall_seconds']['total']:.0f} s",
    )
    return "\n".join(lines)


def plot(metrics: dict[str, Any], raw: dict[str, Any], folder: Path) -> list[Path]:
    """Two PNGs: time-to-accept distributions, and the load per mentor, of both policies."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    folder.mkdir(parents=True, exist_ok=True)
    colors = {"baseline": "tab:gray", "micromentor": "tab:blue"}
    caption = (
        f"{metrics['community']['mentors']} mentors, {metrics['community']['requests']} requests, "
        f"{metrics['community']['days']} days, seed {metrics['community']['seed']}"
    )

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for name in ("baseline", "micromentor"):
        values = [max(v, 1 / 60) for v in raw[name]["tta_min"]]
        m = metrics[name]
        label = (
            f"{name}: median {_fmt(m['median_tta_min'], 'min')}, "
            f"never matched {_fmt(m['unmatched_share'], 'pct')}"
        )
        if values:
            ys = [(i + 1) / metrics[name]["requests"] for i in range(len(values))]
            axes[0].step(values, ys, where="post", color=colors[name], label=label)
            bins = [10 ** (x / 8) for x in range(-8, 30)]
            axes[1].hist(values, bins=bins, histtype="step", color=colors[name], label=name, lw=1.5)
    axes[0].set_xscale("log")
    axes[0].set_xlabel("time to accept (minutes, log scale)")
    axes[0].set_ylabel("share of all requests accepted by then")
    axes[0].legend(loc="upper left", fontsize=8)
    axes[0].grid(alpha=0.3)
    axes[1].set_xscale("log")
    axes[1].set_xlabel("time to accept (minutes, log scale)")
    axes[1].set_ylabel("requests")
    axes[1].legend(fontsize=8)
    axes[1].grid(alpha=0.3)
    fig.suptitle(f"Time to accept: {caption}", fontsize=10)
    fig.tight_layout()
    tta_path = folder / "simulate-time-to-accept.png"
    fig.savefig(tta_path, dpi=110)
    plt.close(fig)

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    top = max(max(raw[n]["load"], default=0) for n in ("baseline", "micromentor"))
    width = 0.4
    for shift, name in ((-width / 2, "baseline"), (width / 2, "micromentor")):
        counts = [raw[name]["load"].count(k) for k in range(top + 1)]
        axes[0].bar(
            [k + shift for k in range(top + 1)], counts, width, color=colors[name], label=name
        )
        load = raw[name]["load"]
        total = sum(load) or 1
        xs, ys, acc = [0.0], [0.0], 0
        for i, x in enumerate(load):
            acc += x
            xs.append((i + 1) / len(load))
            ys.append(acc / total)
        axes[1].plot(
            xs, ys, color=colors[name], label=f"{name}: Gini {metrics[name]['load_gini']:.2f}"
        )
    axes[0].xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0].set_xlabel("sessions per mentor")
    axes[0].set_ylabel("mentors")
    axes[0].legend(fontsize=8)
    axes[1].plot([0, 1], [0, 1], color="black", lw=0.8, ls="--", label="equal load")
    axes[1].set_xlabel("share of mentors (least loaded first)")
    axes[1].set_ylabel("share of sessions")
    axes[1].legend(fontsize=8)
    axes[1].grid(alpha=0.3)
    fig.suptitle(f"Mentor load: {caption}", fontsize=10)
    fig.tight_layout()
    load_path = folder / "simulate-load.png"
    fig.savefig(load_path, dpi=110)
    plt.close(fig)
    return [tta_path, load_path]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--params", type=Path, default=DEFAULT_PARAMS, help="the parameters file")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies people and requests")
    parser.add_argument("--seed", type=int, default=None, help="default: the file's seed")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--plot", type=Path, default=None, metavar="DIR", help="write two PNGs")
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be positive")
    metrics, raw = asyncio.run(simulate(args.params, args.scale, args.seed))
    if args.plot is not None:
        metrics["plots"] = [str(p) for p in plot(metrics, raw, args.plot)]
    if args.json:
        print(json.dumps(metrics))
        return
    print(table(metrics))
    for path in metrics.get("plots", []):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
