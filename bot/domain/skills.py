"""The skill taxonomy: canonical tags, aliases, and friendly handling of unknown tags."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping

from bot.domain.errors import InvalidInput
from bot.domain.taxonomy_data import DEFAULT_SKILLS

# Lowercase, and keep the punctuation real tags use: c++, c#, .net, node.js.
_TAG = re.compile(r"^[a-z0-9+#.][a-z0-9+#.\-]{0,31}$")


def valid_tag(raw: str) -> bool:
    """Whether a tag (after normalising) is one a taxonomy can hold."""
    return bool(_TAG.match(normalize_tag(raw)))


def normalize_tag(raw: str) -> str:
    """Lowercase a tag and strip the decoration people type (`#python`, `python,`)."""
    tag = raw.strip().lower().strip(",;")
    if tag.startswith("#") and len(tag) > 1 and tag != "#":
        # `#python` is a hashtag habit, but `c#`/`f#` end with it and are kept.
        tag = tag[1:]
    return tag


class Taxonomy:
    """Canonical skills and aliases of one community."""

    def __init__(self, skills: Mapping[str, Iterable[str]]) -> None:
        self._canonical: dict[str, str] = {}
        self._skills: list[str] = []
        for skill, aliases in skills.items():
            canonical = normalize_tag(skill)
            if not _TAG.match(canonical):
                raise ValueError(f"invalid skill tag {skill!r}")
            self._skills.append(canonical)
            self._canonical[canonical] = canonical
            for alias in aliases:
                self._canonical[normalize_tag(alias)] = canonical

    @classmethod
    def default(
        cls,
        extra: Mapping[str, Iterable[str]] | None = None,
        removed: Iterable[str] = (),
    ) -> Taxonomy:
        """The built-in taxonomy, plus a community's own skills and aliases, minus the
        skills it removed."""
        merged: dict[str, list[str]] = {k: list(v) for k, v in DEFAULT_SKILLS.items()}
        for skill, aliases in (extra or {}).items():
            merged.setdefault(normalize_tag(skill), []).extend(aliases)
        for skill in removed:
            merged.pop(normalize_tag(skill), None)
        return cls(merged)

    @property
    def skills(self) -> list[str]:
        """Every canonical skill, sorted."""
        return sorted(self._skills)

    def __contains__(self, tag: str) -> bool:
        return normalize_tag(tag) in self._canonical

    def resolve(self, raw: str) -> str:
        """The canonical skill for a tag or alias; an unknown tag raises with suggestions."""
        tag = normalize_tag(raw)
        found = self._canonical.get(tag)
        if found is not None:
            return found
        suggestions = self.suggest(tag)
        shown = tag if len(tag) <= 40 else tag[:40] + "…"
        hint = (
            "Did you mean " + " or ".join(f"`{s}`" for s in suggestions) + "?"
            if suggestions
            else "Type `/mentor skills` to see the skills this community uses."
        )
        raise InvalidInput(f"I don't know the skill `{shown}`.", hint=hint)

    def resolve_all(self, raws: Iterable[str]) -> list[str]:
        """Resolve several tags, keeping order and dropping duplicates."""
        out: list[str] = []
        for raw in raws:
            skill = self.resolve(raw)
            if skill not in out:
                out.append(skill)
        return out

    def suggest(self, tag: str, limit: int = 3) -> list[str]:
        """Close canonical skills for an unknown tag."""
        matches = difflib.get_close_matches(tag, list(self._canonical), n=limit * 2, cutoff=0.6)
        out: list[str] = []
        for match in matches:
            canonical = self._canonical[match]
            if canonical not in out:
                out.append(canonical)
        prefixed = [s for s in self._skills if tag and s.startswith(tag) and s not in out]
        return (out + sorted(prefixed))[:limit]

    def completing(self, typed: str) -> list[str]:
        """Skills for an autocomplete: those starting with `typed`, then those containing it."""
        typed = typed.lower().strip()
        skills = self.skills
        return [s for s in skills if s.startswith(typed)] + [
            s for s in skills if typed in s and not s.startswith(typed)
        ]
