"""The code's layout stays the one issue 12 ("One house") settled on.

Each test reads the source tree (files, line counts, an AST import graph), so a new module,
import or SQL statement in the wrong place fails here with the file and line to fix.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BOT = ROOT / "bot"
MAX_TOP_LEVEL = 12
MAX_LINES = 450
# The ways code reaches a database: sqlite3 / sqlite-utils calls and table look-ups.
SQL_CALL = re.compile(r"\.execute\(|\.executemany\(|\.executescript\(|\.query\(|\.table\(|db\[")
# bot/cli.py imports the offline workbench and the admin commands lazily, to keep start-up lean.
LAZY_IMPORTS_ALLOWED = {BOT / "cli.py"}


def sources(top: Path) -> list[Path]:
    return sorted(p for p in top.rglob("*.py") if "__pycache__" not in p.parts)


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def imported(node: ast.Import | ast.ImportFrom, path: Path, root: Path = ROOT) -> Iterator[str]:
    """The absolute module names one import statement names (for `from a import b`, both
    `a.b` and `a`: which one is a module is decided against the known modules later)."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.name
        return
    base = node.module or ""
    if node.level:
        package = module_name(path, root).split(".")
        if not is_package(path):
            package.pop()
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, base] if base else package)
    yield base
    for alias in node.names:
        yield f"{base}.{alias.name}"


def import_graph(top: Path, root: Path = ROOT) -> dict[str, set[str]]:
    """Module → modules it imports, within `top`, counting every import statement (TYPE_CHECKING
    blocks and function bodies too). Importing a.b.c also runs a.b's __init__, so that package
    counts as imported as well (unless the importer is inside it)."""
    modules = {module_name(p, root): p for p in sources(top)}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges: set[str] = set()
        own = {".".join(name.split(".")[:i]) for i in range(1, name.count(".") + 1)}
        if is_package(path):
            own.add(name)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            for target in imported(node, path, root):
                if target not in modules:
                    continue
                parts = target.split(".")
                for i in range(1, len(parts) + 1):
                    step = ".".join(parts[:i])
                    if step in modules and step not in own and step != name:
                        edges.add(step)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def function_level_imports(path: Path, root: Path = ROOT) -> Iterator[tuple[int, str]]:
    """(line, module) for every import of a bot module inside a function body."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(func):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for target in imported(node, path, root):
                    if target == "bot" or target.startswith("bot."):
                        yield node.lineno, target
                        break


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_relative_imports_resolve_against_the_package() -> None:
    node = ast.parse("from .model import Delivery").body[0]
    assert isinstance(node, ast.ImportFrom)
    path = BOT / "delivery" / "engine.py"
    assert list(imported(node, path)) == ["bot.delivery.model", "bot.delivery.model.Delivery"]


def test_bot_has_at_most_twelve_top_level_modules() -> None:
    top = sorted(p.name for p in BOT.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL, top


def long_modules(top: Path) -> dict[str, int]:
    return {
        str(p.relative_to(ROOT)): n
        for p in sources(top)
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }


def test_no_module_in_bot_is_over_450_lines() -> None:
    assert long_modules(BOT) == {}


@pytest.mark.parametrize("package", ["slack_emulator", "workbench", "blockkit"])
def test_no_module_in_the_other_packages_is_over_450_lines(package: str) -> None:
    assert long_modules(ROOT / package) == {}


def test_bot_imports_form_no_cycle() -> None:
    assert cycles(import_graph(BOT)) == []


@pytest.mark.parametrize("package", ["slack_emulator", "workbench", "blockkit"])
def test_the_other_packages_import_no_cycle(package: str) -> None:
    assert cycles(import_graph(ROOT / package)) == []


def sql_calls_outside_store(top: Path) -> list[str]:
    store = BOT / "store"
    return [
        f"{p.relative_to(ROOT)}:{n}"
        for p in sources(top)
        if store not in p.parents
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if SQL_CALL.search(line)
    ]


def test_every_sql_call_in_bot_lives_in_bot_store() -> None:
    assert sql_calls_outside_store(BOT) == []


def test_the_workbench_reads_the_database_through_bot_store() -> None:
    assert sql_calls_outside_store(ROOT / "workbench") == []


def test_bot_never_imports_the_emulator() -> None:
    found = [
        f"{p.relative_to(ROOT)}:{node.lineno}"
        for p in sources(BOT)
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        if isinstance(node, ast.Import | ast.ImportFrom)
        and any(t.split(".")[0] == "slack_emulator" for t in imported(node, p))
    ]
    assert found == []


def test_bot_imports_itself_at_module_level_except_in_cli() -> None:
    found = [
        f"{p.relative_to(ROOT)}:{line} {target}"
        for p in sources(BOT)
        if p not in LAZY_IMPORTS_ALLOWED
        for line, target in function_level_imports(p)
    ]
    assert found == []


def figures(root: Path) -> dict[str, object]:
    """The layout figures of a checkout at `root` (for the restructure's before/after note)."""
    bot = root / "bot"
    files = sources(bot)
    return {
        "bot/*.py": len(list(bot.glob("*.py"))),
        "bot/**/*.py": len(files),
        f"over {MAX_LINES} lines": sum(
            len(p.read_text(encoding="utf-8").splitlines()) > MAX_LINES for p in files
        ),
        "import cycles (SCCs)": cycles(import_graph(bot, root)),
        "function-level bot imports outside cli.py": sum(
            1 for p in files if p != bot / "cli.py" for _ in function_level_imports(p, root)
        ),
    }


if __name__ == "__main__":  # python tests/unit/test_layout.py [checkout]
    import sys

    for key, value in figures(Path(sys.argv[1]).resolve() if sys.argv[1:] else ROOT).items():
        print(f"{key}: {value}")
