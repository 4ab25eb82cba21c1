"""The package is layered: a module imports only from its own layer or the layers below it
(``docs/architecture.md``, "Layers"), counting imports at the top of a module and inside functions
alike (imports under ``if TYPE_CHECKING:`` are for annotations only and do not count), and the largest
import cycle has at most 3 modules.

The helpers read the imports from the source with :mod:`ast`, so they also measure a tree that is not
the one installed: ``python tests/test_layering.py [PACKAGE_DIR]`` prints its largest cycle.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from typing import Iterator, NamedTuple

PACKAGE = Path(__file__).resolve().parents[1] / "trtdsl"

# Lowest first, as docs/architecture.md lists them.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("trtdsl.errors", "trtdsl.dtypes", "trtdsl._version", "trtdsl._files", "trtdsl._progress"),
    ("trtdsl.ir",),
    ("trtdsl.shapes",),
    ("trtdsl.layers",),
    ("trtdsl.nn",),
    ("trtdsl.regions",),
    ("trtdsl.loops", "trtdsl.conditionals"),
    ("trtdsl.plugins",),
    ("trtdsl.reference",),
    ("trtdsl.quantization",),
    ("trtdsl.backends",),
    ("trtdsl.testing", "trtdsl.cli", "trtdsl.__main__"),
    ("trtdsl", "trtdsl.ops"),
)
MAX_CYCLE = 3


class Import(NamedTuple):
    """One import of a trtdsl module by another: where it is written, and whether it runs when the
    importing module is imported (top level) or when a function runs."""

    source: str
    target: str
    line: int
    in_function: bool


def modules(package: Path = PACKAGE) -> dict[str, Path]:
    """Every module of the package, by dotted name (a package by its own name, for its ``__init__``)."""
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_nodes(node: ast.AST, in_function: bool = False) -> Iterator[tuple[ast.AST, bool]]:
    """The import statements under ``node``, except those under ``if TYPE_CHECKING:``."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child, in_function
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield from _import_nodes(ast.Module(body=[other], type_ignores=[]), in_function)
        else:
            nested = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            yield from _import_nodes(child, nested)


def imports(package: Path = PACKAGE) -> list[Import]:
    """Every import of one trtdsl module by another. ``from a import b`` imports module ``a.b`` when
    there is one, else module ``a``."""
    known = modules(package)
    found = []
    for name, path in known.items():
        is_package = path.name == "__init__.py"
        for node, in_function in _import_nodes(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                assert isinstance(node, ast.ImportFrom)
                base = node.module or ""
                if node.level:
                    anchor = name.split(".")[: len(name.split(".")) - node.level + is_package]
                    base = ".".join(anchor + ([base] if base else []))
                targets = list(dict.fromkeys(
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names
                ))
            for target in targets:
                while target not in known and "." in target:
                    target = target.rsplit(".", 1)[0]
                if target in known and target != name:
                    found.append(Import(name, target, node.lineno, in_function))
    return found


def layer_of(module: str) -> int:
    """The index in LAYERS of the layer ``module`` belongs to: the layer of the longest entry naming the
    module or a package above it (``trtdsl`` names only the package's ``__init__``)."""
    best, index = -1, None
    for i, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            inside = module.startswith(prefix + ".") and prefix != "trtdsl"
            if (module == prefix or inside) and len(prefix) > best:
                best, index = len(prefix), i
    if index is None:
        raise LookupError(f"{module} is in no layer of LAYERS")
    return index


def cycles(edges: list[Import]) -> list[set[str]]:
    """The import cycles: strongly connected components of more than one module (Tarjan's algorithm),
    largest first."""
    graph: dict[str, set[str]] = {}
    for e in edges:
        graph.setdefault(e.source, set()).add(e.target)
        graph.setdefault(e.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(component)
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return sorted(found, key=len, reverse=True)


def test_every_module_is_in_a_layer():
    unplaced = []
    for name in modules():
        try:
            layer_of(name)
        except LookupError:
            unplaced.append(name)
    assert not unplaced, f"modules in no layer of LAYERS: {unplaced}"


def test_no_module_imports_from_a_layer_above_its_own():
    upward = [
        f"{modules()[e.source].relative_to(PACKAGE.parent)}:{e.line}: {e.source} "
        f"({'inside a function' if e.in_function else 'top level'}) imports {e.target}"
        for e in imports()
        if layer_of(e.target) > layer_of(e.source)
    ]
    assert not upward, "imports that go up the layers:\n" + "\n".join(upward)


def test_the_largest_import_cycle_has_at_most_3_modules():
    found = cycles(imports())
    assert not found or len(found[0]) <= MAX_CYCLE, f"import cycles: {found}"


def test_the_helpers_see_function_imports_and_leave_out_type_checking_ones(tmp_path):
    package = tmp_path / "trtdsl"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("from . import a\n")
    (package / "sub" / "a.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "from trtdsl.sub import b\n"
        "if TYPE_CHECKING:\n"
        "    from trtdsl import c\n"
        "def f():\n"
        "    from .b import g\n"
    )
    (package / "sub" / "b.py").write_text("def g():\n    import trtdsl.c\n")
    (package / "c.py").write_text("def h():\n    from trtdsl.sub.a import f\n")
    edges = {(e.source, e.target, e.line, e.in_function) for e in imports(package)}
    assert edges == {
        ("trtdsl.sub", "trtdsl.sub.a", 1, False),
        ("trtdsl.sub.a", "trtdsl.sub.b", 2, False),
        ("trtdsl.sub.a", "trtdsl.sub.b", 6, True),
        ("trtdsl.sub.b", "trtdsl.c", 2, True),
        ("trtdsl.c", "trtdsl.sub.a", 2, True),
    }
    assert cycles(imports(package)) == [{"trtdsl.sub.a", "trtdsl.sub.b", "trtdsl.c"}]


if __name__ == "__main__":
    found = cycles(imports(Path(sys.argv[1]) if len(sys.argv) > 1 else PACKAGE))
    print(f"largest import cycle: {len(found[0]) if found else 0} modules")
    for component in found:
        print(len(component), sorted(component))
