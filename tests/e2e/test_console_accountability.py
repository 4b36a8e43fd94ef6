"""Disputes, sanctions and appeals through `micromentor console --json --clock manual`.

The scenario: a mentor doesn't show up, the member disputes the session, both give their side,
a moderator suspends the mentor for 3 days, the mentor appeals, another moderator decides (and
that is final). While suspended the mentor is offered nothing and can't accept or ask; once the
suspension ends, offers come again. Waves have the default size (3), so everyone available gets
the first wave and the tests can name the request they accept: one console run per test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e import console_driver as driver
from tests.e2e.console_driver import START, Run, offers_in, only, to

ENDED = "Your suspension has ended"
SETTINGS = {"MICROMENTOR_COMMUNITIES__DEFAULT__MODERATORS": '["console:mod1", "console:mod2"]'}


def run_console(script: str, data_dir: Path, now: str = START) -> Run:
    return driver.run_console(script, data_dir, now, SETTINGS)


def any_offers(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every new offer message, whatever the request."""
    return [
        o
        for o in outputs
        if o["kind"] == "message"
        and len(o["actions"]) == 2
        and o["actions"][0]["command"].startswith("/mentor accept r")
    ]


def field(output: dict[str, Any], label: str) -> str:
    values = [f["value"] for f in output["fields"] if f["label"] == label]
    assert len(values) == 1, output["fields"]
    return values[0]


def everything_seen_by(outputs: list[dict[str, Any]], *who: str) -> str:
    """All the text (fields included) sent to any of `who`."""
    parts = []
    for o in outputs:
        if o["to"] in who:
            parts.append(o["text"])
            parts += [f"{f['label']}: {f['value']}" for f in o["fields"]]
    return "\n".join(parts)


SETUP = (
    "mentor1 /mentor skills add python\n"
    "mentor1 /mentor available for 8h\n"
    "mentor2 /mentor skills add python\n"
    "mentor2 /mentor available for 8h\n"
    "mentor3 /mentor skills add python\n"
)
MEMBER_SIDE = "member1 /mentor dispute s1 -- mentor1 never joined, I waited ten minutes."
MENTOR_SIDE = "mentor1 /mentor dispute s1 -- My internet went down right before the session."
NO_SHOW = (
    "member1 /mentor ask python -- Why does my event loop block?\n"
    "mentor1 /mentor accept r1\n"
    "mentor3 /mentor available for 8h\n"
    "member1 /mentor checkin\n"
    ":advance 10m\n"
    "mentor3 /mentor accept r1\n"
    f"{MEMBER_SIDE}\n"
    f"{MENTOR_SIDE}\n"
)


def test_no_show_dispute_suspension_appeal_and_back(tmp_path: Path) -> None:
    """The whole story of the issue, in one run (every line names what it acts on)."""
    suspend = "mod1 /mentor mod resolve d1 suspend --days 3 -- Please be on time; 3 days off."
    appeal = "mentor1 /mentor appeal d1 -- It was my ISP, not me."
    uphold = "mod2 /mentor mod resolve d1 uphold -- The no-show stands; the suspension too."
    script = (
        SETUP + NO_SHOW + "mentor2 /mentor mod queue\n"
        "mod1 /mentor mod queue\n"
        f"{suspend}\n"
        "mod1 /mentor mod log\n"
        "mentor1 /mentor me\n"
        "mod1 /mentor stats @mentor1\n"
        f"{appeal}\n"
        "mod1 /mentor-mod queue\n"
        "mod2 /mentor mod queue\n"
        "mod1 /mentor mod resolve d1 uphold -- I stand by my decision.\n"
        "mod2 /mentor mod resolve d1 suspend -- Not an appeal decision.\n"
        f"{uphold}\n"
        "mentor1 /mentor appeal d1 -- Once more, please.\n"
        "member1 /mentor appeal d1 -- I'd like a longer one.\n"
        "mod2 /mentor mod log\n"
        "mod2 /mentor stats @mentor1\n"
        # during the suspension
        "mentor1 /mentor available\n"
        "member2 /mentor ask python -- How do I profile this?\n"
        "mentor1 /mentor accept r2\n"
        "mentor1 /mentor ask python -- Can I still ask?\n"
        "mod1 /mentor mod assign r2 @mentor1\n"
        ":advance 3d\n"
        # after it
        "mentor1 /mentor me\n"
        "mentor1 /mentor available for 8h\n"
        "member3 /mentor ask python -- Is anyone there after the suspension?\n"
        "mentor1 /mentor accept r3\n"
        "mentor1 /mentor ask python -- And may I ask again?\n"
    )
    run = run_console(script, tmp_path / "data")

    # the first wave (size 3) goes to both available mentors; mentor3 wasn't available yet
    first = offers_in(run.at("member1 /mentor ask"), "r1")
    assert sorted(o["to"] for o in first) == ["mentor1", "mentor2"]
    assert "session s1" in run.reply("mentor1 /mentor accept r1")["text"]

    # the member checks in, the mentor doesn't: a no-show, and r1 goes to mentor3
    deadline = run.at(":advance 10m")
    no_show = only(to(deadline, "#session-s1"))["text"]
    assert "mentor1 didn't check in to s1" in no_show and "no-show" in no_show
    assert "member1 didn't" not in no_show
    assert only(offers_in(deadline, "r1"))["to"] == "mentor3"
    assert not to(deadline, "mentor1")
    assert "r1 is now session s2" in run.reply("mentor3 /mentor accept r1")["text"]

    # the member disputes the ended session; the mentor is invited to give their side
    opened = run.at(MEMBER_SIDE)
    assert opened[0]["kind"] == "reply" and opened[0]["to"] == "member1"
    assert "Dispute d1 is open" in opened[0]["text"] and "frozen" in opened[0]["text"]
    invited = only(to(opened, "mentor1"))
    assert invited["kind"] == "message" and "d1" in invited["text"]
    assert "/mentor dispute s1 --" in invited["text"]
    news = only(to(opened, "#moderators"))["text"]
    assert "New dispute d1 about s1" in news and "member1 vs mentor1" in news
    side = run.at(MENTOR_SIDE)
    assert side[0]["kind"] == "reply" and "Your side of d1 is recorded" in side[0]["text"]
    assert "mentor1 gave their side" in only(to(side, "#moderators"))["text"]

    # the queue is for moderators only
    assert "Only moderators" in run.error("mentor2 /mentor mod queue")["text"]
    queue = run.reply("mod1 /mentor mod queue")["text"]
    assert "d1: session s1, member1 about mentor1" in queue
    assert "APPEAL" not in queue and "not yours" not in queue

    # mod1 suspends mentor1 for 3 days: both parties hear it with the note; it is audited
    decided = run.at(suspend)
    assert decided[0]["kind"] == "reply" and decided[0]["to"] == "mod1"
    assert "Decided d1: suspend mentor1 for 3 day(s)" in decided[0]["text"]
    for party in ("member1", "mentor1"):
        told = only(to(decided, party))
        assert told["kind"] == "message"
        assert (
            "decided dispute d1" in told["text"] and "suspend mentor1 for 3 day(s)" in told["text"]
        )
        assert "until Thu 26 Nov 10:10" in told["text"]
        assert "Note: Please be on time; 3 days off." in told["text"]
        assert "/mentor appeal d1" in told["text"]
    posted = only(to(decided, "#moderators"))["text"]
    assert posted.startswith("[audit] resolve d1: suspend mentor1 for 3 day(s)")
    assert "Please be on time; 3 days off." in posted
    assert {o["to"] for o in decided} == {"mod1", "member1", "mentor1", "#moderators"}
    log = run.reply("mod1 /mentor mod log")["text"]
    assert "mod1: resolve d1: suspend mentor1 for 3 day(s)" in log

    me = run.reply("mentor1 /mentor me")
    assert "Suspended until Thu 26 Nov 10:10" in me["text"]
    assert field(me, "Record") == "suspension 2026-11-23 (3 days)"
    stats = run.reply("mod1 /mentor stats @mentor1")
    assert "mentor1" in stats["text"]
    assert field(stats, "Disputes") == "d1 session resolved suspend"
    assert "1 no-shows" in field(stats, "Reliability")

    # the mentor appeals; the moderator who decided can't decide the appeal
    appealed = run.at(appeal)
    assert appealed[0]["kind"] == "reply" and "appeal of d1 is in" in appealed[0]["text"]
    # the channel says there is an appeal; what it says is for `mod show` (not for parties)
    posted = only(to(appealed, "#moderators"))["text"]
    assert "Appeal of d1" in posted and "It was my ISP" not in posted
    mod1_queue = run.reply("mod1 /mentor-mod queue")["text"]
    assert "d1: APPEAL of session s1" in mod1_queue
    assert "not yours: you made the decision under appeal" in mod1_queue
    mod2_queue = run.reply("mod2 /mentor mod queue")["text"]
    assert "d1: APPEAL of session s1" in mod2_queue and "not yours" not in mod2_queue
    refused = run.error("mod1 /mentor mod resolve d1 uphold")
    assert refused["to"] == "mod1"
    assert "another moderator decides the appeal" in refused["text"]
    wrong = run.error("mod2 /mentor mod resolve d1 suspend")
    assert "uphold or overturn" in wrong["text"]

    # mod2 upholds it: final, both told, audited; no second appeal, from either party
    final = run.at(uphold)
    assert final[0]["kind"] == "reply" and final[0]["text"] == "Appeal of d1: uphold."
    for party in ("member1", "mentor1"):
        told = only(to(final, party))["text"]
        assert "appeal of d1" in told and "upheld" in told and "final" in told
        assert "The no-show stands; the suspension too." in told
    assert only(to(final, "#moderators"))["text"].startswith("[audit] appeal uphold d1:")
    for line in (
        "mentor1 /mentor appeal d1 -- Once more, please.",
        "member1 /mentor appeal d1 -- I'd like a longer one.",
    ):
        assert "one appeal per decision" in run.error(line)["text"]
    log2 = run.reply("mod2 /mentor mod log")["text"]
    assert log2.index("mod2: appeal uphold d1") < log2.index("mod1: resolve d1: suspend")
    stats2 = run.reply("mod2 /mentor stats @mentor1")
    assert field(stats2, "Disputes") == "d1 session final suspend, appeal uphold"

    # suspended: mentor1 may still say they're available, but gets no offer and can't accept,
    # ask, or be assigned
    assert run.reply("mentor1 /mentor available")["to"] == "mentor1"
    asked = run.at("member2 /mentor ask")
    assert asked[0]["kind"] == "reply" and "r2" in asked[0]["text"]
    # mentor3 is busy with s2 and mentor1 is suspended: the wave is mentor2 alone
    assert [o["to"] for o in offers_in(asked, "r2")] == ["mentor2"]
    accept = run.error("mentor1 /mentor accept r2")
    assert "suspended" in accept["text"] and "Thu 26 Nov 10:10" in accept["text"]
    ask = run.error("mentor1 /mentor ask python -- Can I still ask?")
    assert "suspended" in ask["text"] and "ask for help" in ask["text"]
    assert "suspended" in run.error("mod1 /mentor mod assign r2 @mentor1")["text"]

    # the suspension ends with the 3 days; until then mentor1 was offered nothing at all
    waited = run.at(":advance 3d")
    back = only(to(waited, "mentor1"))
    assert back["kind"] == "message" and back["text"].startswith(ENDED)
    suspended_span = run.between(suspend, ":advance 3d")
    assert not [o for o in any_offers(suspended_span) if o["to"] == "mentor1"]

    me_after = run.reply("mentor1 /mentor me", nth=2)
    assert "Suspended" not in me_after["text"]
    assert field(me_after, "Record") == "suspension 2026-11-23 (3 days)"

    # back: a new request is offered to mentor1 again, and mentor1 may take it and ask
    run.reply("mentor1 /mentor available for 8h", nth=2)
    offered = only(offers_in(run.at("member3 /mentor ask"), "r3"))
    assert offered["to"] == "mentor1"
    taken = run.reply("mentor1 /mentor accept r3")
    assert "r3 is now session s3" in taken["text"]
    assert "r4" in run.reply("mentor1 /mentor ask python -- And may I ask again?")["text"]


def test_a_party_or_a_blocked_moderator_cannot_decide_and_windows_close(tmp_path: Path) -> None:
    """mod2 asks for help and disputes the session: mod2 can't decide it, nor can mod1 while
    blocking a party; mod1 warns once unblocked. Disputes and appeals close after 7 days."""
    script = (
        "mentor1 /mentor skills add python\n"
        "mentor1 /mentor available for 8h\n"
        "mod2 /mentor ask python -- Moderators need help too.\n"
        "mentor1 /mentor accept r1\n"
        "mod2 /mentor checkin s1\n"
        "mentor1 /mentor checkin s1\n"
        "mentor1 /mentor done s1 resolved\n"
        "mod2 /mentor ask python -- And one more question.\n"
        "mentor1 /mentor accept r2\n"
        "mod2 /mentor checkin s2\n"
        "mentor1 /mentor checkin s2\n"
        "mentor1 /mentor done s2 resolved\n"
        "member3 /mentor dispute s1 -- I want to weigh in.\n"
        "mod2 /mentor dispute s1 -- The mentor was rude to me.\n"
        "mod2 /mentor mod queue\n"
        "mod2 /mentor mod resolve d1 warn -- I decide my own case.\n"
        "mod1 /mentor block @mentor1\n"
        "mod1 /mentor mod queue\n"
        "mod1 /mentor mod resolve d1 warn -- Blocked, but deciding.\n"
        "mod1 /mentor unblock @mentor1\n"
        "mod1 /mentor mod resolve d1 warn -- Please stay polite.\n"
        "mod1 /mentor mod resolve d1 dismiss -- Second thoughts.\n"
        "mentor1 /mentor me\n"
        ":advance 8d\n"
        "mentor1 /mentor appeal d1 -- Too late?\n"
        "mod2 /mentor dispute s2 -- Too late as well?\n"
    )
    run = run_console(script, tmp_path / "data")
    assert "session s1" in run.reply("mentor1 /mentor accept r1")["text"]
    assert "session s2" in run.reply("mentor1 /mentor accept r2")["text"]

    outsider = run.error("member3 /mentor dispute s1")
    assert "You don't take part in s1" in outsider["text"]
    opened = run.at("mod2 /mentor dispute s1")
    assert opened[0]["kind"] == "reply" and "Dispute d1 is open" in opened[0]["text"]
    assert "mod2 vs mentor1" in only(to(opened, "#moderators"))["text"]

    assert "(not yours: you were a party to it)" in run.reply("mod2 /mentor mod queue")["text"]
    party = run.error("mod2 /mentor mod resolve d1 warn")
    assert "You can't decide d1: you were a party to it" in party["text"]

    run.reply("mod1 /mentor block @mentor1")
    assert (
        "not yours: you and one of the parties have blocked each other"
        in (run.reply("mod1 /mentor mod queue")["text"])
    )
    blocked = run.error("mod1 /mentor mod resolve d1 warn -- Blocked")
    assert "blocked each other" in blocked["text"]

    run.reply("mod1 /mentor unblock @mentor1")
    warned = run.at("mod1 /mentor mod resolve d1 warn -- Please stay polite.")
    assert warned[0]["kind"] == "reply" and "Decided d1: warn mentor1" in warned[0]["text"]
    for who in ("mod2", "mentor1"):
        assert "Note: Please stay polite." in only(to(warned, who))["text"]
    assert only(to(warned, "#moderators"))["text"].startswith("[audit] resolve d1: warn mentor1")
    assert "already resolved" in run.error("mod1 /mentor mod resolve d1 dismiss")["text"]
    assert field(run.reply("mentor1 /mentor me"), "Record") == "warning 2026-11-23"

    late_appeal = run.error("mentor1 /mentor appeal d1")
    assert "within 7 days" in late_appeal["text"]
    late_dispute = run.error("mod2 /mentor dispute s2")
    assert "within 7 days" in late_dispute["text"]


def test_moderators_can_read_both_sides_before_deciding(tmp_path: Path) -> None:
    """A neutral moderator decides on both statements, so they must be able to read them."""
    script = SETUP + NO_SHOW + "mod1 /mentor mod queue\nmod1 /mentor mod show d1\n"
    run = run_console(script, tmp_path / "data")
    seen = everything_seen_by(run.out, "mod1", "#moderators")
    assert MEMBER_SIDE.split(" -- ", 1)[1] in seen
    assert MENTOR_SIDE.split(" -- ", 1)[1] in seen
