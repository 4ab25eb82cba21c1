"""How many of TensorRT's layer kinds trtdsl lowers and raises, counted against the API manifests.

The kinds still missing are listed by name, so the count cannot drift silently: a new entry must shrink
``NOT_YET`` and a new TensorRT release with new kinds must add them here.
"""

from __future__ import annotations

import pytest

import trtdsl.backends.tensorrt.lowering  # noqa: F401  (fills the tables)
from trtdsl.backends.tensorrt import manifest
from trtdsl.backends.tensorrt.lowering.registry import RAISERS

# LayerType members with no trtdsl op yet: TensorRT 11's LLM layers and the legacy plugin kinds
NOT_YET = {
    "PLUGIN", "PLUGIN_V2",
}


@pytest.mark.parametrize("version", ["10", "11"])
def test_every_layer_kind_but_the_listed_ones_has_a_raise_entry(version):
    kinds = set(manifest.load(version).classes["LayerType"].enum)
    missing = kinds - set(RAISERS)
    assert missing == NOT_YET & kinds
    assert len(kinds & set(RAISERS)) >= 47
