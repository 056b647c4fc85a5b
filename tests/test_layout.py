"""The layout holds: geo <- layers <- criteria <- maps, maps sub-packages meet only through their faces, no import
cycle among maps modules (imports inside functions count too), and the CLI imports only public faces."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ORDER = ["geo", "layers", "criteria", "maps"]
#: maps modules every part may import besides the sub-packages' faces (one errors module, shared styles)
MAPS_SHARED = {"maps", "maps.errors", "maps.style"}


def _modules(pkg: str) -> dict[str, Path]:
    out = {}
    for p in sorted((ROOT / pkg).rglob("*.py")):
        parts = list(p.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


MODULES = {name: path for pkg in ORDER for name, path in _modules(pkg).items()}
MAPS_SUBPACKAGES = sorted(n for n, p in MODULES.items() if n.count(".") == 1 and n.startswith("maps.")
                          and p.name == "__init__.py")


def _imports(name: str) -> set[str]:
    """Every module ``name`` imports (at any depth of the file), as full dotted names of our modules."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            for alias in node.names:  # `from . import figures` imports the module maps.report.figures
                sub = f"{mod}.{alias.name}"
                attr = getattr(importlib.import_module(mod), alias.name, None) if sub in MODULES else 0
                is_module = attr is None or inspect.ismodule(attr)  # None: a sub-module not imported yet
                found.add(sub if is_module else mod)
    return {m for m in found if m in MODULES}


GRAPH = {name: _imports(name) for name in MODULES}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_every_module_imports(name):
    importlib.import_module(name)


def test_no_module_imports_a_package_to_its_right():
    wrong = [(m, i) for m, deps in GRAPH.items() for i in deps
             if ORDER.index(i.split(".")[0]) > ORDER.index(m.split(".")[0])]
    assert wrong == []


def _subpackage(name: str) -> str | None:
    return next((s for s in MAPS_SUBPACKAGES if name == s or name.startswith(s + ".")), None)


def test_maps_subpackages_meet_only_through_their_faces():
    wrong = []
    for m, deps in GRAPH.items():
        for i in deps:
            target = _subpackage(i)
            if target and i != target and _subpackage(m) != target:
                wrong.append((m, i))
    assert wrong == []


def test_no_import_cycle_among_maps_modules():
    maps = {m: {i for i in deps if i.startswith("maps")} for m, deps in GRAPH.items() if m.startswith("maps")}
    # a module importing its own package's face (``from . import x`` in a sub-module) is not a cycle of code
    for m, deps in maps.items():
        deps.discard(m)
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(m: str, stack: list[str]) -> None:
        state[m] = 1
        for i in sorted(maps.get(m, ())):
            if state.get(i) == 1:
                cycles.append(stack[stack.index(i):] + [i])
            elif i not in state:
                visit(i, stack + [i])
        state[m] = 2

    for m in sorted(maps):
        if m not in state:
            visit(m, [m])
    assert cycles == []


def test_the_cli_imports_only_public_faces():
    faces = set(MAPS_SUBPACKAGES) | MAPS_SHARED
    wrong = [(m, i) for m, deps in GRAPH.items() if m.startswith("maps.cli.")
             for i in deps if i.startswith("maps.") and not i.startswith("maps.cli") and i not in faces]
    assert wrong == []


def test_every_face_names_what_it_offers():
    for name in ["maps", *(s for s in MAPS_SUBPACKAGES if s != "maps.cli")]:  # the CLI's face is its command
        mod = importlib.import_module(name)
        assert mod.__all__ and all(hasattr(mod, n) for n in mod.__all__), name
