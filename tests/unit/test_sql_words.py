"""The words our SQL writes into, or compares with, a state, kind or role column are words
of that column's StrEnum (bot.storage.migrations.CHECKS): a typo in a query's literal
(`state = 'opne'`) fails here, where the store could only have missed it (a comparison with
a word that is never stored is not an error, it just never matches)."""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterator
from pathlib import Path

from bot.storage import migrations
from bot.storage.migrations import CHECKS

ROOT = Path(__file__).resolve().parents[2]
SQL_DIR = ROOT / "bot" / "storage" / "sql"
FILES = [*sorted(SQL_DIR.glob("*.py")), ROOT / "bot" / "storage" / "migrations.py"]

WORDS = {word for check in CHECKS for word in check.values()}
CHECKED = {(check.table, check.column): set(check.values()) for check in CHECKS}
COLUMNS = sorted({check.column for check in CHECKS}, key=len, reverse=True)

# A quoted lowercase word: what a stored word looks like in SQL ('{}', '[removed]' are not).
_LITERAL = re.compile(r"'([a-z_]*)'")
# `FROM offers o`, `JOIN sessions s`, `UPDATE offers`, `INSERT INTO disputes`: a table, and
# the alias it goes by (our SQL keywords are upper case, aliases lower case).
_TABLE = re.compile(r"\b(?:FROM|JOIN|UPDATE|INTO)\s+([a-z_]+)(?:\s+(?:AS\s+)?([a-z_][a-z_0-9]*))?")
# `o.state = 'x'`, `state <> 'x'`, `s.state IN ('a', 'b')`, `kind NOT IN ('a')`.
_COMPARED = re.compile(
    r"(?:\b([a-z_][a-z_0-9]*)\.)?\b(" + "|".join(COLUMNS) + r")\b\s*"
    r"(?:=|<>|!=|(?:NOT\s+)?IN)\s*(\('[^)]*\)|'[^']*')"
)


def _docstrings(tree: ast.AST) -> set[int]:
    kinds = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, kinds) and node.body and isinstance(node.body[0], ast.Expr):
            found.add(id(node.body[0].value))
    return found


def _literal_strings(path: Path) -> Iterator[str]:
    """Every string written in the file (f-strings' text parts too), but docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            yield node.value


def _flatten(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _flatten(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _flatten(item)


def _statements() -> Iterator[tuple[str, str]]:
    """Each module's SQL as the code puts it together (its module-level strings, lists and
    maps of them), and each migration's: (where, text)."""
    for path in sorted(SQL_DIR.glob("*.py")):
        module = importlib.import_module(f"bot.storage.sql.{path.stem}")
        for name, value in vars(module).items():
            if not name.startswith("__"):
                for text in _flatten(value):
                    yield f"sql.{path.stem}.{name}", text
    for version, _, sql in migrations.MIGRATIONS:
        yield f"migration {version}", sql


def _comparisons(text: str) -> Iterator[tuple[str, set[str], list[str]]]:
    """(column, the words it may hold, the words it is compared with) for each comparison of
    a checked column with literals. The column's table comes from its alias, or, without one,
    from the tables the text names; if neither says, it may hold any word of that column
    name."""
    aliases: dict[str, set[str]] = {}
    named: set[str] = set()
    for table, alias in _TABLE.findall(text):
        named.add(table)
        aliases.setdefault(alias or table, set()).add(table)
    for alias, column, compared in _COMPARED.findall(text):
        tables = aliases.get(alias, set()) if alias else named
        allowed = set().union(*(CHECKED.get((t, column), set()) for t in tables))
        if not allowed:
            allowed = set().union(*(w for (_, c), w in CHECKED.items() if c == column))
        yield f"{alias + '.' if alias else ''}{column}", allowed, _LITERAL.findall(compared)


def test_every_quoted_word_in_our_sql_is_a_stored_word() -> None:
    """Anywhere in bot/storage/sql and the migrations: `THEN 'accepted'`, `VALUES (...,
    'pending', ...)`, a default. (There are no other quoted lowercase words in our SQL; one
    that is not a stored word would need naming here.)"""
    unknown = [
        (path.name, word)
        for path in FILES
        for text in _literal_strings(path)
        for word in _LITERAL.findall(text)
        if word not in WORDS
    ]
    assert not unknown


def test_each_compared_word_is_one_its_column_can_hold() -> None:
    """`o.state = 'x'` on offers must be an offer state, not a session's; the scan sees the
    comparisons we know are there."""
    wrong = []
    seen = 0
    for where, text in _statements():
        for column, allowed, words in _comparisons(text):
            seen += 1
            wrong += [(where, column, word) for word in words if word not in allowed]
    assert not wrong
    assert seen > 40


def test_the_scan_catches_a_typo_and_a_word_from_another_table() -> None:
    def bad(text: str) -> list[str]:
        return [w for _, allowed, words in _comparisons(text) for w in words if w not in allowed]

    assert bad("SELECT 1 FROM offers o WHERE o.state = 'opne'") == ["opne"]
    assert bad("SELECT 1 FROM offers o WHERE o.state IN ('pending', 'active')") == ["active"]
    assert bad("UPDATE disputes SET state = 'final' WHERE state <> 'closed'") == ["closed"]
    assert bad("SELECT 1 FROM offers o JOIN sessions s ON s.state = 'active'") == []
    assert _LITERAL.findall("THEN 'acepted' ELSE :state") == ["acepted"]
