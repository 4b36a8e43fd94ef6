"""Slack modals and the App Home tab (Block Kit views)."""

from __future__ import annotations

from typing import Any

from adapters.slack.render import blocks, clip, escape, options
from bot.domain.messages import Reply

ASK = "ask"
RATE = "rate"
DISPUTE = "dispute"
ASK_ABOUT = "ask_about"  # the message shortcut "Ask a mentor about this" (manifest.yml)


def _input(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    optional: bool = False,
    hint: str | None = None,
) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint}
    return block


def _text(
    action_id: str,
    *,
    multiline: bool = False,
    max_length: int = 3000,
    placeholder: str | None = None,
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": action_id,
        "multiline": multiline,
        "max_length": max_length,
    }
    if placeholder:
        element["placeholder"] = {"type": "plain_text", "text": placeholder}
    return element


def _modal(
    callback_id: str, title: str, submit: str, body: list[dict[str, Any]], metadata: str = ""
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": clip(title, 24)},
        "submit": {"type": "plain_text", "text": submit},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": body,
    }


def ask_modal(
    lengths: list[int],
    default_minutes: int,
    question_max: int,
    detail_max: int,
    *,
    question: str | None = None,
    about: str | None = None,
    skills: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Skills (typeahead from the taxonomy), question, goal, what I tried, length, when;
    from a message shortcut, the question prefilled with the message, the skills suggested
    from it already picked (to keep or change), and the link back to it kept with the form
    (and shown at its top)."""
    length_options = options([str(m) for m in lengths])
    for option in length_options:
        option["text"]["text"] += " min"
    default = next(o for o in length_options if o["value"] == str(default_minutes))
    context = (
        [{"type": "context", "elements": [{"type": "mrkdwn", "text": f"About: {escape(about)}"}]}]
        if about
        else []
    )
    return _modal(
        ASK,
        "Ask for help",
        "Ask",
        [
            *context,
            _input(
                "skills",
                "Skills",
                {
                    "type": "multi_external_select",
                    "action_id": "skills",
                    "min_query_length": 1,
                    "max_selected_items": 5,
                    "placeholder": {"type": "plain_text", "text": "python, sql, ..."},
                }
                | ({"initial_options": options(list(skills))} if skills else {}),
                optional=True,
                hint="Leave it empty to see the skills your question suggests.",
            ),
            _input(
                "question",
                "Your question",
                _text("question", multiline=True, max_length=question_max)
                | ({"initial_value": clip(question, question_max)} if question else {}),
            ),
            _input(
                "goal",
                "What do you want to reach?",
                _text("goal", max_length=detail_max),
                optional=True,
            ),
            _input(
                "tried",
                "What have you tried?",
                _text("tried", multiline=True, max_length=detail_max),
                optional=True,
            ),
            _input(
                "minutes",
                "Length",
                {
                    "type": "static_select",
                    "action_id": "minutes",
                    "options": length_options,
                    "initial_option": default,
                },
            ),
            _input(
                "at",
                "When",
                _text("at", max_length=60, placeholder="tomorrow 18:00"),
                optional=True,
                hint="Leave empty for now, or a time in your zone.",
            ),
            _input(
                "choose",
                "Your mentor",
                {
                    "type": "checkboxes",
                    "action_id": "choose",
                    "options": [
                        {
                            "text": {"type": "plain_text", "text": "Let me pick my mentor"},
                            "value": "choose",
                            "description": {
                                "type": "plain_text",
                                "text": "See the mentors who offer and pick one, instead of "
                                "the first to accept.",
                            },
                        }
                    ],
                },
                optional=True,
            ),
        ],
        metadata=about or "",
    )


def rate_modal(session: str, aspects: tuple[str, ...]) -> dict[str, Any]:
    """Score, the aspects this side may rate (the core says which), and a comment only the
    other person sees."""
    scores = options(["5", "4", "3", "2", "1"])
    body = [
        _input(
            "score",
            "Overall (1-5)",
            {"type": "static_select", "action_id": "score", "options": scores},
        ),
    ]
    for aspect in aspects:
        body.append(
            _input(
                aspect,
                aspect.capitalize(),
                {"type": "static_select", "action_id": aspect, "options": scores},
                optional=True,
            )
        )
    body.append(
        _input(
            "comment",
            "Comment (only they and moderators see it)",
            _text("comment", multiline=True, max_length=1000),
            optional=True,
        )
    )
    return _modal(RATE, f"Rate {session}", "Rate", body, metadata=session)


def dispute_modal(session: str) -> dict[str, Any]:
    return _modal(
        DISPUTE,
        f"Dispute {session}",
        "Send",
        [
            _input(
                "statement", "What happened?", _text("statement", multiline=True, max_length=2000)
            )
        ],
        metadata=session,
    )


def home(sections: list[tuple[str, Reply]]) -> dict[str, Any]:
    """The App Home tab: one section per core reply, with the availability toggles."""
    body: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "micromentor"}},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "home:ask",
                    "value": "modal:ask",
                    "text": {"type": "plain_text", "text": "Ask for help"},
                    "style": "primary",
                },
                {
                    "type": "button",
                    "action_id": "home:available",
                    "value": "/mentor available",
                    "text": {"type": "plain_text", "text": "Available now"},
                },
                {
                    "type": "button",
                    "action_id": "home:away",
                    "value": "/mentor away",
                    "text": {"type": "plain_text", "text": "Away"},
                },
            ],
        },
    ]
    for title, reply in sections:
        body.append({"type": "divider"})
        body.append({"type": "header", "text": {"type": "plain_text", "text": title}})
        body += blocks(reply.text, reply.fields, tuple(a for a in reply.actions[:5]))
    return {"type": "home", "blocks": body[:100]}
