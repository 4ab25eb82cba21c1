"""The mutation list of tools/mutate.py stays applicable: every planted mistake's snippet occurs exactly once
in its file (so a change to the code that moves it shows up here, not as a silently skipped mutation),
its tests exist, and the list covers the layers, the lowering, the ONNX export and quantization."""

import importlib.util
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]


def load(name: str):
    spec = importlib.util.spec_from_file_location(f"tools_{name}", ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


mutations = load("mutations")


@pytest.mark.parametrize("mutation", mutations.MUTATIONS, ids=[m.name for m in mutations.MUTATIONS])
def test_each_mutation_applies_once_and_names_existing_tests(mutation):
    assert (ROOT / mutation.file).read_text().count(mutation.original) == 1
    assert mutation.replacement != mutation.original
    assert all((ROOT / path).exists() for path in mutations.paths(mutation.tests))


def test_the_list_covers_every_part():
    names = [m.name for m in mutations.MUTATIONS]
    assert len(names) == len(set(names)) and len(names) >= 40
    files = {m.file for m in mutations.MUTATIONS}
    for part in ("trtdsl/layers/", "trtdsl/backends/tensorrt/lowering/", "trtdsl/backends/onnx/",
                 "trtdsl/quantization/"):
        assert any(f.startswith(part) for f in files), part


def test_paths_drop_the_selection():
    assert mutations.paths(("tests/a.py", "-k", "conv or pool", "-x", "tests/b")) == ("tests/a.py", "tests/b")
