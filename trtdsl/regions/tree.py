"""Nested Python containers of tensors (tuples, lists, dicts, None), as loop carries and branch
results: flattening, rebuilding, and the check that two of them have the same structure and types.

>>> leaves, tree = flatten((1, {"b": 2, "a": [3]}, None), lambda x: isinstance(x, int))
>>> leaves, structure_text(tree)
([1, 3, 2], "(*, {'a': [*], 'b': *}, None)")
>>> unflatten(tree, [10, 30, 20])
(10, {'a': [30], 'b': 20}, None)
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from trtdsl.errors import RegionError, shown
from trtdsl.ir.tensor import Tensor

LEAF = "*"
MAX_DEPTH = 100  # deeper containers are refused (rather than exhausting Python's stack)


class NotATree(Exception):
    """What :func:`flatten` found wrong in a container, as text to follow "carry ..." or "result ..."."""


def flatten(tree: Any, is_leaf: Callable[[Any], bool] = lambda x: isinstance(x, Tensor)
            ) -> tuple[list[Any], Any]:
    """The leaves of ``tree`` in order (dicts by sorted key) and a description of its structure; a
    :class:`NotATree` says what else it holds."""
    leaves: list[Any] = []

    def walk(node: Any, depth: int) -> Any:
        if is_leaf(node):
            leaves.append(node)
            return LEAF
        if node is None:
            return None
        if depth == MAX_DEPTH:
            raise NotATree(f"is nested more than {MAX_DEPTH} levels deep")
        if isinstance(node, (tuple, list)):
            return (type(node), tuple(walk(x, depth + 1) for x in node))
        if isinstance(node, dict):
            try:
                keys = sorted(node)
            except TypeError:
                raise NotATree(f"holds a dict whose keys {shown(list(node))} cannot be sorted") from None
            return (dict, tuple(keys), tuple(walk(node[k], depth + 1) for k in keys))
        raise NotATree(f"holds a {type(node).__name__} ({shown(node)})")

    return leaves, walk(tree, 0)


def unflatten(structure: Any, leaves: Sequence[Any]) -> Any:
    """The tree of ``structure`` (from :func:`flatten`) with ``leaves`` in order."""
    it = iter(leaves)

    def build(node: Any) -> Any:
        if node == LEAF:
            return next(it)
        if node is None:
            return None
        if node[0] is dict:
            return {k: build(v) for k, v in zip(node[1], node[2])}
        items = [build(x) for x in node[1]]
        return tuple(items) if node[0] is tuple else items

    return build(structure)


def structure_text(structure: Any) -> str:
    """The structure as Python-like text, ``*`` for each leaf."""
    if structure == LEAF:
        return LEAF
    if structure is None:
        return "None"
    if structure[0] is dict:
        items = (f"{k!r}: {structure_text(v)}" for k, v in zip(structure[1], structure[2]))
        return "{" + ", ".join(items) + "}"
    elements = [structure_text(x) for x in structure[1]]
    if structure[0] is tuple:
        return "(" + ", ".join(elements) + ("," if len(elements) == 1 else "") + ")"
    return "[" + ", ".join(elements) + "]"


def paths(structure: Any, root: str) -> list[str]:
    """The path of each leaf, e.g. ``carry[0]['h']``."""
    found: list[str] = []

    def walk(node: Any, path: str) -> None:
        if node == LEAF:
            found.append(path)
        elif node is None:
            return
        elif node[0] is dict:
            for k, v in zip(node[1], node[2]):
                walk(v, f"{path}[{k!r}]")
        else:
            for i, v in enumerate(node[1]):
                walk(v, f"{path}[{i}]")

    walk(structure, root)
    return found


def tensors(fn: str, what: str, tree: Any) -> tuple[list[Tensor], Any]:
    """Flatten a tree of tensors, with a RegionError naming anything else found in it."""
    try:
        return flatten(tree)
    except NotATree as exc:
        raise RegionError(f"{fn}: {what} {exc}; expected trtdsl Tensors in tuples, lists and dicts") from None


def check_same(fn: str, root: str, a: tuple[str, Any, Sequence[Tensor]], b: tuple[str, Any, Sequence[Tensor]],
               fix: str) -> None:
    """Raise a RegionError listing every difference in structure, dtype and shape between two trees
    (``(description, structure, leaves)`` each)."""
    (a_name, a_tree, a_leaves), (b_name, b_tree, b_leaves) = a, b
    if a_tree != b_tree:
        raise RegionError(f"{fn}: {b_name} must have the structure of {a_name}: {a_name} is "
                          f"{structure_text(a_tree)} but {b_name} is {structure_text(b_tree)}")
    problems = []
    for path, x, y in zip(paths(a_tree, root), a_leaves, b_leaves):
        if x.dtype != y.dtype:
            problems.append(f"{path}: dtype {x.dtype.name} in {a_name} but {y.dtype.name} in {b_name}")
        if x.shape != y.shape:
            problems.append(f"{path}: shape {x.type.shape_text} in {a_name} but {y.type.shape_text} in "
                            f"{b_name}")
    if problems:
        listed = "".join(f"\n  {p}" for p in problems)
        raise RegionError(f"{fn}: {b_name} must have the dtypes and shapes of {a_name}; they differ "
                          f"in:{listed}\n{fix}")
