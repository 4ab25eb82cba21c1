"""Every TensorRT call the backend makes (lowering every case, configuring a build, raising back) exists in
the manifests of both TensorRT 10.16 and 11.4, with parameters that match one of its overloads.

The stand-in already refuses calls its own manifest does not have; this test checks the recorded calls
again, independently, against both manifests, so a call that only one version has is found even when the
lowering is run against the other."""

from __future__ import annotations

import functools
import os
import tempfile

import pytest

from backends.tensorrt.cases import CASES
from trtdsl.backends.tensorrt import build_options, lower, manifest, raise_network, standin
from trtdsl.backends.tensorrt.build import configure
from trtdsl.backends.tensorrt.standin import Call

VERSIONS = ("10.16", "11.4")


@functools.lru_cache(maxsize=None)
def recorded_calls(version: str) -> frozenset[Call]:
    calls: set[Call] = set()
    for fn in CASES.values():
        trt = standin.module(version)
        net = fn()
        lowered = lower(net, trt)
        raise_network(lowered.network, trt)
        dims = sorted({str(d) for t in net.inputs.values() for d in t.shape if not isinstance(d, int)})
        options = build_options(
            net,
            profiles=[{d: (1, 2, 4) for d in dims}] * 2,
            workspace=1 << 20,
            memory_pools={"TACTIC_SHARED_MEMORY": 1 << 16},
            optimization_level=2,
            version_compatible=True,
            exclude_lean_runtime=True,
            refit=True,
            timing_cache=os.path.join(tempfile.gettempdir(), "trtdsl-no-such-cache"),
        )
        configure(lowered.api, lowered.builder, net, options, progress=lambda *a: None)
        calls |= set(trt.calls)
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
    problems = sorted(filter(None, (matches(api, c) for c in recorded_calls(made_with))))
    assert problems == []


def test_the_calls_cover_the_builder_api():
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
        ("ILayer", "set_input"),
        ("ILayer", "name"),
    ]:
        assert expected in members


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
