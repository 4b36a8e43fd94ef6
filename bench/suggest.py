"""Precision and recall of the skills suggested from a question's text (top 3), on the labelled
questions of tests/data/skill_questions.jsonl, overall and by kind of question."""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.domain.skills import Taxonomy
from bot.domain.suggest import suggest_skills

QUESTIONS = Path(__file__).resolve().parent.parent / "tests" / "data" / "skill_questions.jsonl"


@dataclass
class Score:
    """Counts over a set of questions: suggestions made, right, and gold skills."""

    questions: int = 0
    suggested: int = 0
    right: int = 0
    gold: int = 0
    quiet_when_none: int = 0  # questions with no gold skill that got no suggestion
    none: int = 0  # questions with no gold skill
    misses: list[str] = field(default_factory=list)

    def add(self, text: str, gold: list[str], got: list[str]) -> None:
        self.questions += 1
        self.suggested += len(got)
        self.right += len(set(got) & set(gold))
        self.gold += len(gold)
        if not gold:
            self.none += 1
            self.quiet_when_none += not got
        if set(got) != set(gold):
            self.misses.append(f"{text[:70]!r}: gold {gold}, got {got}")

    @property
    def precision(self) -> float:
        return self.right / self.suggested if self.suggested else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.gold if self.gold else 1.0


def evaluate(limit: int = 3, path: Path = QUESTIONS) -> dict[str, Score]:
    """The scores, overall ("all"), per half ("tuned": the even lines, whose misses the rules
    were adjusted to; "held out": the odd lines, never looked at) and per question note
    (trap, implied, ...)."""
    taxonomy = Taxonomy.default()
    scores: dict[str, Score] = defaultdict(Score)
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        item = json.loads(line)
        got = suggest_skills(item["text"], taxonomy, limit)
        half = "held out" if n % 2 else "tuned"
        for key in ("all", half, item.get("note") or "plain"):
            scores[key].add(item["text"], item["skills"], got)
    return dict(scores)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, default=3)
    parser.add_argument("--misses", action="store_true", help="list the tuned half's misses")
    args = parser.parse_args()
    scores = evaluate(args.limit)
    print(f"{'questions':<12} {'n':>4} {'precision':>9} {'recall':>7} {'quiet on none':>14}")
    first = ("all", "tuned", "held out")
    for key, s in sorted(
        scores.items(),
        key=lambda kv: (kv[0] not in first, first.index(kv[0]) if kv[0] in first else 0, kv[0]),
    ):
        quiet = f"{s.quiet_when_none}/{s.none}" if s.none else "-"
        print(f"{key:<12} {s.questions:>4} {s.precision:>9.3f} {s.recall:>7.3f} {quiet:>14}")
    if args.misses:
        print("\n".join(scores["tuned"].misses))


if __name__ == "__main__":
    main()
