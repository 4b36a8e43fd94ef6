"""What front ends ask the core to draw their own widgets: not commands a person types, so
they change nothing, are not throttled and have no help text, but they run through the bus
like any command (the front ends reach the core through nothing else)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.errors import InvalidInput

FORMS = ("ask", "rate", "dispute")


@dataclass(frozen=True)
class DescribeForm:
    """What a form needs before it opens: the community's limits, the aspects one may rate."""

    form: str
    session: str | None = None  # the session a rating or dispute form is about

    def __post_init__(self) -> None:
        if self.form not in FORMS:
            raise InvalidInput(f"There is no `{self.form[:20]}` form.", field="form")


@dataclass(frozen=True)
class SuggestSkills:
    """The community's skills that match what is being typed (an autocomplete)."""

    typed: str


Query = DescribeForm | SuggestSkills
