"""What front ends ask the core to draw their own widgets: not commands a person types, so
they change nothing, are not throttled and have no help text, but they run through the bus
like any command (the front ends reach the core through nothing else)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.errors import InvalidInput

FORMS = ("ask", "rate", "dispute")
# A message can be longer than any question; what is read for skills is this much of it.
MAX_TEXT = 4000


@dataclass(frozen=True)
class DescribeForm:
    """What a form needs before it opens: the community's limits, the aspects one may rate."""

    form: str
    session: str | None = None  # the session a rating or dispute form is about
    # the text an ask form starts from (a message someone asks about): its skills are
    # suggested from it, for the member to confirm in the form
    text: str | None = None

    def __post_init__(self) -> None:
        if self.form not in FORMS:
            raise InvalidInput(f"There is no `{self.form[:20]}` form.", field="form")
        if self.text is not None and len(self.text) > MAX_TEXT:
            object.__setattr__(self, "text", self.text[:MAX_TEXT])


@dataclass(frozen=True)
class SuggestSkills:
    """The community's skills that match what is being typed (an autocomplete)."""

    typed: str


Query = DescribeForm | SuggestSkills
