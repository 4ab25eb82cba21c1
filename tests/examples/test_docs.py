"""docs/layers.md has a row for every op of every layer family, and names only ops that exist."""

import importlib
import pkgutil
import re
from pathlib import Path

import trtdsl.layers
from trtdsl.ir.op import OP_TYPES

ROOT = Path(__file__).resolve().parents[2]


def layer_kinds() -> set[str]:
    for info in pkgutil.iter_modules(trtdsl.layers.__path__):
        importlib.import_module(f"trtdsl.layers.{info.name}")
    return {kind for kind, cls in OP_TYPES.items() if cls.__module__.startswith("trtdsl.layers.")}


def test_every_layer_op_has_a_row_in_the_layer_reference():
    rows = set(re.findall(r"^\| `(\w+)` \|", (ROOT / "docs" / "layers.md").read_text(), re.MULTILINE))
    kinds = layer_kinds()
    assert not kinds - rows, f"ops without a row in docs/layers.md: {sorted(kinds - rows)}"
    assert not rows - kinds, f"rows in docs/layers.md for ops that do not exist: {sorted(rows - kinds)}"
