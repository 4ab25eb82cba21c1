"""Every TensorRT call the backend makes exists in the manifests of both TensorRT 10.16 and 11.4, with
parameters that match one of its overloads: for every case network, lowering it, raising it back,
building it with every build option, saving, loading and running the engine (a fake engine of the
stand-in, on host memory: tests/backends/tensorrt/fake_engine.py), and reading its I/O description.

The stand-in already refuses calls its own manifest does not have; this test checks the recorded calls
again, independently, against both manifests, so a call that only one version has is found even when the
code is run against the other. The Python subclasses of TensorRT interfaces (logger, progress monitor)
override only methods their interface has, with its parameters."""

from __future__ import annotations

import functools
import inspect
import tempfile
from pathlib import Path

import pytest
from backends.tensorrt import fake_engine
from backend_rows import TENSORRT_11_ONLY, inputs, tensorrt_cases

from trtdsl.backends.tensorrt import (
    Engine,
    LoggingLogger,
    api,
    build,
    lower,
    manifest,
    raise_network,
    runtime,
    standin,
)
from trtdsl.backends.tensorrt.build import progress_monitor
from trtdsl.backends.tensorrt.standin import Call
from trtdsl.ir.dims import Dim

CASES = tensorrt_cases()

VERSIONS = ("10.16", "11.4")


def exercise(net, version: str, folder: Path) -> frozenset[Call]:
    """The calls trtdsl makes to TensorRT ``version`` for ``net``: lower and raise, build with every
    option, save, load and run the engine."""
    dims = sorted({str(d) for t in net.inputs.values() for d in t.shape if not isinstance(d, int)})
    # outputs whose size only the run knows (e.g. NonZero's) are served by the output allocator
    data_dependent = tuple(
        name
        for name, t in net.outputs.items()
        if any(isinstance(d, Dim) and not d.symbols() <= set(dims) for d in t.shape)
    )
    profile: dict = {d: (1, 2, 4) for d in dims}
    for name in net.shape_inputs:  # a shape-tensor input's values: each element from 1 to 4
        shape = net.inputs[name].shape
        profile[name] = (1, 2, 4) if not shape else tuple([v] * shape[0] for v in (1, 2, 4))
    profiles = [profile] * 2
    trt = fake_engine.fake_tensorrt(
        net, version, data_dependent=data_dependent, memory=fake_engine.HOST, profiles=profiles
    )
    raise_network(lower(net, trt).network, trt)
    engine = build(
        net,
        trt=trt,
        progress=lambda *args: None,
        profiles=profiles,
        workspace=1 << 20,
        memory_pools={"TACTIC_SHARED_MEMORY": 1 << 16},
        optimization_level=2,
        version_compatible=True,
        exclude_lean_runtime=True,
        refit=True,
        timing_cache=folder / "timing.cache",
    )
    engine.save(folder / "net.engine")
    feeds = inputs(net)
    got, want = Engine.load(folder / "net.engine", trt).run(feeds), net.run(feeds)
    assert list(got) == list(want) and all(got[k].shape == want[k].shape for k in want), net.name
    return frozenset(trt.calls)


@functools.lru_cache(maxsize=None)
def recorded_calls(version: str) -> frozenset[Call]:
    calls: set[Call] = set()
    with pytest.MonkeyPatch.context() as patch, tempfile.TemporaryDirectory() as folder:
        patch.setattr(runtime, "cuda", fake_engine.host_cuda())
        for name, fn in CASES.items():
            if version == "11.4" or name not in TENSORRT_11_ONLY:
                calls |= exercise(fn(), version, Path(folder))
    return frozenset(calls)


def matches(api: manifest.Manifest, call: Call) -> str | None:
    """Why ``call`` does not fit ``api`` (None when it does)."""
    if call.kind == "call":
        method = api.method(call.owner, call.member)
        if method is None:
            return f"{call.owner}.{call.member} does not exist"
        for sig in method.overloads:
            names = {p.name for p in sig.params}
            required = {p.name for p in sig.params if p.required}
            if set(call.args) <= names and required <= set(call.args):
                return None
        return f"{call.owner}.{call.member}({', '.join(call.args)}) fits none of its overloads"
    prop = api.property(call.owner, call.member)
    if prop is None:
        return f"property {call.owner}.{call.member} does not exist"
    if call.kind == "set" and not prop.writable:
        return f"property {call.owner}.{call.member} is read-only"
    return None


@pytest.mark.parametrize("made_with", VERSIONS)
@pytest.mark.parametrize("checked_against", VERSIONS)
def test_every_call_exists_in_both_manifests(made_with, checked_against):
    api = manifest.load(checked_against)
    calls = recorded_calls(made_with)
    if api.major < manifest.load(made_with).major:
        calls = frozenset(c for c in calls if f"{c.owner}.{c.member}" not in PROBED)
    problems = sorted(filter(None, (matches(api, c) for c in calls)))
    assert problems == []


# Members used only where the bindings have them (checked with hasattr): TensorRT 11's attention API
# (trtdsl.backends.tensorrt.api.TensorRT.add_attention, the attention and KV cache update raises).
PROBED = {
    "INetworkDefinition.add_attention_v2", "IAttention.causal_kind", "IAttention.query_form",
    "IAttention.key_value_form", "IAttention.query_lengths", "IAttention.key_value_lengths",
    "CausalMaskKind.name", "AttentionIOForm.name", "IKVCacheUpdateLayer.update_form",
    "IKVCacheUpdateLayer.update_lengths",  # set only with a packed update form, refused before on 10.x
}


def test_the_calls_cover_the_builder_and_runtime_apis():
    members = {(c.owner, c.member) for c in recorded_calls("11.4")}
    for expected in [
        ("INetworkDefinition", "add_input"),
        ("INetworkDefinition", "mark_output"),
        ("ITensor", "set_dimension_name"),
        ("IBuilderConfig", "set_memory_pool_limit"),
        ("IBuilderConfig", "add_optimization_profile"),
        ("IOptimizationProfile", "set_shape"),
        ("IBuilderConfig", "set_flag"),
        ("IBuilderConfig", "builder_optimization_level"),
        ("IBuilderConfig", "progress_monitor"),
        ("IBuilderConfig", "set_timing_cache"),
        ("ITimingCache", "serialize"),
        ("ILayer", "set_input"),
        ("ILayer", "name"),
        ("Builder", "build_serialized_network"),
        ("Runtime", "deserialize_cuda_engine"),
        ("Runtime", "engine_host_code_allowed"),
        ("ICudaEngine", "get_tensor_profile_shape"),
        ("ICudaEngine", "create_execution_context"),
        ("IExecutionContext", "set_optimization_profile_async"),
        ("IExecutionContext", "set_input_shape"),
        ("IExecutionContext", "set_tensor_address"),
        ("IExecutionContext", "set_output_allocator"),
        ("IExecutionContext", "execute_async_v3"),
    ]:
        assert expected in members, expected


@pytest.mark.parametrize("version", VERSIONS)
def test_interface_subclasses_override_what_the_interface_has(version):
    """TensorRT calls an override by its name with its parameters: a misspelt method would never be called."""
    api = manifest.load(version)
    trt = standin.module(version)
    for obj, interface in [
        (LoggingLogger(trt), "ILogger"),
        (progress_monitor(trt, lambda *args: None), "IProgressMonitor"),
    ]:
        own = {
            name: fn
            for name, fn in vars(type(obj)).items()
            if callable(fn) and not name.startswith("_") and name in api.classes[interface].methods
        }
        expected = {m for m in api.classes[interface].methods if not m.startswith("__")}
        assert set(own) == expected, interface
        for name, fn in own.items():
            (signature,) = api.method(interface, name).overloads
            params = list(inspect.signature(fn).parameters)[1:]
            assert params == [p.name for p in signature.params], (interface, name)


def test_a_call_missing_from_a_manifest_is_reported():
    api = manifest.load("11.4")
    assert (
        matches(api, Call("INetworkDefinition", "add_rnn_v2", "call", ("input",)))
        == "INetworkDefinition.add_rnn_v2 does not exist"
    )
    assert (
        matches(api, Call("INetworkDefinition", "add_activation", "call", ("input",)))
        == "INetworkDefinition.add_activation(input) fits none of its overloads"
    )
    assert (
        matches(api, Call("ITensor", "is_network_input", "set", ("value",)))
        == "property ITensor.is_network_input is read-only"
    )
    # a flag TensorRT 11 removed
    assert manifest.load("10.16").enum("BuilderFlag").get("FP16") is not None
    assert "FP16" not in manifest.load("11.4").enum("BuilderFlag")


def test_every_api_of_the_version_table_is_still_used():
    """api.API_SINCE gives the release each post-10.0 API came in, and so the backend's version floor: an
    entry nothing calls any more would keep the floor too high."""
    keys = set()
    for call in recorded_calls("10.16") | recorded_calls("11.4"):
        keys.add(f"{call.owner}.{call.member}")
        keys.update(f"{call.owner}.{call.member}({arg})" for arg in call.args)
    assert sorted(set(api.API_SINCE) - keys) == []
