"""Unit tests for bot/domain/skills.py: the skill taxonomy."""

from __future__ import annotations

import pytest

from bot.domain.errors import InvalidInput
from bot.domain.skills import Taxonomy, normalize_tag


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.default()


def test_default_taxonomy_has_at_least_100_skills(taxonomy: Taxonomy) -> None:
    """The built-in taxonomy is broad."""
    assert len(taxonomy.skills) >= 100


def test_skills_are_sorted_and_unique(taxonomy: Taxonomy) -> None:
    """`skills` lists each canonical skill once, sorted."""
    skills = taxonomy.skills
    assert skills == sorted(set(skills))


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [
        ("js", "javascript"),
        ("k8s", "kubernetes"),
        ("cpp", "c++"),
        ("csharp", "c#"),
        ("dotnet", ".net"),
        ("postgres", "postgresql"),
    ],
)
def test_aliases_resolve(taxonomy: Taxonomy, alias: str, canonical: str) -> None:
    """An alias resolves to its canonical skill."""
    assert taxonomy.resolve(alias) == canonical


def test_canonical_resolves_to_itself(taxonomy: Taxonomy) -> None:
    """A canonical skill resolves to itself."""
    assert taxonomy.resolve("python") == "python"


@pytest.mark.parametrize(("raw", "canonical"), [("PYTHON", "python"), ("JS", "javascript")])
def test_resolve_is_case_insensitive(taxonomy: Taxonomy, raw: str, canonical: str) -> None:
    """Capitals do not matter."""
    assert taxonomy.resolve(raw) == canonical


def test_hashtag_is_stripped(taxonomy: Taxonomy) -> None:
    """`#python` is read as `python`."""
    assert taxonomy.resolve("#python") == "python"


def test_trailing_hash_of_csharp_is_kept(taxonomy: Taxonomy) -> None:
    """`c#` keeps its `#`, and `#c#` drops only the leading one."""
    assert taxonomy.resolve("c#") == "c#"
    assert taxonomy.resolve("#c#") == "c#"


def test_normalize_tag_strips_trailing_punctuation() -> None:
    """`Python,` is normalized to `python`."""
    assert normalize_tag(" Python, ") == "python"


def test_contains_uses_normalized_tags(taxonomy: Taxonomy) -> None:
    """`in` knows aliases and ignores case; unknown tags are not in it."""
    assert "K8S" in taxonomy
    assert "#python" in taxonomy
    assert "nosuchskill" not in taxonomy


def test_unknown_tag_suggests_close_matches(taxonomy: Taxonomy) -> None:
    """`pyhton` is unknown, and the hint suggests `python`."""
    with pytest.raises(InvalidInput) as info:
        taxonomy.resolve("pyhton")
    assert "pyhton" in info.value.message
    assert info.value.hint is not None
    assert "`python`" in info.value.hint


def test_unknown_tag_without_matches_points_to_the_list(taxonomy: Taxonomy) -> None:
    """A tag close to nothing gets the pointer to `/mentor skills`."""
    with pytest.raises(InvalidInput) as info:
        taxonomy.resolve("zzqqxxww")
    assert info.value.hint is not None
    assert "/mentor skills" in info.value.hint


def test_suggest_gives_canonical_names(taxonomy: Taxonomy) -> None:
    """Suggestions are canonical skills, at most `limit` of them."""
    suggestions = taxonomy.suggest("kubernets", limit=2)
    assert suggestions[0] == "kubernetes"
    assert len(suggestions) <= 2
    assert all(s in taxonomy.skills for s in suggestions)


def test_resolve_all_dedupes_keeping_order(taxonomy: Taxonomy) -> None:
    """Aliases of one skill count once, in first-seen order."""
    assert taxonomy.resolve_all(["js", "javascript", "python"]) == ["javascript", "python"]


def test_resolve_all_raises_on_any_unknown(taxonomy: Taxonomy) -> None:
    """One unknown tag fails the whole list."""
    with pytest.raises(InvalidInput):
        taxonomy.resolve_all(["python", "pyhton"])


def test_extra_community_skill_and_alias() -> None:
    """A community's own skill and its alias resolve."""
    taxonomy = Taxonomy.default({"godot": ["godot-engine"]})
    assert taxonomy.resolve("godot") == "godot"
    assert taxonomy.resolve("Godot-Engine") == "godot"
    assert "godot" in taxonomy.skills


def test_extra_alias_for_a_builtin_skill() -> None:
    """A community can add an alias to a built-in skill without duplicating it."""
    taxonomy = Taxonomy.default({"Python": ["snake"]})
    assert taxonomy.resolve("snake") == "python"
    assert taxonomy.resolve("py") == "python"
    assert taxonomy.skills.count("python") == 1


def test_extra_skills_do_not_change_the_default() -> None:
    """Extra skills of one community do not leak into another's taxonomy."""
    Taxonomy.default({"godot": []})
    assert "godot" not in Taxonomy.default()


def test_invalid_skill_tag_is_rejected() -> None:
    """A canonical skill with spaces is a programming error."""
    with pytest.raises(ValueError, match="invalid skill tag"):
        Taxonomy({"two words": []})
