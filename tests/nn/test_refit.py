"""Named weights in TensorRT and refitting engines: the lowering names the weights of each parameter's
constant after its path, ``build(refittable=...)`` marks them refittable, and ``Engine.refit`` gives them
new values through TensorRT's Refitter. Checked on the stand-ins of TensorRT 10.16 and 11.4 with fake
engines (tests/backends/tensorrt/fake_engine.py: they run the lowered network on the reference, and
their refitter replaces its refittable constants), and every call against both API manifests."""

from __future__ import annotations

import numpy as np
import pytest
from backends.tensorrt import fake_engine
from backends.tensorrt.test_manifest_calls import VERSIONS, matches
from support import assert_close, expect_error

import trtdsl as td
from trtdsl import nn
from trtdsl.backends.tensorrt import build, lower, manifest, runtime, standin


@pytest.fixture(autouse=True)
def host_memory(monkeypatch):
    monkeypatch.setattr(runtime, "cuda", fake_engine.host_cuda())


def model_and_network(dtype=td.float32) -> tuple[nn.Module, td.Network]:
    model = nn.Sequential(nn.Linear(3, 4, dtype=dtype), nn.LayerNorm(4, dtype=dtype))
    net = td.Network("model")
    net.output("y", model(net.input("x", dtype, (2, 3))))
    return model, net


def formula(state: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    h = x.astype(np.float64) @ state["0.weight"].astype(np.float64).T + state["0.bias"]
    m = h.mean(-1, keepdims=True)
    normed = (h - m) / np.sqrt(((h - m) ** 2).mean(-1, keepdims=True) + 1e-5)
    return normed * state["1.weight"] + state["1.bias"]


def random_state(model: nn.Module, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {k: rng.standard_normal(v.shape).astype(v.dtype) for k, v in model.state_dict().items()}


@pytest.mark.parametrize("version", VERSIONS)
def test_the_lowering_names_the_weights_of_named_constants(version):
    model, net = model_and_network()
    net.constant(np.zeros(4, np.float32))  # unnamed: its weights keep no name
    lowered = lower(net, standin.module(version))
    assert sorted(lowered.network._state["weights_names"]) == sorted(model.state_dict())


@pytest.mark.parametrize("version", VERSIONS)
def test_a_refitted_engine_computes_with_the_new_weights(version):
    model, net = model_and_network()
    first = random_state(model, 0)
    model.load_state_dict(first)
    trt = fake_engine.fake_tensorrt(net, version, memory=fake_engine.HOST)
    engine = build(net, trt=trt, refittable=True)
    assert engine.engine._state["refittable"] == set(first)
    x = np.random.default_rng(1).standard_normal((2, 3)).astype(np.float32)
    assert_close(engine(x=x)["y"], formula(first, x).astype(np.float32), rtol=1e-5, atol=1e-5)
    second = random_state(model, 2)
    engine.refit(second)
    assert_close(engine(x=x)["y"], formula(second, x).astype(np.float32), rtol=1e-5, atol=1e-5)
    third = random_state(model, 3)
    model.load_state_dict(third)
    engine.refit(model)  # a module refits with its state_dict()
    assert_close(engine(x=x)["y"], formula(third, x).astype(np.float32), rtol=1e-5, atol=1e-5)


def test_only_the_weights_named_in_refittable_are_marked():
    model, net = model_and_network()
    trt = fake_engine.fake_tensorrt(net, "11.4", memory=fake_engine.HOST)
    engine = build(net, trt=trt, refittable=["1.weight", "0.bias"])
    assert engine.engine._state["refittable"] == {"1.weight", "0.bias"}
    expect_error(td.ArgumentError, "refit: the weights do not fit the engine (1 mismatch):\n"
                                   "  unexpected: 0.weight is not a refittable weights name of the engine",
                 lambda: engine.refit({"0.weight": np.zeros((4, 3), np.float32)}))


def test_bfloat16_weights_are_refitted_widened():
    model, net = model_and_network(td.bfloat16)
    trt = fake_engine.fake_tensorrt(net, "11.4", memory=fake_engine.HOST)
    engine = build(net, trt=trt, refittable=True)
    state = random_state(model, 4)
    engine.refit(state)
    x = np.ones((2, 3), td.bfloat16.numpy)
    got = engine(x=x)["y"].astype(np.float64)
    want = formula({k: v.astype(np.float64) for k, v in state.items()}, x)
    np.testing.assert_allclose(got, want, rtol=0.05, atol=0.05)


def test_weights_that_do_not_fit_are_listed_all():
    model, net = model_and_network()
    engine = build(net, trt=fake_engine.fake_tensorrt(net, "11.4", memory=fake_engine.HOST), refittable=True)
    expect_error(td.ArgumentError, (
        "refit: the weights do not fit the engine (4 mismatches):\n"
        "  unexpected: 2.weight is not a refittable weights name of the engine\n"
        "  wrong size: 0.bias has 3 elements; expected 4\n"
        "  wrong dtype: 0.weight is float16; expected float32\n"
        "  not an array: 1.bias is 'zero'"
    ), lambda: engine.refit({"0.weight": np.zeros((4, 3), np.float16), "0.bias": np.zeros(3, np.float32),
                             "1.bias": "zero", "2.weight": np.zeros(1, np.float32)}))
    expect_error(td.ArgumentError, "refit: argument 'weights' is [1, 2]; expected a mapping of weights names "
                                   "to arrays, or a td.nn Module", lambda: engine.refit([1, 2]))


def test_refitting_needs_refittable_weights_and_build_checks_the_names():
    model, net = model_and_network()
    trt = fake_engine.fake_tensorrt(net, "11.4", memory=fake_engine.HOST)
    engine = build(net, trt=trt)
    expect_error(td.ArgumentError, "refit: the engine has no refittable weights; build it with "
                                   "refittable=True (the named constants) or refittable=[names]",
                 lambda: engine.refit(model.state_dict()))
    expect_error(td.ArgumentError, "build: refittable names 'nope', 7, which are not named constants of "
                                   "network 'model' (0.bias, 0.weight, 1.bias, 1.weight)",
                 lambda: build(net, trt=trt, refittable=["0.bias", "nope", 7]))
    expect_error(td.ArgumentError, "build: refit=True makes every weight refittable and refittable= only "
                                   "the named ones; give one",
                 lambda: build(net, trt=trt, refit=True, refittable=True))
    plain = td.Network("plain")
    plain.output("y", td.relu(plain.input("x", td.float32, (2,))))
    expect_error(td.ArgumentError, "build: refittable=True, but network 'plain' has no named constants (the "
                                   "parameters of td.nn modules, or net.constant(values, name=...)) to refit",
                 lambda: build(plain, trt=trt, refittable=True))


def refit_calls(version: str) -> frozenset:
    model, net = model_and_network()
    trt = fake_engine.fake_tensorrt(net, version, memory=fake_engine.HOST)
    engine = build(net, trt=trt, refittable=True)
    engine.refit(random_state(model, 5))
    engine(x=np.ones((2, 3), np.float32))
    return frozenset(trt.calls)


@pytest.mark.parametrize("made_with", VERSIONS)
@pytest.mark.parametrize("checked_against", VERSIONS)
def test_every_refit_call_exists_in_both_manifests(made_with, checked_against):
    calls = refit_calls(made_with)
    members = {(c.owner, c.member) for c in calls}
    for expected in [("INetworkDefinition", "set_weights_name"),
                     ("INetworkDefinition", "mark_weights_refittable"), ("IBuilderConfig", "set_flag"),
                     ("Refitter", "__init__"), ("Refitter", "get_all_weights"),
                     ("Refitter", "get_weights_prototype"), ("Refitter", "set_named_weights"),
                     ("Refitter", "get_missing_weights"), ("Refitter", "refit_cuda_engine")]:
        assert expected in members, expected
    api = manifest.load(checked_against)
    assert sorted(filter(None, (matches(api, c) for c in calls))) == []
