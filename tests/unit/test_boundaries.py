"""The core stays platform-neutral: no platform library or adapter is imported by bot/."""

from __future__ import annotations

import ast
from pathlib import Path

FORBIDDEN = ("discord", "slack_bolt", "slack_sdk", "adapters")
BOT = Path(__file__).resolve().parents[2] / "bot"


def test_core_never_imports_platforms_or_adapters() -> None:
    """Scan every module of bot/ for imports of discord, slack or adapters."""
    offenders = []
    for path in BOT.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
    return [n for n in names if n == "bot" or n.startswith("bot.")]


# What each layer of bot/ may import from bot/, lowest first. The domain is pure, so every layer
# may use its types; the modules at the top of bot/ (clock, config, grammar, help_text, metrics)
# are shared by the service layer and above.
SHARED = ("bot.clock", "bot.config", "bot.grammar", "bot.help_text", "bot.metrics", "bot.domain")
LAYERS: dict[str, tuple[str, ...]] = {
    "domain": ("bot.domain",),
    "storage": ("bot.storage", "bot.clock", "bot.domain"),
    "service": ("bot.service", "bot.storage", *SHARED),
    "process": ("bot.process", "bot.service", "bot.storage", *SHARED),
}


def _allowed(name: str, prefixes: tuple[str, ...]) -> bool:
    # `from bot import metrics` names the package itself and then the module.
    if name == "bot" or name == "bot.__version__":
        return True
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_layers_import_only_downwards() -> None:
    """domain <- storage <- service <- process: nothing imports a layer above its own."""
    offenders = []
    for layer, allowed in LAYERS.items():
        for path in (BOT / layer).rglob("*.py"):
            offenders += [
                f"{layer}/{path.name}: {n}" for n in _imports(path) if not _allowed(n, allowed)
            ]
    for shared in ("clock", "config", "grammar", "help_text", "metrics"):
        offenders += [
            f"{shared}.py: {n}" for n in _imports(BOT / f"{shared}.py") if not _allowed(n, SHARED)
        ]
    assert offenders == []


ADAPTERS = BOT.parent / "adapters"
# What front ends may use: the core's types and grammar, the bus, the notifier they implement,
# their own store, and the process's wiring to start themselves.
ADAPTER_MAY_IMPORT = (
    *SHARED,
    "bot.process",
    "bot.service.bus",
    "bot.service.notifier",
    "bot.service.platform_store",
)


def test_adapters_reach_the_core_only_through_the_bus() -> None:
    """No adapter imports a service, the storage, or reads the core's dependencies or
    database around the bus (a query it needs is a command, see bot.domain.queries)."""
    offenders = []
    for path in ADAPTERS.rglob("*.py"):
        offenders += [
            f"{path.name}: {n}" for n in _imports(path) if not _allowed(n, ADAPTER_MAY_IMPORT)
        ]
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Attribute) and node.attr in ("deps", "db"):
                offenders.append(f"{path.name}:{node.lineno}: .{node.attr}")
    assert offenders == []
