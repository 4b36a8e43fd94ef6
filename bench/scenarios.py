"""Every policy on every scenario, several seeds each: one table, and which goals are met.

    python bench/scenarios.py [--seeds 5] [--scale 1.0] [--jobs 2] [--only NAME,...]
                              [--set KEY=VALUE ...] [--plot DIR] [--json]

The scenarios are the reference community (bench/community.toml) and every file in
bench/scenarios/. Each runs with seeds 1 to N through bench/simulate.py: micromentor and the
three baselines on the same people, arrivals and draws. The table shows, per scenario and
policy, the median over seeds of each metric. The goals of issue 14 compare micromentor with
the baselines within each seed (paired), and the median over seeds decides; capacity
violations must be 0 in every seed. `--set routing.partial_fit_after=1h` changes a setting of
the core (a dotted key, as in `[core]` of a parameters file) in every scenario: the way to
draw a trade-off over one knob.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import tomllib
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import simulate as sim

HERE = Path(__file__).resolve().parent
FOLDER = HERE / "scenarios"


def scenarios() -> dict[str, Path]:
    """Name -> parameters file: the reference first, then bench/scenarios/*.toml by name."""
    found = {"reference": sim.DEFAULT_PARAMS}
    for path in sorted(FOLDER.glob("*.toml")):
        found[path.stem] = path
    return found


def one(
    path: Path, seed: int, scale: float, raw: bool, core: dict[str, Any] | None = None
) -> tuple[dict[str, Any], Any]:
    """One seeded run of every policy on one scenario (in a worker process), with `core`
    settings over the scenario's own."""
    if not core:
        metrics, samples = asyncio.run(sim.simulate(path, scale, seed))
        return metrics, samples if raw else None
    with tempfile.TemporaryDirectory() as folder:
        lines = [f"base = {json.dumps(str(path))}", "[core]"]
        lines += [f"{json.dumps(key)} = {json.dumps(value)}" for key, value in core.items()]
        changed = Path(folder) / path.name
        changed.write_text("\n".join(lines) + "\n")
        metrics, samples = asyncio.run(sim.simulate(changed, scale, seed))
    return metrics, samples if raw else None


def parse_setting(text: str) -> tuple[str, Any]:
    """`KEY=VALUE` with VALUE as TOML (a number, true, [1, 2]) or else as text (`1h`)."""
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise ValueError(f"--set takes KEY=VALUE, e.g. routing.partial_fit_after=1h (got {text!r})")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return key.strip(), value


def _median(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def aggregate(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Medians over seeds of every policy's metrics, and the goals over the paired runs."""
    policies = {
        name: {
            key: (
                sum(r["policies"][name][key] for r in runs)
                if key == "capacity_violations"
                else _median([r["policies"][name][key] for r in runs])
            )
            for key in sim.METRICS
        }
        for name in sim.POLICIES
    }
    channel_sweep = {
        minutes: {
            key: _median([r["channel_sweep"][minutes][key] for r in runs]) for key in sim.METRICS
        }
        for minutes in runs[0]["channel_sweep"]
    }
    return {
        "policies": policies,
        "full_fit_ceiling": _median([r["full_fit_ceiling"] for r in runs]),
        "load_gini_floor": _median([r["load_gini_floor"] for r in runs]),
        "channel_sweep": channel_sweep,
        "goals": sim.goals(runs),
        "community": {
            key: runs[0]["community"][key]
            for key in ("mentors", "members", "requests", "days", "look_every_minutes")
        },
        "requests_by_seed": [r["community"]["requests"] for r in runs],
        "runs": [
            {
                "seed": r["community"]["seed"],
                "policies": r["policies"],
                "full_fit_ceiling": r["full_fit_ceiling"],
                "full_fit_request_share": {
                    name: r["details"][name]["full_fit_request_share"] for name in sim.POLICIES
                },
                "load_gini_floor": r["load_gini_floor"],
                "wall_seconds": r["wall_seconds"]["total"],
            }
            for r in runs
        ],
    }


def run(
    seeds: int = 5,
    scale: float = 1.0,
    jobs: int = 2,
    only: Sequence[str] | None = None,
    plot_dir: Path | None = None,
    core: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run the suite (with `core` settings changed in every scenario); returns the
    aggregated figures of every scenario."""
    chosen = scenarios()
    if only:
        unknown = [name for name in only if name not in chosen]
        if unknown:
            raise ValueError(
                f"no scenario named {', '.join(unknown)}; there are: {', '.join(chosen)}"
            )
        chosen = {name: chosen[name] for name in only}
    tasks = [(name, path, seed) for name, path in chosen.items() for seed in range(1, seeds + 1)]
    began = time.perf_counter()
    results: dict[tuple[str, int], tuple[dict[str, Any], Any]] = {}
    want_raw = plot_dir is not None
    if jobs <= 1:
        for name, path, seed in tasks:
            results[(name, seed)] = one(path, seed, scale, want_raw and seed == 1, core)
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {
                (name, seed): pool.submit(one, path, seed, scale, want_raw and seed == 1, core)
                for name, path, seed in tasks
            }
            results = {key: future.result() for key, future in futures.items()}
    out: dict[str, Any] = {
        "seeds": list(range(1, seeds + 1)),
        "scale": scale,
        "core": core or {},
        "scenarios": {},
    }
    plots: list[str] = []
    for name in chosen:
        runs = [results[(name, seed)][0] for seed in range(1, seeds + 1)]
        out["scenarios"][name] = aggregate(runs)
        if plot_dir is not None:
            metrics, raw = results[(name, 1)]
            plots += [str(p) for p in sim.plot(metrics, raw, plot_dir, prefix=f"suite-{name}")]
    out["wall_seconds"] = round(time.perf_counter() - began, 1)
    out["run_seconds_median"] = _median(
        [run["wall_seconds"] for s in out["scenarios"].values() for run in s["runs"]]
    )
    if plots:
        out["plots"] = plots
    return out


GOAL_COLUMNS = (
    ("tta_vs_pinged", "TTA / pinged <= 1.25"),
    ("tta_vs_channel", "TTA / channel <= 0.5"),
    ("exact_skill", "exact skill (pts vs best; under ceiling)"),
    ("load_gini", "Gini (floor)"),
    ("never_matched", "never matched (pts vs best)"),
    ("interruptions", "interruptions / pinged <= 0.25"),
    ("capacity", "violations"),
)


def _goal_cell(key: str, goal: dict[str, Any]) -> str:
    if key in ("tta_vs_pinged", "tta_vs_channel", "interruptions"):
        figure = f"x{sim.fmt(goal['value'], 'num')}"
    elif key == "exact_skill":
        figure = f"{_pts(goal['value'])}; {_pts(goal['under_ceiling'])}"
    elif key == "load_gini":
        figure = f"{sim.fmt(goal['value'], 'num')} ({sim.fmt(goal['floor'], 'num')})"
    elif key == "never_matched":
        figure = _pts(goal["value"])
    else:
        figure = sim.fmt(goal["value"], "int")
    return f"{figure} {'met' if goal['met'] else 'MISSED'}"


def _pts(share: float | None) -> str:
    return "-" if share is None else f"{100 * share:+.1f}"


def table(result: dict[str, Any]) -> str:
    """One row per scenario and policy (medians over seeds), then the goals per scenario."""
    seeds = result["seeds"]
    changed = ", ".join(f"{k} = {v}" for k, v in result.get("core", {}).items())
    lines = [
        f"{len(result['scenarios'])} scenarios x {len(seeds)} seeds (scale {result['scale']}); "
        f"medians over seeds; {result['wall_seconds']:.0f} s"
        + (f"; with {changed}" if changed else ""),
        "",
    ]
    head = ["scenario", "policy", *(label for _, label, _ in sim.COLUMNS)]
    rows = []
    for name, s in result["scenarios"].items():
        for policy in sim.POLICIES:
            m = s["policies"][policy]
            rows.append(
                [
                    name if policy == sim.POLICIES[0] else "",
                    policy,
                    *(sim.fmt(m[key], kind) for key, _, kind in sim.COLUMNS),
                ]
            )
        rows.append(
            [
                "",
                "(ceiling, floor)",
                "",
                "",
                "",
                sim.fmt(s["full_fit_ceiling"], "pct"),
                sim.fmt(s["load_gini_floor"], "num"),
                "",
                "",
            ]
        )
    lines += _render2(head, rows)
    lines += ["", "goals, micromentor against the baselines (paired per seed, median over seeds):"]
    head = ["scenario", *(label for _, label in GOAL_COLUMNS)]
    rows = [
        [name, *(_goal_cell(key, s["goals"][key]) for key, _ in GOAL_COLUMNS)]
        for name, s in result["scenarios"].items()
    ]
    lines += _render2(head, rows)
    return "\n".join(lines)


def _render2(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """A plain text table, the first two columns left-aligned."""
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def line(r: Sequence[str]) -> str:
        cells = [
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    return [line(head), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds 1..N per scenario")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies people and requests")
    parser.add_argument("--jobs", type=int, default=2, help="runs at once (processes)")
    parser.add_argument("--only", default=None, help="comma-separated scenario names")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a core setting in every scenario, e.g. routing.partial_fit_after=1h",
    )
    parser.add_argument("--plot", type=Path, default=None, metavar="DIR", help="PNGs, seed 1")
    parser.add_argument("--json", action="store_true", help="print one JSON object, last")
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error("--seeds must be 1 or more")
    if args.scale <= 0:
        parser.error("--scale must be positive")
    only = [n.strip() for n in args.only.split(",") if n.strip()] if args.only else None
    try:
        core = dict(parse_setting(text) for text in args.set)
        result = run(args.seeds, args.scale, args.jobs, only, args.plot, core)
    except ValueError as exc:
        parser.error(str(exc))
    if args.json:
        print(json.dumps(result))
        return
    print(table(result))
    for path in result.get("plots", []):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
