"""`micromentor report`: demand vs supply per skill from the command line, as a table, CSV,
JSON, and optionally a PNG chart (needs matplotlib)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from bot.clock import epoch, wall_now
from bot.config import Config
from bot.service.report import SkillLine, build
from bot.storage import open_database


async def lines_for(config: Config, community: str, days: int) -> list[SkillLine]:
    db = await open_database(config.storage_url())
    try:
        async with db.transaction() as tx:
            return await build(tx, community, epoch(wall_now()) - days * 86400)
    finally:
        await db.close()


def render(lines: list[SkillLine], fmt: str) -> str:
    """Table, CSV or JSON."""
    rows = [line.as_dict() for line in lines]
    if fmt == "json":
        return json.dumps(rows, indent=2)
    columns = [
        "skill",
        "asked",
        "matched",
        "unmatched",
        "median_wait_seconds",
        "active_mentors",
        "sessions",
        "load",
        "pressure",
    ]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue()
    header = (
        f"{'skill':<20} {'asked':>6} {'matched':>8} {'unmatched':>10} {'mentors':>8} "
        f"{'load':>6} {'pressure':>9}"
    )
    body = [
        f"{r['skill']:<20} {r['asked']:>6} {r['matched']:>8} {r['unmatched']:>10} "
        f"{r['active_mentors']:>8} {r['load']:>6} {r['pressure']:>9}"
        for r in rows
    ]
    return "\n".join([header, *body])


def chart(lines: list[SkillLine], path: Path, days: int) -> None:
    """Asked, matched and active mentors for the 20 skills with the most pressure."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError("--chart needs matplotlib: pip install matplotlib") from exc
    top = lines[:20]
    skills = [line.skill for line in top]
    xs = range(len(top))
    fig, ax = plt.subplots(figsize=(max(6, len(top) * 0.6), 4))
    width = 0.27
    ax.bar([x - width for x in xs], [line.asked for line in top], width, label="asked")
    ax.bar(list(xs), [line.matched for line in top], width, label="matched")
    ax.bar(
        [x + width for x in xs],
        [line.active_mentors for line in top],
        width,
        label="active mentors",
    )
    ax.set_xticks(list(xs), skills, rotation=45, ha="right")
    ax.set_title(f"Demand vs supply per skill, last {days} days")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
