"""The rules of docs/architecture.md, checked on the source: rooms, import directions, sizes.

Imports are read with ``ast`` from every module of the package, function-level ones included, so a
circle cannot hide inside a function. An import of a package's module counts as an import of that
module only (not of the package's ``__init__``, which Python runs first but which is not a design
dependency).
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "vsexplore"
MAX_MODULE_LINES = 450
MAX_LITERAL_LINES = 150
DATA_FOLDERS = ("vsexplore/data/_tables", "vsexplore/_data")

# Layers, lowest first; a module imports only from its own layer or those below (docs/architecture.md).
LAYERS = {
    "leaf": ["errors", "registry", "images", "grids", "int8"],
    "data": ["data"],
    "model": ["backbones", "text", "conse", "hierarchy", "calibration", "network", "scoring", "model",
              "baselines", "analysis", "vocabulary"],
    "rooms": ["store", "train", "evaluate"],
    "widgets": ["widgets"],
    "face": ["__init__", "datasets", "lab", "cli"],
}
ROOMS = {name: layer for layer, names in LAYERS.items() for name in names}
ORDER = list(LAYERS)


def module_name(path: Path) -> str:
    parts = ["vsexplore", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _resolve(base: str, name: str | None) -> str:
    """An absolute module name for ``from base import name``: the sub-module when there is one."""
    if name and f"{base}.{name}" in modules():
        return f"{base}.{name}"
    return base


@cache
def imports_of(module: str) -> frozenset[str]:
    """The package modules ``module`` imports anywhere in its body."""
    path = modules()[module]
    is_package = path.name == "__init__.py"
    here = module.split(".") if is_package else module.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "vsexplore"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(here[: len(here) - node.level + 1] + ([node.module] if node.module else []))
            elif node.module and node.module.split(".")[0] == "vsexplore":
                base = node.module
            else:
                continue
            found |= {_resolve(base, a.name) for a in node.names}
    return frozenset(m for m in found if m in modules() and m != module)


def room(module: str) -> str:
    """The top-level module or sub-package a module belongs to (``store``, ``cli``, ``__init__``)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def find_circle() -> list[str] | None:
    """One import circle, as the list of modules around it, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in sorted(imports_of(m)):
            if state.get(n) == 1:
                return stack[stack.index(n):] + [n]
            if n not in state and (circle := visit(n)):
                return circle
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(modules()):
        if m not in state and (circle := visit(m)):
            return circle
    return None


def test_the_walker_sees_function_level_imports_and_finds_a_circle(tmp_path, monkeypatch):
    """The checker itself: a circle hidden in a function is found."""
    fake = tmp_path / "vsexplore"
    (fake / "store").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "store" / "__init__.py").write_text("")
    (fake / "store" / "a.py").write_text("def f():\n    from .b import g\n")
    (fake / "store" / "b.py").write_text("from . import a\n")
    monkeypatch.setattr(f"{__name__}.PACKAGE", fake)
    for f in (modules, imports_of):
        f.cache_clear()
    try:
        assert find_circle() == ["vsexplore.store.a", "vsexplore.store.b", "vsexplore.store.a"]
    finally:
        for f in (modules, imports_of):
            f.cache_clear()


def test_no_import_circle():
    assert find_circle() is None


def test_every_module_belongs_to_a_room():
    assert {room(m) for m in modules()} - set(ROOMS) == set()


@pytest.mark.parametrize("module", sorted(modules()))
def test_nothing_imports_upward(module):
    mine = ORDER.index(ROOMS[room(module)])
    upward = sorted(m for m in imports_of(module) if ORDER.index(ROOMS[room(m)]) > mine)
    assert upward == [], f"{module} imports from a higher layer"


def test_room_rules():
    broken = []
    for m in modules():
        imported = {room(n) for n in imports_of(m)}
        if room(m) == "data" and (extra := imported - {"data", "errors", "images"}):
            broken.append(f"{m}: data/ imports only errors and images, not {sorted(extra)}")
        if room(m) == "store" and imported & {"train", "evaluate", "widgets"}:
            broken.append(f"{m}: the store imports {imported & {'train', 'evaluate', 'widgets'}}")
        if room(m) == "analysis" and "evaluate" in imported:
            broken.append(f"{m}: analysis imports evaluation code")
        if "widgets" in imported and room(m) not in ("widgets", "__init__", "lab", "cli"):
            broken.append(f"{m}: only the package face, lab and cli import widgets")
    assert broken == []


def literal_lines(tree: ast.AST) -> int:
    """Lines spanned by outermost literal tables (lists, tuples, sets, dicts of constants only)."""

    def constant(node: ast.AST) -> bool:
        if isinstance(node, ast.Constant):
            return True
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return all(constant(e) for e in node.elts)
        if isinstance(node, ast.Dict):
            pairs = zip(node.keys, node.values, strict=True)
            return all(k is not None and constant(k) and constant(v) for k, v in pairs)
        if isinstance(node, ast.UnaryOp):
            return constant(node.operand)
        return False

    total = 0
    todo = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.List, ast.Tuple, ast.Set, ast.Dict)) and constant(node):
            total += node.end_lineno - node.lineno + 1
            continue
        todo.extend(ast.iter_child_nodes(node))
    return total


def test_literal_lines_counts_tables_not_code():
    tree = ast.parse("X = [\n 1,\n 2,\n]\ndef f(a):\n    return [a, 1]\nY = {'a': (1, 2)}\n")
    assert literal_lines(tree) == 5


@pytest.mark.parametrize("module", sorted(modules()))
def test_modules_are_short_and_hold_no_tables(module):
    path = modules()[module]
    source = path.read_text(encoding="utf-8")
    assert len(source.splitlines()) <= MAX_MODULE_LINES, f"{path}: split it (rooms, not long files)"
    assert literal_lines(ast.parse(source)) <= MAX_LITERAL_LINES, (
        f"{path}: move its tables to {DATA_FOLDERS[0]}/ as package data"
    )
