"""The request and session lifecycle through `micromentor console --json --clock manual`.

Waves are one mentor each (`routing.wave_size = 1`). Which mentor a wave goes to depends on
the ranking and an unseeded RNG, so the tests read who got an offer from the output. When a
later line has to be typed by that mentor, the scenario is split into several console runs on
the same data directory (the state lives in the SQLite file), each run starting its clock where
the previous one stopped. Commands without a request or session id (`/mentor accept`) act on
the typist's only offer or session, and are an error for anyone without one; that lets one
fixed script have "whoever holds the offer" act.
"""

from __future__ import annotations

from pathlib import Path

from tests.e2e import console_driver as driver
from tests.e2e.console_driver import START, Run, line_of, offers_in, only, to

MENTORS = ("mentor1", "mentor2", "mentor3")
SETUP = "".join(f"{m} /mentor skills add python\n{m} /mentor available for 8h\n" for m in MENTORS)
SETTINGS = {
    "MICROMENTOR_COMMUNITIES__DEFAULT__MODERATORS": '["console:mod1"]',
    # one mentor a wave, the next only once it is answered or expires after 10 minutes
    "MICROMENTOR_ROUTING__WAVE_SIZE": "1",
    "MICROMENTOR_ROUTING__OFFER_DEADLINE": "10m",
    "MICROMENTOR_ROUTING__WAVE_EVERY": "1h",
}


def run_console(script: str, data_dir: Path, now: str = START) -> Run:
    return driver.run_console(script, data_dir, now, SETTINGS)


def ics_value(content: str, name: str) -> str:
    """The value of an iCalendar property such as DTSTART (parameters ignored)."""
    for line in content.splitlines():
        head, _, value = line.partition(":")
        if head.split(";")[0] == name:
            return value
    raise AssertionError(f"{name} not in {content!r}")


def test_waves_decline_timeout_accept_then_session_and_blind_ratings(tmp_path: Path) -> None:
    """Wave 1 declines, wave 2 times out, wave 3 accepts; the session runs its course with
    check-ins, a reminder and a time-box end; ratings stay hidden until both have rated."""
    data = tmp_path / "data"

    # run 1: three mentors, one question; the first wave goes to one of them
    ask = "member1 /mentor ask python --goal ship my scraper -- Why does my event loop block?"
    run1 = run_console(SETUP + ask + "\n", data)
    caused = run1.at(ask)
    reply = only([o for o in caused if o["kind"] == "reply"])
    assert reply["to"] == "member1" and reply["ephemeral"] and "r1" in reply["text"]
    first = only(offers_in(caused))["to"]
    assert first in MENTORS
    others = sorted(set(MENTORS) - {first})

    # run 2: the first mentor declines, the second wave times out, the third wave accepts
    decline = f"{first} /mentor decline r1"
    script2 = f"{decline}\n:advance 10m\n{others[0]} /mentor accept\n{others[1]} /mentor accept\n"
    run2 = run_console(script2, data)
    declined = run2.at(decline)
    assert [o["kind"] for o in to(declined, first)] == ["reply", "message"]
    assert "Declined r1" in declined[0]["text"]
    second_offer = only(offers_in(declined))
    second = second_offer["to"]
    assert second in others

    timed_out = run2.at(":advance 10m")
    expired = only(to(timed_out, second))
    assert expired["kind"] == "update" and expired["replaces"] == second_offer["id"]
    assert "expired" in expired["text"] and "r1" in expired["text"]
    third_offer = only(offers_in(timed_out))
    third = third_offer["to"]
    assert third not in (first, second)
    assert not to(timed_out, first)

    accepted = run2.at(f"{third} /mentor accept")
    mine = to(accepted, third)
    assert mine[0]["kind"] == "reply" and "session s1" in mine[0]["text"]
    taken = only(to(accepted, third, "update"))
    assert taken["replaces"] == third_offer["id"] and "You accepted r1" in taken["text"]
    space = only(to(accepted, "#session-s1"))
    assert "starts now" in space["text"] and "member1" in space["text"]
    assert third in space["text"]
    assert [a["command"] for a in space["actions"]] == ["/mentor checkin s1"]
    told = only(to(accepted, "member1"))
    assert told["kind"] == "message" and f"{third} accepted your request r1" in told["text"]
    late = run2.at(f"{second} /mentor accept")
    assert [o["kind"] for o in late] == ["error"] and late[0]["to"] == second
    assert not [o for o in run2.out if o["to"] == first and o["in"] != 1]

    # run 3 (the clock continues at 10:10): check-ins, reminder, end, ratings
    rate_member = "member1 /mentor rate 5 -- Clear and patient, thank you!"
    rate_mentor = f"{third} /mentor rate 4 -- Good questions, well prepared."
    script3 = (
        "member1 /mentor checkin\n"
        ":advance 3m\n"
        f"{third} /mentor checkin\n"
        ":advance 30m\n"
        f"{rate_member}\n"
        f"{rate_mentor}\n"
    )
    run3 = run_console(script3, data, now="2026-11-23T10:10:00Z")
    waiting = only(to(run3.at("member1 /mentor checkin"), "#session-s1"))
    assert f"waiting for {third}" in waiting["text"]
    assert not run3.at(":advance 3m")
    here = only(to(run3.at(f"{third} /mentor checkin"), "#session-s1"))
    assert here["text"].startswith("Everyone is here")

    ended = run3.at(":advance 30m")
    space_texts = [o["text"] for o in to(ended, "#session-s1")]
    assert len(space_texts) == 2, space_texts
    assert space_texts[0].startswith("5 min left in s1")
    assert space_texts[1].startswith("s1 has ended")
    assert not any("no-show" in o["text"] for o in run3.out)
    prompts = {}
    for who in ("member1", third):
        prompt = only(to(ended, who))
        assert prompt["kind"] == "message" and "How was s1" in prompt["text"]
        assert [a["command"] for a in prompt["actions"]] == [
            f"/mentor rate s1 {n}" for n in range(1, 6)
        ]
        prompts[who] = prompt

    first_rating = run3.at(rate_member)
    assert first_rating[0]["kind"] == "reply" and "hidden" in first_rating[0]["text"]
    rated = only(to(first_rating, "member1", "update"))
    assert rated["replaces"] == prompts["member1"]["id"]
    # the mentor has been sent nothing about the member's rating
    assert not to(first_rating, third)
    before_reveal = [o for o in run3.out if o["in"] < line_of(script3, rate_mentor)]
    assert not [
        o
        for o in to(before_reveal, third)
        if "5/5" in o["text"] or "★★★★★" in o["text"] or "Clear and patient" in o["text"]
    ]

    second_rating = run3.at(rate_mentor)
    assert (
        second_rating[0]["kind"] == "reply" and "Everyone has rated" in (second_rating[0]["text"])
    )
    revealed_to_member = only(to(second_rating, "member1", "message"))["text"]
    revealed_to_mentor = only(to(second_rating, third, "message"))["text"]
    assert "rated you for s1" in revealed_to_member and "rated you for s1" in revealed_to_mentor
    assert "(4/5)" in revealed_to_member and "Good questions, well prepared." in revealed_to_member
    assert "Clear and patient" not in revealed_to_member
    assert "(5/5)" in revealed_to_mentor and "Clear and patient, thank you!" in revealed_to_mentor
    assert "Good questions" not in revealed_to_mentor


def test_scheduled_session_invite_and_reminder(tmp_path: Path) -> None:
    """A session booked for 18:00 UTC: .ics to both, reminder 10 min before, then the start."""
    script = (
        "mentor1 /mentor skills add python\n"
        "mentor1 /mentor available for 12h\n"
        "member1 /mentor ask python --at 18:00 -- Can you review my schema?\n"
        "mentor1 /mentor accept r1\n"
        ":advance 7h\n"
        ":advance 49m\n"
        ":advance 1m\n"
        "member1 /mentor checkin\n"
        "mentor1 /mentor checkin\n"
        ":advance 10m\n"
    )
    run = run_console(script, tmp_path / "data")
    assert only(offers_in(run.at("member1 /mentor ask")))["to"] == "mentor1"

    accepted = run.at("mentor1 /mentor accept r1")
    reply = accepted[0]
    assert reply["kind"] == "reply" and reply["to"] == "mentor1"
    member_msg = only(to(accepted, "member1", "message"))
    assert "accepted your request r1" in member_msg["text"]
    for carrier in (reply, member_msg):
        invite = only(carrier["files"])
        assert invite["content_type"] == "text/calendar"
        assert invite["name"].endswith(".ics")
        assert invite["content"].startswith("BEGIN:VCALENDAR")
        assert ics_value(invite["content"], "DTSTART") == "20261123T180000Z"
        assert ics_value(invite["content"], "DTEND") == "20261123T183000Z"
    booked = only(to(accepted, "#session-s1"))
    assert "is booked" in booked["text"] and "18:00" in booked["text"]

    # nothing happens until 17:50; the reminder comes on the line that reaches 17:50
    assert not run.at(":advance 7h")
    assert not run.at(":advance 49m")
    reminder = only(run.at(":advance 1m"))
    assert reminder["to"] == "#session-s1" and reminder["kind"] == "message"
    assert reminder["text"].startswith("Reminder: s1 starts at") and "18:00" in reminder["text"]
    assert [a["command"] for a in reminder["actions"]] == ["/mentor checkin s1"]

    here = only(to(run.at("mentor1 /mentor checkin"), "#session-s1"))
    assert here["text"].startswith("Everyone is here")
    started = only(run.at(":advance 10m"))
    assert started["to"] == "#session-s1" and started["text"].startswith("s1 starts now")
    assert "Waiting for" not in started["text"]


def test_mentor_no_show_reroutes_the_request(tmp_path: Path) -> None:
    """The member checks in, the mentor doesn't: a no-show, and a new offer to someone else."""
    script = SETUP + (
        "member1 /mentor ask python -- Why does my event loop block?\n"
        "mentor1 /mentor accept r1\n"
        "member1 /mentor checkin\n"
        ":advance 9m\n"
        ":advance 1m\n"
        "mentor2 /mentor accept\n"
        "mentor3 /mentor accept\n"
    )
    run = run_console(script, tmp_path / "data")
    first_offer = only(offers_in(run.at("member1 /mentor ask")))

    accepted = run.at("mentor1 /mentor accept r1")
    assert accepted[0]["kind"] == "reply" and "session s1" in accepted[0]["text"]
    # the pending offer is edited in place, whoever held it
    settled = only([o for o in accepted if o["kind"] == "update"])
    assert settled["to"] == first_offer["to"] and settled["replaces"] == first_offer["id"]
    assert ("You accepted r1" if first_offer["to"] == "mentor1" else "taken by another") in (
        settled["text"]
    )

    assert not run.at(":advance 9m")
    deadline = run.at(":advance 1m")
    no_show = only(to(deadline, "#session-s1"))
    assert "mentor1 didn't check in to s1" in no_show["text"]
    assert "no-show" in no_show["text"] and "another mentor for r1" in no_show["text"]
    assert "member1 didn't" not in no_show["text"]
    new_offer = only(offers_in(deadline))
    assert new_offer["to"] not in ("mentor1", first_offer["to"])

    # the new mentor takes it: a second session for the same request
    mentor_line = f"{new_offer['to']} /mentor accept"
    taken = run.at(mentor_line)
    assert taken[0]["kind"] == "reply" and "r1 is now session s2" in taken[0]["text"]
    edited = only(to(taken, new_offer["to"], "update"))
    assert edited["replaces"] == new_offer["id"]
    assert "starts now" in only(to(taken, "#session-s2"))["text"]
    assert "Session s2" in only(to(taken, "member1"))["text"]
    other = ({"mentor2", "mentor3"} - {new_offer["to"]}).pop()
    assert [o["kind"] for o in run.at(f"{other} /mentor accept")] == ["error"]


def test_unclaimed_request_escalates_and_a_moderator_assigns_it(tmp_path: Path) -> None:
    """Both waves time out, the request goes to #mentors, 30 min later to #moderators, and a
    moderator's assign creates the session and tells the mentor."""
    script = (
        "mentor1 /mentor skills add python\n"
        "mentor1 /mentor available for 8h\n"
        "mentor2 /mentor skills add python\n"
        "mentor2 /mentor available for 8h\n"
        "member1 /mentor ask python -- Nobody wants this one?\n"
        ":advance 20m\n"
        ":advance 29m\n"
        ":advance 1m\n"
        "mod1 /mentor mod assign r1 @mentor2\n"
    )
    run = run_console(script, tmp_path / "data")
    wave1 = only(offers_in(run.at("member1 /mentor ask")))

    waves = run.at(":advance 20m")
    wave2 = only(offers_in(waves))
    assert {wave1["to"], wave2["to"]} == {"mentor1", "mentor2"}
    for offer in (wave1, wave2):
        expired = only(to(waves, offer["to"], "update"))
        assert expired["replaces"] == offer["id"] and "expired" in expired["text"]
    mentors_post = only(to(waves, "#mentors"))
    assert mentors_post["kind"] == "message" and "r1" in mentors_post["text"]
    assert [a["command"] for a in mentors_post["actions"]] == ["/mentor accept r1"]
    escalated = line_of(script, ":advance 1m")
    assert not [o for o in run.out if o["to"] == "#moderators" and o["in"] < escalated]

    assert not run.at(":advance 29m")
    mods_post = only(run.at(":advance 1m"))
    assert mods_post["to"] == "#moderators" and mods_post["kind"] == "message"
    assert "Nobody has taken r1" in mods_post["text"]
    assert "/mentor mod assign r1" in mods_post["text"]

    assigned = run.at("mod1 /mentor mod assign r1 @mentor2")
    assert assigned[0]["kind"] == "reply" and assigned[0]["to"] == "mod1"
    assert "Assigned r1 to mentor2: session s1" in assigned[0]["text"]
    space = only(to(assigned, "#session-s1"))
    assert "member1" in space["text"] and "mentor2" in space["text"]
    mentor_told = only(to(assigned, "mentor2"))
    assert mentor_told["kind"] == "message"
    assert "assigned you r1" in mentor_told["text"] and "session s1" in mentor_told["text"]
    assert "s1" in only(to(assigned, "member1"))["text"]
    for channel, post in (("#mentors", mentors_post), ("#moderators", mods_post)):
        edit = only([o for o in to(assigned, channel) if o["kind"] == "update"])
        assert edit["replaces"] == post["id"]
        assert "taken by mentor2" in edit["text"]
    audit = only([o for o in to(assigned, "#moderators") if o["kind"] == "message"])
    assert audit["text"].startswith("[audit] assign r1")


def test_only_moderators_can_assign(tmp_path: Path) -> None:
    """A member and a mentor trying `mod assign` get an error, and nothing changes."""
    script = (
        "mentor1 /mentor skills add python\n"
        "member1 /mentor ask python -- Nobody around?\n"
        ":advance 30m\n"
        "member2 /mentor mod assign r1 @mentor1\n"
        "mentor1 /mentor-mod assign r1 @mentor1\n"
        "mentor1 /mentor open\n"
    )
    run = run_console(script, tmp_path / "data")
    # nobody is available: straight to #mentors, and to #moderators after 30 min
    assert only(to(run.at("member1 /mentor ask"), "#mentors"))["kind"] == "message"
    assert only(run.at(":advance 30m"))["to"] == "#moderators"
    for line, who in (
        ("member2 /mentor mod assign r1 @mentor1", "member2"),
        ("mentor1 /mentor-mod assign r1 @mentor1", "mentor1"),
    ):
        refused = only(run.at(line))
        assert refused["kind"] == "error" and refused["to"] == who
        assert "Only moderators" in refused["text"]
    still_open = only(run.at("mentor1 /mentor open"))
    assert still_open["kind"] == "reply" and "r1" in still_open["text"]
    assert not [o for o in run.out if o["to"].startswith("#session")]
