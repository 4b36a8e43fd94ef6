"""SQL, one module per concern, `:name` parameters, portable between SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def in_list(prefix: str, values: Iterable[Any]) -> tuple[str, dict[str, Any]]:
    """`(:p0, :p1)` and its parameters, for an IN over a short list."""
    params = {f"{prefix}{i}": v for i, v in enumerate(values)}
    if not params:
        return "(NULL)", {}
    return "(" + ", ".join(f":{k}" for k in params) + ")", params
