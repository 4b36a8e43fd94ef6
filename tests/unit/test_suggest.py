"""Skills suggested from a question's text: each kind of evidence, the words that only look
like skills, and the precision and recall of the top three on the labelled questions."""

from __future__ import annotations

import pytest

from bench.suggest import evaluate
from bot.domain.skills import Taxonomy
from bot.domain.suggest import suggest_skills, suggestions

TAXONOMY = Taxonomy.default()


def top(text: str) -> list[str]:
    return suggest_skills(text, TAXONOMY)


def test_a_code_fence_names_the_language() -> None:
    assert top("why is this slow?\n```rs\nfor x in v.iter() {}\n```")[0] == "rust"
    assert top("```golang\nfunc main() {}\n```")[0] == "go"


def test_a_file_name_or_extension_gives_the_technology_away() -> None:
    assert top("my Dockerfile copies the wrong folder")[0] == "docker"
    assert top("error in src/components/Header.tsx after the upgrade")[0] == "react"
    assert "rust" in top("Cargo.toml has two versions of serde")


def test_errors_commands_and_packages_count() -> None:
    assert top('Traceback (most recent call last):\n  KeyError: "id"')[0] == "python"
    assert top("kubectl get pods says CrashLoopBackOff")[0] == "kubernetes"
    assert top("TypeError: Cannot read properties of undefined (reading 'map')")[0] == (
        "javascript"
    )
    assert top("error[E0382]: borrow of moved value: `v`")[0] == "rust"
    assert "git" in top("how do I undo the last commit but keep my changes?")


def test_named_skills_and_aliases_of_several_words() -> None:
    assert top("best way to get started with machine learning?") == ["machine-learning"]
    assert "postgresql" in top("postgres is slow on a 10M row table")
    assert "kubernetes" in top("k8s autoscaling for a small cluster")


def test_a_library_brings_its_language_along_with_more_evidence() -> None:
    got = top("```python\nimport pandas as pd\ndf = pd.read_csv('a.csv')\n```")
    assert got[:2] == ["python", "pandas"]


@pytest.mark.parametrize(
    ("text", "not_meant"),
    [
        ("I'm going to go with the first option, thoughts?", "go"),
        ("how do I react when someone interrupts me in a meeting?", "react"),
        ("Julia from my team keeps scheduling meetings at lunch", "julia"),
        ("we had a swift reply from the landlord", "swift"),
        ("I just got moved to the R&D department", "r"),
        ("my ball python stopped eating, any reptile people here?", "python"),
        ("any tips for throwing a good bash for the launch?", "bash"),
    ],
)
def test_words_that_only_look_like_skills_are_not_suggested(text: str, not_meant: str) -> None:
    assert not_meant not in top(text)


@pytest.mark.parametrize(
    "text", ["anyone around?", "thanks, that helped!", "how do I use this bot?"]
)
def test_a_question_about_nothing_in_particular_gets_no_suggestion(text: str) -> None:
    assert top(text) == []


def test_ambiguous_names_count_in_a_technical_sentence() -> None:
    assert "go" in top("my Go program deadlocks on a channel")
    assert "rust" in top("learning Rust: how do lifetimes work in structs?")
    assert "flask" in top("flask: how should I structure a bigger app?")
    assert "swift" in top("is Swift a good first language for iOS apps?")
    # a file format makes a sentence technical: the way people write in a help channel
    assert top("How do I read a CSV with python?") == ["python"]
    assert top("Should I go with the file cabinet or the shelf?") == []


def test_only_the_communitys_skills_are_suggested() -> None:
    """A skill the community removed is not suggested; one it added is."""
    own = Taxonomy.default(extra={"godot": ("gdscript",)}, removed=("docker",))
    assert suggest_skills("my Dockerfile copies the wrong folder", own) == []
    assert suggest_skills("gdscript signals don't fire in my scene", own) == ["godot"]


def test_suggestions_say_why() -> None:
    (first, *_) = suggestions("```python\nprint(1)\n```", TAXONOMY)
    assert (first.skill, first.why) == ("python", "```python")


def test_precision_and_recall_on_the_labelled_questions() -> None:
    """Floors a little under what the rules reach today (docs/benchmarks.md has the figures):
    a change that makes suggestions worse fails here. The held-out half was never looked at
    while the rules were written."""
    scores = evaluate()
    assert scores["all"].questions >= 200
    assert scores["all"].precision >= 0.83
    assert scores["all"].recall >= 0.57
    assert scores["held out"].precision >= 0.80
    assert scores["held out"].recall >= 0.50
    # a question about nothing in particular gets no suggestion
    assert scores["no-skill"].quiet_when_none == scores["no-skill"].none
