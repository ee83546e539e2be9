"""The shape of ``src/llm_router``: its import graph (read from the source with ``ast``) has no cycle and
every import points down a layer; ``services/`` stays small and no module grows past 400 lines.

Layers, bottom to top::

    core
    db, providers          (each imports core only; neither imports the other)
    services               (rooms: chat, routing, accounts, keys, search, usage; no cycle between rooms)
    api                    (the web app's and the gateway's routes, the composition root)
    cli                    (the outermost shell: ``serve`` starts the api; api never imports cli)

``testing`` (the fake provider server) imports core and providers only; ``web`` holds static assets and
imports nothing. ``llm_router/__init__.py`` and ``__main__.py`` are exempt. Every import counts: inside
functions, under ``TYPE_CHECKING``, and ``importlib.import_module("llm_router.…")`` with a literal name.
"""

from __future__ import annotations

import ast
import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

PACKAGE = "llm_router"
SOURCE = Path(__file__).resolve().parents[1] / "src" / PACKAGE
MAX_LINES = 400
MAX_SERVICES_ENTRIES = 10  # raised from 8 for library/ (prompts, presets, memory) and schedules/
# Every entry of services/ is a room: a package (chat, routing, accounts, keys, search, usage, media…)
ROOMS = tuple(sorted(p.name for p in (SOURCE / "services").iterdir() if (p / "__init__.py").is_file()))
EXEMPT = {PACKAGE, f"{PACKAGE}.__main__"}  # importing the root package (``__version__``) is fine too

# component → the components its modules may import (besides the exempt root package)
ALLOWED: dict[str, set[str]] = {
    "core": {"core"},
    "db": {"core", "db"},
    "providers": {"core", "providers"},
    "services": {"core", "db", "providers", "services"},
    "api": {"core", "db", "providers", "services", "api", "web"},
    "cli": {"core", "db", "providers", "services", "api", "cli", "web"},
    "testing": {"core", "providers", "testing"},
    "web": {"web"},
}


@dataclass(frozen=True)
class Import:
    source: str  # importing module
    target: str  # imported module
    path: Path
    line: int
    where: str  # "", "function" or "TYPE_CHECKING", and "import_module" for a call

    def __str__(self) -> str:
        note = f" [{self.where}]" if self.where else ""
        return f"{self.source} -> {self.target}  ({self.path.relative_to(SOURCE.parent)}:{self.line}){note}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SOURCE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def python_files() -> list[Path]:
    return sorted(p for p in SOURCE.rglob("*.py") if "__pycache__" not in p.parts)


@cache
def known_modules() -> frozenset[str]:
    """Modules and packages (namespace packages too: every directory holding Python files)."""
    names: set[str] = set()
    for path in python_files():
        name = module_name(path)
        while name:
            names.add(name)
            name = name.rpartition(".")[0]
    return frozenset(names)


def existing(name: str) -> str:
    """The module an import of ``name`` loads: itself, or its longest known prefix."""
    while name not in known_modules() and "." in name:
        name = name.rpartition(".")[0]
    return name


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class ImportCollector(ast.NodeVisitor):
    def __init__(self, path: Path) -> None:
        self.path = path
        self.module = module_name(path)
        # the package relative imports start from
        self.package = self.module if path.name == "__init__.py" else self.module.rpartition(".")[0]
        self.context: list[str] = []
        self.imports: list[Import] = []

    def _add(self, target: str, node: ast.stmt | ast.expr, how: str = "") -> None:
        if target != PACKAGE and not target.startswith(f"{PACKAGE}."):
            return
        target = existing(target)
        where = ", ".join(filter(None, [self.context[-1] if self.context else "", how]))
        found = Import(self.module, target, self.path, node.lineno, where)
        if target != self.module and found not in self.imports:  # one per statement and target
            self.imports.append(found)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.package.split(".")
            base = base[: len(base) - (node.level - 1)]
            stem = ".".join([*base, node.module] if node.module else base)
        else:
            stem = node.module or ""
        for alias in node.names:
            submodule = f"{stem}.{alias.name}"
            self._add(submodule if submodule in known_modules() else stem, node)

    def visit_Call(self, node: ast.Call) -> None:
        """``importlib.import_module("llm_router.…")`` (lazy imports of heavy modules) counts too."""
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name in ("import_module", "__import__") and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                self._add(first.value, node, "import_module")
        self.generic_visit(node)

    def visit_If(self, node: ast.If) -> None:
        if is_type_checking(node.test):
            self.context.append("TYPE_CHECKING")
            for child in node.body:
                self.visit(child)
            self.context.pop()
            for child in node.orelse:
                self.visit(child)
        else:
            self.generic_visit(node)

    def _function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.context.append(self.context[-1] if self.context else "function")
        self.generic_visit(node)
        self.context.pop()

    visit_FunctionDef = _function
    visit_AsyncFunctionDef = _function


@cache
def all_imports() -> tuple[Import, ...]:
    found: list[Import] = []
    for path in python_files():
        collector = ImportCollector(path)
        collector.visit(ast.parse(path.read_text(), filename=str(path)))
        found.extend(collector.imports)
    return tuple(found)


def edges_between(names: Iterable[Import]) -> dict[tuple[str, str], list[Import]]:
    grouped: dict[tuple[str, str], list[Import]] = defaultdict(list)
    for imp in names:
        grouped[(imp.source, imp.target)].append(imp)
    return grouped


def component(module: str) -> str | None:
    """The module's part: ``core``, ``db``, ``providers``, ``services``, ``api``, … (None if exempt)."""
    if module in EXEMPT:
        return None
    return module.split(".")[1]


def room(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) > 2 and parts[1] == "services":
        return parts[2]
    return None


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm (iterative); only the groups that hold a cycle, each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, Iterator[str]]] = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def shortest_cycle(graph: dict[str, set[str]], start: str, within: set[str]) -> list[str]:
    """The shortest path start → … → start inside ``within`` (breadth first)."""
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph.get(node, ())):
                if child not in within:
                    continue
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError(f"no cycle through {start}")


def describe_cycles(graph: dict[str, set[str]], evidence: dict[tuple[str, str], list[Import]]) -> list[str]:
    lines = []
    for group in strongly_connected(graph):
        members = set(group)
        path = shortest_cycle(graph, group[0], members)
        lines.append(f"cycle: {' -> '.join(path)}")
        for source, target in itertools.pairwise(path):
            for imp in evidence[(source, target)][:3]:
                lines.append(f"    {imp}")
        if len(group) > len(path) - 1:
            lines.append(f"    (the tangle holds {len(group)}: {', '.join(group)})")
    return lines


def test_the_source_is_found() -> None:
    assert (SOURCE / "__init__.py").is_file(), SOURCE
    assert len(all_imports()) > 100, "the import graph looks empty: is the source where the test expects?"


def test_every_module_belongs_to_a_layer() -> None:
    unplaced = sorted({m for m in known_modules() if component(m) not in (None, *ALLOWED)})
    assert not unplaced, (
        "modules outside every layer (add them to ALLOWED in tests/test_layering.py, or move them):\n  "
        + "\n  ".join(unplaced)
    )


def test_no_import_cycle_between_modules() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for imp in all_imports():
        graph[imp.source].add(imp.target)
    problems = describe_cycles(graph, edges_between(all_imports()))
    if problems:
        pytest.fail("import cycles between modules:\n" + "\n".join(problems), pytrace=False)


def test_imports_point_down_the_layers() -> None:
    wrong = []
    for imp in all_imports():
        source, target = component(imp.source), component(imp.target)
        if source is None or target is None or target in ALLOWED.get(source, {target}):
            continue
        wrong.append(f"  {source} may not import {target}: {imp}")
    if wrong:
        allowed = "; ".join(f"{k} -> {', '.join(sorted(v - {k})) or 'nothing'}" for k, v in ALLOWED.items())
        pytest.fail(
            f"imports that point up a layer or across to a sibling (allowed: {allowed}):\n"
            + "\n".join(sorted(wrong)),
            pytrace=False,
        )


def test_service_rooms_do_not_form_a_cycle() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    evidence: dict[tuple[str, str], list[Import]] = defaultdict(list)
    for imp in all_imports():
        source, target = room(imp.source), room(imp.target)
        if source and target and source != target:
            graph[source].add(target)
            evidence[(source, target)].append(imp)
    unknown = sorted({r for m in known_modules() if (r := room(m)) and r not in ROOMS})
    assert not unknown, f"services/ holds modules outside any room (a room is a package): {unknown}"
    problems = describe_cycles(graph, evidence)
    if problems:
        pytest.fail(
            "the rooms of services/ import each other in a cycle (the imports making each hop, at most 3):\n"
            + "\n".join(problems),
            pytrace=False,
        )


def test_services_has_few_top_level_entries() -> None:
    entries = sorted(p.name for p in (SOURCE / "services").iterdir() if p.name != "__pycache__")
    assert len(entries) <= MAX_SERVICES_ENTRIES, (
        f"src/llm_router/services/ has {len(entries)} entries (at most {MAX_SERVICES_ENTRIES}): {entries}"
    )


def test_no_module_is_over_400_lines() -> None:
    sizes = {path: len(path.read_text().splitlines()) for path in python_files()}
    long = sorted((n, p.relative_to(SOURCE.parent)) for p, n in sizes.items() if n > MAX_LINES)
    if long:
        pytest.fail(
            f"modules over {MAX_LINES} lines (split them by responsibility):\n"
            + "\n".join(f"  {path}: {n} lines" for n, path in reversed(long)),
            pytrace=False,
        )
