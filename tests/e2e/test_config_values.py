"""Configuration values out of range stop the start cleanly: one line per problem, exit 2."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.test_cli import run


def test_huge_and_mistyped_values_are_listed_one_line_each(tmp_path: Path) -> None:
    """An overflowing duration and a number written as text: both named, no traceback."""
    (tmp_path / "micromentor.toml").write_text(
        '[routing]\noffer_deadline = "99999999999d"\nwave_size = "3"\n'
    )
    proc = run("check-config", cwd=tmp_path)
    assert proc.returncode == 2
    assert "has 2 problem(s)" in proc.stderr
    assert "routing.offer_deadline" in proc.stderr and "routing.wave_size" in proc.stderr
    assert "Traceback" not in proc.stderr
