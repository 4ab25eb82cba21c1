"""Checks against the real TensorRT Python bindings (the PyPI ``tensorrt-cu*-bindings`` wheels, imported
through the nine-symbol stub, see tools/trt_api_manifest.py): the committed manifests are exactly what the
tool reads from the wheels, the stand-in's value types behave like the real ones, and trtdsl's TensorRT
wrapper and interface subclasses work with the real classes.

The wheels are not downloaded by the tests: put them in the directory named by TRTDSL_BINDINGS_WHEELS
(``pip download --no-deps tensorrt-cu13-bindings==11.4.0.106 tensorrt-cu12-bindings==10.16.1.11``).
Without them, or without a C compiler, these tests skip."""

from __future__ import annotations

import functools
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

from trtdsl.backends.tensorrt import manifest

HERE = os.path.dirname(os.path.abspath(__file__))
WHEELS = {
    "10.16": "tensorrt_cu12_bindings-10.16.1.11-*.whl",
    "11.4": "tensorrt_cu13_bindings-11.4.0.106-*.whl",
}


def wheel(version: str) -> str | None:
    folder = os.environ.get("TRTDSL_BINDINGS_WHEELS")
    if not folder:
        return None
    found = sorted(glob.glob(os.path.join(folder, WHEELS[version])))
    return found[0] if found else None


@functools.lru_cache(maxsize=None)
def probe(version: str) -> dict:
    path = wheel(version)
    if path is None:
        pytest.skip(
            f"the TensorRT {version} bindings wheel is not in TRTDSL_BINDINGS_WHEELS "
            f"({os.environ.get('TRTDSL_BINDINGS_WHEELS', 'not set')})"
        )
    if shutil.which(os.environ.get("CC", "cc")) is None:
        pytest.skip("no C compiler to build the nine-symbol stub")
    with tempfile.TemporaryDirectory() as workdir:
        done = subprocess.run(
            [sys.executable, os.path.join(HERE, "bindings_probe.py"), path, workdir],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        with open(os.path.join(workdir, "probe.json")) as f:
            return json.load(f)


@pytest.fixture(params=sorted(WHEELS))
def real(request):
    return probe(request.param), request.param


def test_the_committed_manifest_is_what_the_tool_reads_from_the_wheel(real):
    found, version = real
    committed = manifest.load(version)
    with open(committed.source) as f:
        assert found["manifest"] == json.load(f)


def test_the_standin_behaves_like_the_bindings(real):
    found, _ = real
    assert found["standin"] == found["real"]


def test_the_standin_refuses_the_loose_conversions_it_documents(real):
    found, _ = real
    conversions = found["conversions"]
    assert conversions["real"] == {"bool_for_int": ["ok", [1, 2]], "array_for_list": ["ok", [1, 2]]}
    assert conversions["standin"] == {
        "bool_for_int": ["error", "TypeError"],
        "array_for_list": ["error", "TypeError"],
    }


def test_the_wrapper_and_interface_subclasses_work_with_the_bindings(real):
    found, version = real
    wrapper = found["wrapper"]
    assert wrapper["flags"] == (2 if version == "10.16" else 0)  # 1 << STRONGLY_TYPED (=1) on 10.16
    assert wrapper["dims"] == [-1, 3] and wrapper["permutation"] == [2, 0, 1]
    weights = wrapper["weights"]
    for name in ("float32", "float16", "int32", "int64", "int8", "uint8", "bool"):
        assert weights[name][1] == 3 and weights[name][2] == (
            [True, False, True] if name == "bool" else [1, 0, 1]
        )
    assert weights["bfloat16"] == [
        "BF16",
        3,
        None,
    ]  # the bindings cannot read BF16 weights back: trtdsl widens them
    assert weights["float8_e4m3"][:2] == ["FP8", 3] and weights["int4"][:2] == ["INT4", 3]
    assert wrapper["logger"] == [True, ["an error"]] and wrapper["monitor"] is True
    assert wrapper["allocator"] == [True, [2, 3]]
    assert all(wrapper["layer_types"].values()), wrapper["layer_types"]


def test_trtdsl_plugins_register_with_the_real_tensorrt_plugin(real):
    found, version = real
    result = found["plugin_registration"]
    if version == "10.16" and result[0] == "error":
        # TensorRT 10.16's tensorrt.plugin reads a scalar plugin field with float(field.data), a 1-element
        # array, which NumPy refuses from 2.4 on; 11.4 reads field.data[0] (see docs/plugins.md)
        assert result[1] == "TypeError: only 0-dimensional arrays can be converted to Python scalars"
        return
    assert result == ["ok"]
