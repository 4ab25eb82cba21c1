"""An adversarial catalogue: trtdsl given bad input the way a new user gives it.

Every public function of ``td``, the Network's methods, loops and conditionals, the testing kit,
quantization and shape analysis, drawing and export are called with a valid call's arguments, one
argument at a time replaced by a bad value (None, NaN, infinities, negative and huge ints, strings,
ragged and deeply nested lists, tensors of another network, names with a newline, ...). Each call must
end in a trtdsl error that names the line of this file that made the call -- or succeed, where the value
happens to be valid, and then the network must still print and run. Never a raw Python or NumPy
exception from inside trtdsl. Hand-written rows below add what the table cannot generate: invalid
networks, run-time inputs, the command line, plan files, deep nesting and 100,000-layer networks.
"""

from __future__ import annotations

import inspect
import io
import itertools
import json
import pathlib
import struct
import tempfile
import warnings
from typing import Any, Callable

import numpy as np
import pytest
from support import expect_error, line_of

import trtdsl as td
from trtdsl import nn, quantization, shapes
from trtdsl.cli import main
from trtdsl.ir.dot import draw, to_dot
from trtdsl.ir.types import Weights
from trtdsl.testing import (
    DimRange, Tolerance, compare, compare_arrays, first_divergence, random_inputs, tolerance_for,
)
from trtdsl.testing import fuzz, networks, strategies

THIS_FILE = pathlib.Path(__file__).resolve()


class Env:
    """A fresh network with inputs made on first use: ``x`` f32[2,3,4,5], ``m`` f32[2,3], ``v`` f32[3],
    ``s`` f32[], ``i`` i32[2,3], ``iv`` i32[3], ``b`` bool[2,3], ``bs`` bool[], ``n`` f32[n,3] (a named
    dim), and ``other``, a tensor of another network."""

    SPECS = {
        "x": (td.float32, (2, 3, 4, 5)), "m": (td.float32, (2, 3)), "v": (td.float32, (3,)),
        "s": (td.float32, ()), "i": (td.int32, (2, 3)), "iv": (td.int32, (3,)), "b": (td.bool, (2, 3)),
        "bs": (td.bool, ()), "n": (td.float32, ("n", 3)),
    }

    def __init__(self) -> None:
        self.net = td.Network("adv")
        self._made: dict[str, td.Tensor] = {}

    def __getattr__(self, name: str) -> Any:
        if name == "other":
            return td.Network("other").input("o", td.float32, (2, 3))
        if name not in Env.SPECS:
            raise AttributeError(name)
        if name not in self._made:
            self._made[name] = self.net.input(name, *Env.SPECS[name])
        return self._made[name]


class Inside:
    """A default argument made from values that exist only inside a loop body (its iterate ``x`` and
    carry ``c``)."""

    def __init__(self, make: Callable[[Any, Any], Any]) -> None:
        self.make = make


def ones(*shape: int) -> np.ndarray:
    return np.ones(shape, np.float32)


def _loop(e: Env, part: str, kw: dict) -> Any:
    """A loop over ``e.m`` carrying a sum, with ``kw`` as the arguments of its ``part``."""
    def args(name: str, default: dict, x: Any = None, c: Any = None) -> dict:
        given = kw if part == name else default
        return {k: (v.make(x, c) if isinstance(v, Inside) else v) for k, v in given.items()}

    with td.Loop(**args("Loop", {"trip_count": 2, "network": e.net})) as loop:
        x = loop.iterate(**args("iterate", {"x": e.m}))
        c = loop.carry(**args("carry", {"init": e.v}))
        c.update(**args("update", {"next_value": Inside(lambda x, c: c + x)}, x, c))
        out = loop.collect(**args("collect", {"value": Inside(lambda x, c: c + x)}, x, c))
        last = loop.last(**args("last", {"carry": Inside(lambda x, c: c)}, x, c))
    return out, last


def _while(e: Env, kw: dict) -> Any:
    with td.Loop(network=e.net) as loop:
        c = loop.carry(e.s)
        loop.while_(**{k: (v.make(None, c) if isinstance(v, Inside) else v) for k, v in kw.items()})
        c.update(c + 1.0)
        last = loop.last(c)
    return last


def _if(e: Env, part: str, kw: dict) -> Any:
    with td.If(**(kw if part == "If" else {"condition": e.bs})) as branch:
        out = branch.output(**(kw if part == "output" else {"then_value": e.m, "else_value": e.m}))
    return out


_PLUGIN_IDS = itertools.count()


def _data_dependent(e: Env, kw: dict) -> Any:
    """A plugin whose output size is ``td.data_dependent_dim(**kw)`` (``Inside`` values get the input's
    type), applied to ``e.v``."""
    @td.plugin(f"adversarial::positives{next(_PLUGIN_IDS)}")
    class Positives:
        def shape(self, x):
            args = {k: (v.make(x, None) if isinstance(v, Inside) else v) for k, v in kw.items()}
            return td.TensorType(x.dtype, (td.data_dependent_dim(**args),))

        def reference(self, x):
            return x[x > 0]

    return Positives()(e.v)


def _listed(value: Any) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _example(strategy: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # .example() is meant for interactive use; here it draws once
        return strategy.example()


W = ones
UNARY = ("abs arccos arccosh arcsin arcsinh arctan arctanh ceil cos cosh erf exp floor isinf isnan log "
         "negative "
         "reciprocal round sign sin sinh sqrt tan tanh relu sigmoid softsign identity shape_of hard_swish "
         "silu "
         "count_symbol").split()
BINARY = ("add divide equal floor_divide greater greater_equal less less_equal maximum minimum mod multiply "
          "not_equal power subtract").split()

# name -> (the function called with keyword arguments, given a fresh Env; a valid call's arguments)
Call = tuple[Callable[[Env], Callable[..., Any]], Callable[[Env], dict]]
CALLS: dict[str, Call] = {}


def td_call(name: str, base: Callable[[Env], dict]) -> None:
    CALLS[name] = (lambda e: getattr(td, name), base)


for _name in UNARY:
    td_call(_name, lambda e: dict(x=e.m))
for _name in BINARY:
    td_call(_name, lambda e: dict(a=e.m, b=e.m))
for _name in ("logical_and", "logical_or", "logical_xor"):
    td_call(_name, lambda e: dict(a=e.b, b=e.b))
for _name in ("max", "min", "mean", "sum", "prod"):
    td_call(_name, lambda e: dict(x=e.m, axis=1, keepdims=False))
for _name in ("argmax", "argmin"):
    td_call(_name, lambda e: dict(x=e.m, axis=1, keepdims=False, dtype=td.int32))
for _name, _base in {
    "logical_not": lambda e: dict(x=e.b),
    "elementwise": lambda e: dict(a=e.m, b=e.m, op="sum"),
    "unary": lambda e: dict(x=e.m, op="exp"),
    "activation": lambda e: dict(x=e.m, type="relu", alpha=0.0, beta=0.0),
    "clip": lambda e: dict(x=e.m, low=0.0, high=1.0),
    "elu": lambda e: dict(x=e.m, alpha=1.0),
    "gelu": lambda e: dict(x=e.m, approximate="tanh"),
    "hard_sigmoid": lambda e: dict(x=e.m, alpha=0.2, beta=0.5),
    "leaky_relu": lambda e: dict(x=e.m, alpha=0.1),
    "scaled_tanh": lambda e: dict(x=e.m, alpha=1.0, beta=1.0),
    "selu": lambda e: dict(x=e.m, alpha=1.0, gamma=1.0),
    "softplus": lambda e: dict(x=e.m, alpha=1.0, beta=1.0),
    "thresholded_relu": lambda e: dict(x=e.m, alpha=1.0),
    "log_softmax": lambda e: dict(x=e.m, axis=1),
    "softmax": lambda e: dict(x=e.m, axis=1),
    "arange": lambda e: dict(start=0, stop=5, step=1, dtype=td.int32, like=e.m),
    "avg_pool": lambda e: dict(x=e.x, window=2, stride=1, padding=0, ceil_mode=False,
                               count_include_pad=False),
    "max_pool": lambda e: dict(x=e.x, window=2, stride=1, padding=0, ceil_mode=False),
    "pool": lambda e: dict(x=e.x, type="max", window=2, stride=1, padding=0, blend_factor=0.0),
    "broadcast_to": lambda e: dict(x=e.v, shape=(2, 3)),
    "cast": lambda e: dict(x=e.m, dtype=td.int32),
    "concatenate": lambda e: dict(tensors=[e.m, e.m], axis=0),
    "stack": lambda e: dict(tensors=[e.m, e.m], axis=0),
    "split": lambda e: dict(x=e.m, indices_or_sections=3, axis=1),
    "cond": lambda e: dict(pred=e.bs, true_fn=lambda: e.m + 1.0, false_fn=lambda: e.m - 1.0),
    "conv": lambda e: dict(x=e.x, w=W(2, 3, 2, 2), b=W(2), stride=1, padding=0, dilation=1, groups=1),
    "conv_transpose": lambda e: dict(x=e.x, w=W(3, 2, 2, 2), b=W(2), stride=1, padding=0, dilation=1,
                                     groups=1),
    "cumsum": lambda e: dict(x=e.m, axis=1, exclusive=False, reverse=False),
    "dequantize": lambda e: dict(q=td.quantize(e.m, 0.5), scale=0.5, dtype=td.float32),
    "quantize": lambda e: dict(x=e.m, scale=0.5, dtype=td.int8),
    "fake_quant": lambda e: dict(x=e.m, scale=0.5, dtype=td.int8),
    "dtype": lambda e: dict(value="float32"),
    "dynamic_quantize": lambda e: dict(x=td.reshape(e.x, (2, 3, 20))[..., :16], block_shape=16),
    "dynamic_quantize_v1": lambda e: dict(x=td.reshape(e.x, (2, 3, 20))[..., :16], axis=-1, block_size=16,
                                          dtype=td.fp4, scale_dtype=td.fp8, double_quant_scale=1.0),
    "expand_dims": lambda e: dict(x=e.m, axis=0),
    "unsqueeze": lambda e: dict(x=e.m, axis=0),
    "squeeze": lambda e: dict(x=td.unsqueeze(e.m, 0), axis=0),
    "flatten": lambda e: dict(x=e.x, start_dim=1, end_dim=-1),
    "flip": lambda e: dict(x=e.m, axis=1),
    "repeat": lambda e: dict(x=e.m, repeats=2, axis=1),
    "tile": lambda e: dict(x=e.m, reps=(1, 2)),
    "fill": lambda e: dict(shape=(4,), operation="linspace", alpha=0.0, beta=1.0, dtype=td.float32, like=e.m),
    "full": lambda e: dict(shape=(2, 3), fill_value=1.0, dtype=td.float32, like=e.m),
    "full_like": lambda e: dict(x=e.m, fill_value=1.0),
    "zeros": lambda e: dict(shape=(2, 3), dtype=td.float32, like=e.m),
    "ones": lambda e: dict(shape=(2, 3), dtype=td.float32, like=e.m),
    "zeros_like": lambda e: dict(x=e.m),
    "ones_like": lambda e: dict(x=e.m),
    "random_normal": lambda e: dict(shape=(2, 3), mean=0.0, std=1.0, like=e.m),
    "random_uniform": lambda e: dict(shape=(2, 3), low=0.0, high=1.0, like=e.m),
    "fori_loop": lambda e: dict(lower=0, upper=3, body_fun=lambda i, c: c, init_val=e.m, network=e.net),
    "while_loop": lambda e: dict(cond_fun=lambda c: td.sum(c) < 10.0, body_fun=lambda c: c + 1.0,
                                 init_val=e.m, network=e.net),
    "scan": lambda e: dict(f=lambda c, x: (c + x, c), init=e.v, xs=e.m, network=e.net),
    "gather": lambda e: dict(data=e.m, indices=e.iv, axis=1),
    "gather_nd": lambda e: dict(data=e.m, indices=np.zeros((2, 2), np.int32)),
    "take": lambda e: dict(data=e.m, indices=e.iv, axis=1),
    "take_along_axis": lambda e: dict(data=e.m, indices=e.i, axis=1),
    "group_norm": lambda e: dict(x=e.x, num_groups=3, scale=W(1, 3, 1, 1), bias=W(1, 3, 1, 1)),
    "instance_norm": lambda e: dict(x=e.x, scale=W(1, 3, 1, 1), bias=W(1, 3, 1, 1)),
    "layer_norm": lambda e: dict(x=e.m, scale=W(1, 3), bias=W(1, 3), axis=-1, eps=1e-5),
    "normalization": lambda e: dict(x=e.m, scale=W(1, 3), bias=W(1, 3), axes=1, eps=1e-5),
    "batch_norm": lambda e: dict(x=e.x, mean=W(3), var=W(3), scale=W(3), bias=W(3), eps=1e-5, axis=1),
    "fold_batch_norm": lambda e: dict(conv_weights=W(2, 3, 2, 2), conv_bias=W(2), mean=W(2), var=W(2),
                                      scale=W(2), bias=W(2), eps=1e-5),
    "linear": lambda e: dict(x=e.m, w=W(4, 3), b=W(4)),
    "matmul": lambda e: dict(a=e.m, b=W(3, 2), transpose_a=False, transpose_b=False),
    "reduce": lambda e: dict(x=e.m, op="sum", axis=1, keepdims=False),
    "nonzero": lambda e: dict(x=e.m),
    "pad": lambda e: dict(x=e.m, pad_width=((0, 1), (1, 0)), mode="constant", constant_values=0),
    "padding_nd": lambda e: dict(x=e.x, pre_padding=(1, 1), post_padding=(1, 1)),
    "reshape": lambda e: dict(x=e.m, shape=(3, 2)),
    "resize": lambda e: dict(x=e.x, shape=(2, 3, 8, 10)),
    "shuffle": lambda e: dict(x=e.m, first_transpose=(1, 0), reshape=(6,), second_transpose=(0,)),
    "slice": lambda e: dict(x=e.m, start=(0, 0), size=(1, 2), stride=(1, 1)),
    "merge_heads": lambda e: dict(x=e.x),
    "split_heads": lambda e: dict(x=td.reshape(e.x, (2, 3, 20)), num_heads=4),
    "topk": lambda e: dict(x=e.m, k=2, axis=1),
    "transpose": lambda e: dict(x=e.m, perm=(1, 0)),
    "where": lambda e: dict(condition=e.b, x=e.m, y=e.m),
    "plugin": lambda e: dict(plugin_id="adv::p"),
    "registry_plugin": lambda e: dict(name="p", version="1", namespace="adv"),
    "grid_sample": lambda e: dict(x=e.x, grid=e.net.constant(np.zeros((2, 3, 3, 2), np.float32)),
                                  interpolation="linear", align_corners=False),
    "lrn": lambda e: dict(x=e.x, window=3, alpha=1e-4, beta=0.75, k=1.0),
    "nms": lambda e: dict(boxes=e.net.constant(np.zeros((1, 5, 4), np.float32)),
                          scores=e.net.constant(np.ones((1, 5, 2), np.float32)), max_output_boxes_per_class=3,
                          iou_threshold=0.5, score_threshold=0.1),
    "one_hot": lambda e: dict(indices=e.iv, depth=4, values=(0.0, 1.0), axis=-1),
    "put_along_axis": lambda e: dict(arr=e.m, indices=e.i, values=e.m, axis=1),
    "scatter_elements": lambda e: dict(data=e.m, indices=e.i, updates=e.m, axis=1),
    "scatter_nd": lambda e: dict(data=e.m, indices=np.zeros((2, 2), np.int32), updates=W(2)),
    "assert_": lambda e: dict(condition=td.shape_of(e.m) > 0, message="no empty dims"),
    "prelu": lambda e: dict(x=e.m, slope=W(1, 3)),
    "reverse_sequence": lambda e: dict(x=e.m, sequence_lens=np.array([1, 2, 2], np.int32), batch_axis=1,
                                       sequence_axis=0),
    "scale": lambda e: dict(x=e.x, shift=W(3), scale=W(3), power=W(3), mode="channel", channel_axis=1),
    # transformer layers
    "attention": lambda e: dict(query=e.x, key=e.x, value=e.x, mask=None, causal="none",
                                normalization="softmax", decomposable=False),
    "rotary_embedding": lambda e: dict(x=e.x, cos=ones(2, 4, 2), sin=ones(2, 4, 2), position_ids=None,
                                       interleaved=False, rotary_dim=4),
    "kv_cache_update": lambda e: dict(cache=e.x, update=e.x, write_indices=np.zeros(2, np.int32)),
    # LLM and multi-device layers
    "ragged_softmax": lambda e: dict(x=e.x[0], bounds=np.full((3, 4, 1), 2, np.int32)),
    "all_reduce": lambda e: dict(x=e.m, op="max", ranks=1, groups=None),
    "all_gather": lambda e: dict(x=e.m, ranks=None, groups=[0]),
    "reduce_scatter": lambda e: dict(x=e.m, op="sum", ranks=2, groups=None),
    "broadcast": lambda e: dict(x=e.m, root=0, ranks=1, groups=None),
    "reduce_to_root": lambda e: dict(x=e.m, op="min", root=1, ranks=2, groups=None),
    "all_to_all": lambda e: dict(x=e.m, ranks=1, groups=None),
    "gather_to_root": lambda e: dict(x=e.m, root=0, ranks=None, groups=[0]),
    "scatter": lambda e: dict(x=e.m, root=0, ranks=2, groups=None),
    "moe": lambda e: dict(hidden=td.reshape(e.m, (1, 2, 3)), selected_experts=np.zeros((1, 2, 1), np.int32),
                          scores=np.ones((1, 2, 1), np.float32), gate_weights=W(2, 3, 4), up_weights=W(2, 3, 4),
                          down_weights=W(2, 4, 3), gate_biases=None, up_biases=None, down_biases=None,
                          activation="silu", swiglu_limit=7.0, swiglu_alpha=1.0, swiglu_beta=0.0,
                          quantize=td.fp8, quant_scale=0.5, block_shape=None, scale_dtype=td.fp8),
    "dist_collective": lambda e: dict(x=e.m, collective="reduce", reduce_op="sum", root=0, ranks=1, groups=None),
}.items():
    td_call(_name, _base)
CALLS["einsum"] = (lambda e: lambda equation, operands: td.einsum(equation, *_listed(operands)),
                   lambda e: dict(equation="ij,jk->ik", operands=(e.m, W(3, 2))))
CALLS["data_dependent_dim"] = (lambda e: lambda **kw: _data_dependent(e, kw),
                               lambda e: dict(upper_bound=Inside(lambda x, c: x.shape[0]), opt=2, name="k"))

for _name, _call in {
    # the Network
    "Network": (lambda e: td.Network, lambda e: dict(name="n")),
    "Network.input": (lambda e: e.net.input, lambda e: dict(name="z", dtype=td.float32, shape=(2, 3))),
    "Network.output": (lambda e: e.net.output, lambda e: dict(name="y", tensor=e.m)),
    "Network.constant": (lambda e: e.net.constant,
                         lambda e: dict(values=[1.0, 2.0], dtype=td.float32, name="c")),
    "Network.add_profile": (lambda e: e.net.add_profile, lambda e: (e.n, dict(ranges={"n": (1, 2, 4)}))[1]),
    "Network.mark_output_for_shapes": (lambda e: e.net.mark_output_for_shapes,
                                       lambda e: dict(name="dims", tensor=td.shape_of(e.m))),
    "Network.set_input": (lambda e: e.net.set_input,
                          lambda e: dict(node=td.relu(e.m).producer, index=0, tensor=e.m)),
    "Network.run": (lambda e: e.net.run, lambda e: (e.net.output("y", e.m * 2.0),
                                                    dict(inputs={"m": ones(2, 3)}, backend="reference"))[1]),
    "Network.to_onnx": (lambda e: e.net.to_onnx, lambda e: (e.net.output("y", e.m * 2.0), dict(opset=17))[1]),
    "Network.format": (lambda e: e.net.format, lambda e: dict(locations=False)),
    "Tensor.reshape": (lambda e: lambda shape: e.m.reshape(shape), lambda e: dict(shape=(3, 2))),
    "Tensor.astype": (lambda e: e.m.astype, lambda e: dict(dtype=td.int32)),
    "Tensor.__getitem__": (lambda e: lambda key: e.m[key], lambda e: dict(key=(0, slice(1, 3)))),
    "Tensor.__add__": (lambda e: lambda other: e.m + other, lambda e: dict(other=1.0)),
    "Tensor.__matmul__": (lambda e: lambda other: e.m @ other, lambda e: dict(other=W(3, 2))),
    # loops and conditionals
    "Loop": (lambda e: lambda **kw: _loop(e, "Loop", kw),
             lambda e: dict(trip_count=2, network=e.net, name="l")),
    "Loop.iterate": (lambda e: lambda **kw: _loop(e, "iterate", kw),
                     lambda e: dict(x=e.m, axis=0, reverse=False)),
    "Loop.carry": (lambda e: lambda **kw: _loop(e, "carry", kw), lambda e: dict(init=e.v)),
    "Carry.update": (lambda e: lambda **kw: _loop(e, "update", kw),
                     lambda e: dict(next_value=Inside(lambda x, c: c + x))),
    "Loop.collect": (lambda e: lambda **kw: _loop(e, "collect", kw),
                     lambda e: dict(value=Inside(lambda x, c: c * 2.0), axis=0, reverse=False)),
    "Loop.last": (lambda e: lambda **kw: _loop(e, "last", kw), lambda e: dict(carry=Inside(lambda x, c: c))),
    "Loop.while_": (lambda e: lambda **kw: _while(e, kw),
                    lambda e: dict(condition=Inside(lambda x, c: c < 3.0))),
    "If": (lambda e: lambda **kw: _if(e, "If", kw), lambda e: dict(condition=e.bs, name="i")),
    "If.output": (lambda e: lambda **kw: _if(e, "output", kw),
                  lambda e: dict(then_value=e.m, else_value=ones(2, 3))),
    # the testing kit, quantization, shape analysis, drawing
    "random_inputs": (lambda e: random_inputs, lambda e: dict(network=(e.n, e.net)[1], dims={"n": 2},
                                                              values={"n": (0, 1)}, seed=0, at="opt")),
    "compare": (lambda e: compare, lambda e: (e.net.output("y", e.m * 2.0), dict(
        network=e.net, inputs={"m": ones(2, 3)}, backends=("reference", "reference"), rtol=1e-5,
        atol=0.0))[1]),
    "first_divergence": (lambda e: first_divergence, lambda e: (e.net.output("y", e.m * 2.0), dict(
        network=e.net, inputs={"m": ones(2, 3)}, backends=("reference", "reference"), rtol=1e-5))[1]),
    "compare_arrays": (lambda e: compare_arrays, lambda e: dict(name="y", want=ones(2), got=ones(2),
                                                                tolerance=Tolerance(0.0, 0.0))),
    "tolerance_for": (lambda e: tolerance_for, lambda e: dict(dtype=td.float16, rtol=1e-3, atol=None)),
    "strategies.inputs": (lambda e: lambda **kw: _example(strategies.inputs(**kw)),
                          lambda e: dict(network=(e.n, e.net)[1], dims={"n": (1, 3)}, values={"n": (0, 1)})),
    "strategies.arrays": (lambda e: lambda **kw: _example(strategies.arrays(**kw)),
                          lambda e: dict(dtype=td.float16, shape=(2, 3), min_value=-1.0, max_value=1.0)),
    "strategies.dim_size": (lambda e: lambda **kw: _example(strategies.dim_size(**kw)),
                            lambda e: dict(dim_range=DimRange(1, 2, 4))),
    "networks.networks": (lambda e: lambda **kw: _example(networks.networks(**kw)), lambda e: dict(
        ops=["unary", "loop"], dtypes=("float32",), max_layers=2, max_inputs=1, max_rank=2, max_size=2,
        dynamic_dims=True, max_depth=1, plugins=(), allow_nan=False, allow_inf=False)),
    "fuzz.fuzz": (lambda e: fuzz.fuzz, lambda e: dict(
        first="reference", second="lower-raise-11.4", count=2, seconds=5.0, seed=0,
        strategy=networks.networks(max_layers=2), progress=None)),
    "quantization.check": (lambda e: quantization.check, lambda e: (e.net.output("y", e.m * 2.0),
                                                                    dict(network=e.net))[1]),
    "shapes.classify": (lambda e: shapes.classify,
                        lambda e: (e.net.output("y", e.m * 2.0), dict(network=e.net))[1]),
    "shapes.value_of": (lambda e: shapes.value_of, lambda e: dict(t=td.shape_of(e.n))),
    "to_dot": (lambda e: to_dot, lambda e: (e.net.output("y", e.m * 2.0), dict(network=e.net))[1]),
    "Network.replace_op": (lambda e: e.net.replace_op, lambda e: dict(
        node=e.net.constant(ones(2)).producer, op=td.ops.Constant(Weights.of(np.zeros(2, np.float32))))),
    # td.nn: modules, calling them, parameters and checkpoints
    "nn.Parameter": (lambda e: nn.Parameter, lambda e: dict(shape=(2, 3), dtype=td.float32, name="p",
                                                           fill=1.0)),
    "nn.Parameter.assign": (lambda e: nn.Parameter((2, 3)).assign, lambda e: dict(values=ones(2, 3))),
    "nn.Parameter.constant": (lambda e: nn.Parameter((2, 3)).constant, lambda e: dict(network=e.net)),
    "nn.Linear": (lambda e: nn.Linear, lambda e: dict(in_features=3, out_features=2, bias=True,
                                                     dtype=td.float32)),
    "nn.Linear()": (lambda e: nn.Linear(5, 3), lambda e: dict(x=e.x)),
    "nn.Conv2d": (lambda e: nn.Conv2d, lambda e: dict(in_channels=3, out_channels=2, kernel_size=2, stride=1,
                                                       padding="same", dilation=1, groups=1, bias=True)),
    "nn.Conv2d()": (lambda e: nn.Conv2d(3, 2, 2, padding=1), lambda e: dict(x=e.x)),
    "nn.ConvTranspose2d": (lambda e: nn.ConvTranspose2d, lambda e: dict(
        in_channels=3, out_channels=2, kernel_size=2, stride=2, padding=1, output_padding=1, groups=1,
        bias=True, dilation=1)),
    "nn.ConvTranspose2d()": (lambda e: nn.ConvTranspose2d(3, 2, 2, 2), lambda e: dict(x=e.x)),
    "nn.BatchNorm2d": (lambda e: nn.BatchNorm2d, lambda e: dict(num_features=3, eps=1e-5, affine=True)),
    "nn.BatchNorm2d()": (lambda e: nn.BatchNorm2d(3), lambda e: dict(x=e.x)),
    "nn.BatchNorm2d.fold_into": (lambda e: nn.BatchNorm2d(2).fold_into,
                                 lambda e: dict(conv=nn.Conv2d(3, 2, 1))),
    "nn.LayerNorm": (lambda e: nn.LayerNorm, lambda e: dict(normalized_shape=(4, 5), eps=1e-5,
                                                           elementwise_affine=True, bias=True)),
    "nn.LayerNorm()": (lambda e: nn.LayerNorm(5), lambda e: dict(x=e.x)),
    "nn.RMSNorm": (lambda e: nn.RMSNorm, lambda e: dict(normalized_shape=5, eps=1e-6,
                                                       elementwise_affine=True)),
    "nn.RMSNorm()": (lambda e: nn.RMSNorm(5), lambda e: dict(x=e.x)),
    "nn.GroupNorm": (lambda e: nn.GroupNorm, lambda e: dict(num_groups=1, num_channels=3, eps=1e-5,
                                                           affine=True)),
    "nn.GroupNorm()": (lambda e: nn.GroupNorm(3, 3), lambda e: dict(x=e.x)),
    "nn.Embedding": (lambda e: nn.Embedding, lambda e: dict(num_embeddings=4, embedding_dim=2)),
    "nn.Embedding()": (lambda e: nn.Embedding(4, 2), lambda e: dict(ids=td.minimum(td.maximum(e.i, 0), 3))),
    "nn.Sequential[]": (lambda e: nn.Sequential(nn.Linear(2, 2)).__getitem__, lambda e: dict(index=0)),
    "nn.MultiHeadAttention": (lambda e: nn.MultiHeadAttention,
                              lambda e: dict(embed_dim=4, num_heads=2, bias=True, kv_dim=3)),
    "nn.MultiHeadAttention()": (lambda e: nn.MultiHeadAttention(5, 1), lambda e: dict(
        x=td.reshape(e.x, (2, 12, 5)), context=None, mask=np.zeros((12, 12), np.float32), causal=True)),
    "nn.scaled_dot_product_attention": (lambda e: nn.scaled_dot_product_attention, lambda e: dict(
        q=e.x, k=e.x, v=e.x, mask=None, causal=False, scale=0.5)),
    "nn.MLP": (lambda e: nn.MLP, lambda e: dict(in_features=5, hidden_features=3, out_features=None,
                                               activation="gelu", bias=True)),
    "nn.MLP()": (lambda e: nn.MLP(5, 3), lambda e: dict(x=e.x)),
    "nn.SwiGLU": (lambda e: nn.SwiGLU, lambda e: dict(dim=5, hidden_dim=3, bias=False)),
    "nn.SwiGLU()": (lambda e: nn.SwiGLU(5, 3), lambda e: dict(x=e.x)),
    "nn.TransformerBlock": (lambda e: nn.TransformerBlock, lambda e: dict(
        dim=4, num_heads=2, hidden_dim=8, norm="rms", mlp="swiglu", eps=1e-5, causal=False, bias=True)),
    "nn.TransformerBlock()": (lambda e: nn.TransformerBlock(5, 1, 8), lambda e: dict(
        x=td.reshape(e.x, (2, 12, 5)), mask=None)),
    "nn.Module.load_state_dict": (lambda e: nn.Linear(2, 2).load_state_dict, lambda e: dict(
        state_dict={"weight": ones(2, 2), "bias": ones(2)}, strict=True)),
    "nn.load": (lambda e: nn.load, lambda e: dict(path=_checkpoint())),
    "nn.save": (lambda e: nn.save, lambda e: dict(path=_checkpoint(), state_dict={"w": ones(2)})),
    "from_onnx": (lambda e: td.from_onnx, lambda e: dict(model=_onnx_model(), name="imported",
                                                         freeze={"k": np.int64(2)}, check=True)),
}.items():
    CALLS[_name] = _call


def _checkpoint() -> pathlib.Path:
    """A checkpoint file holding one array, in a folder of its own."""
    path = pathlib.Path(tempfile.mkdtemp()) / "w.npz"
    nn.save(path, {"w": ones(2)})
    return path


def _onnx_model() -> bytes:
    """A serialized ONNX model computing ``relu(x) * k`` (``k`` an int64 input cast to float)."""
    from onnx import TensorProto, helper

    nodes = [helper.make_node("Relu", ["x"], ["r"]),
             helper.make_node("Cast", ["k"], ["kf"], to=TensorProto.FLOAT),
             helper.make_node("Mul", ["r", "kf"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3]),
                                           helper.make_tensor_value_info("k", TensorProto.INT64, [])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()


def _deep_list(depth: int) -> list:
    value: list = [1.0]
    for _ in range(depth):
        value = [value]
    return value


BAD: dict[str, Callable[[Env], Any]] = {
    "None": lambda e: None,
    "nan": lambda e: float("nan"),
    "inf": lambda e: float("inf"),
    "-1": lambda e: -1,
    "2**63": lambda e: 2**63,
    "str": lambda e: "bad",
    "1.5": lambda e: 1.5,
    "True": lambda e: True,
    "ragged": lambda e: [[1, 2], [3]],
    "deep": lambda e: _deep_list(3000),
    "object": lambda e: object(),
    "foreign": lambda e: e.other,
    "newline": lambda e: "a\nb",
    "int_tensor": lambda e: e.i,
    "f64_array": lambda e: np.ones((2, 3)),
}

ROWS = [(name, arg, bad) for name, (_, base) in CALLS.items() for arg in base(Env()) for bad in BAD]


def check_outcome(call: Callable[[], Any], net: td.Network) -> str:
    """Run ``call``: a trtdsl error must name a line of this file; a success must leave a network that
    prints and runs (or fails to run with such an error). Returns "error" or "ok"."""
    try:
        result = call()
    except td.DSLError as err:
        assert_names_this_file(err)
        return "error"
    outputs = result if isinstance(result, (tuple, list)) else (result,)
    for k, out in enumerate(outputs):
        if isinstance(out, td.Tensor) and out.network is net and not out.network.outputs.get(f"out{k}"):
            net.output(f"out{k}", out)
    text = str(net)
    assert all(line.startswith(("network", "  ", "}")) for line in text.splitlines()), text
    if net.outputs:
        try:
            net.run(random_inputs(net, dims={"n": 2} if "n" in net.dim_names() else None))
        except td.DSLError as err:
            assert_names_this_file(err)
    return "ok"


def assert_names_this_file(err: td.DSLError) -> None:
    """``err`` names a line of this file, and its message starts on a first line of moderate length."""
    assert err.location is not None, f"no location: {err}"
    assert pathlib.Path(err.location.file).resolve() == THIS_FILE, f"located in {err.location}: {err}"
    first = err.message.splitlines()[0] if err.message else ""
    assert first and not first[0].isspace() and len(first) < 1000, err.message


def test_every_public_function_has_a_row():
    functions = {n for n in td.__all__ if callable(getattr(td, n)) and not inspect.isclass(getattr(td, n))}
    assert functions <= set(CALLS), sorted(functions - set(CALLS))


@pytest.mark.parametrize("name, arg, bad", ROWS, ids=[f"{n}-{a}-{b}" for n, a, b in ROWS])
def test_bad_argument(name, arg, bad):
    e = Env()
    make, base = CALLS[name]
    fn = make(e)
    kwargs = dict(base(e), **{arg: BAD[bad](e)})
    check_outcome(lambda: fn(**kwargs), e.net)


@pytest.mark.parametrize("name", CALLS)
def test_the_valid_call_succeeds(name):
    e = Env()
    make, base = CALLS[name]
    fn = make(e)
    kwargs = base(e)
    assert check_outcome(lambda: fn(**kwargs), e.net) == "ok"


# -- invalid networks, and valid input that used to be refused ------------------------------------------
def _net(*specs: tuple[str, Any, tuple]) -> tuple[td.Network, list[td.Tensor]]:
    net = td.Network("e")
    return net, [net.input(name, dtype, shape) for name, dtype, shape in specs]


def _cycle():
    net, (x,) = _net(("x", td.float32, (2,)))
    a = td.relu(x)
    b = td.relu(a, name="b")
    net.set_input(a.producer, 0, b)


def _later_input():
    net, (x,) = _net(("x", td.float32, (2,)))
    a = td.relu(x, name="a")
    net.set_input(a.producer, 0, td.sigmoid(x, name="later"))


def _while_outside():
    net, (n,) = _net(("n", td.int32, ()))
    flag = n > 0
    with td.Loop() as loop:
        k = loop.carry(n)
        loop.while_(flag)  # while outside
        k.update(k - 1)
        loop.last(k)


def _profile(ranges, *specs):
    net, _ = _net(*specs)
    return net.add_profile(ranges)


def _nested(depth: int, kind: str) -> td.Network:
    """``depth`` loops (or conditionals) nested in one another around ``x + 1``."""
    net, (x,) = _net(("x", td.float32, (2,)))

    def body(level: int, v: td.Tensor) -> td.Tensor:
        if level == 0:
            return v + 1.0
        if kind == "loop":
            return td.fori_loop(0, 1, lambda i, c: body(level - 1, c), v)
        return td.cond(td.sum(v) > 0, lambda: body(level - 1, v), lambda: v)

    net.output("y", body(depth, x))
    return net


def _relu_chain(length: int) -> td.Network:
    net, (x,) = _net(("x", td.float32, ("n", 3)))
    y = x
    for _ in range(length):
        y = td.relu(y)
    net.output("y", y)
    return net


def _plan(header: bytes, plan: bytes = b"plan") -> bytes:
    return struct.pack("<12sII", b"TRTDSL-PLAN\x00", 1, len(header)) + header + plan


def _unpack(data: bytes) -> Any:
    from trtdsl.backends.tensorrt.runtime import unpack_plan

    return unpack_plan(data, "p.engine")


_SHA = "8d20f7ab3a1c2bfb75e6d6f1ac3a8e9d6a4f0b3e1e5c7f2a9b8c4d3e2f1a0b9c"
SPECIAL = [
    # None, inf and NaN where a shape or a bound is expected
    (td.ArgumentError, "reshape: argument 'shape' is None; expected a sequence of ints (and -1 once), dims "
                       "or 0-D "
                       "integer tensors, or a 1-D integer shape tensor",
     lambda: td.reshape(_net(("x", td.float32, (2, 3)))[1][0], None)),
    (td.ArgumentError, "arange: argument 'stop' is inf; expected a finite number",
     lambda: td.arange(0, float("inf"), like=_net(("x", td.float32, (2,)))[1][0])),
    (td.ArgumentError, "arange: argument 'step' is nan; expected a finite non-zero number",
     lambda: td.arange(0.0, 1.0, float("nan"), like=_net(("x", td.float32, (2,)))[1][0])),
    (td.ShapeError, "arange: start 0, stop 1.0 and step 1e-300 give more than 9223372036854775807 elements, "
                    "TensorRT's largest dim",
     lambda: td.arange(0, 1.0, 1e-300, like=_net(("x", td.float32, (2,)))[1][0])),
    # networks that were accepted until they were exported or run
    (td.ArgumentError, "Activation[RELU]: set_input would make %b, created after layer relu_0 (at "
                       f"{THIS_FILE}:{_cycle.__code__.co_firstlineno + 3}), its input 0; a layer's inputs "
                       "must "
                       "be made before it (a cycle is not a network)", _cycle),
    (td.ArgumentError, "Network: argument 'name' is 123; expected a non-empty str of printable characters",
     lambda: td.Network(123)),
    (td.ShapeError, "input 'x': dim 9223372036854775808 in shape (9223372036854775808,) is invalid; expected "
                    "an int "
                    "in [0, 9223372036854775807] or the name of a dynamic dim",
     lambda: _net(("x", td.float32, (2**63,)))),
    (td.ShapeError, "reshape: argument 'shape' holds 9223372036854775808; a dim is at most "
                    "9223372036854775807 in "
                    "magnitude (TensorRT's dims are int64)",
     lambda: td.reshape(_net(("x", td.float32, ("n",)))[1][0], (2**63, td.Dim.symbol("n")))),
    (td.BackendError, "onnx export: network 'e' nests loops and conditionals 32 deep; an ONNX model holds at "
                      "most 31 "
                      "nested subgraphs (protobuf's parser stops at 100 nested messages)",
     lambda: _nested(32, "loop").to_onnx()),
    (td.BackendError, "onnx export: network 'e' nests loops and conditionals 33 deep; an ONNX model holds at "
                      "most 31 "
                      "nested subgraphs (protobuf's parser stops at 100 nested messages)",
     lambda: _nested(33, "if").to_onnx()),
    # accepted but wrong
    (td.ArgumentError, "Activation[RELU]: argument 'name' is 'r\\n  input %evil : f32[2]'; expected a "
                       "non-empty str of printable "
                       "characters",
     lambda: td.relu(_net(("x", td.float32, (2,)))[1][0], name="r\n  input %evil : f32[2]")),
    (td.ArgumentError, "input: argument 'name' is 'x\\x00'; expected a non-empty str of printable characters",
     lambda: _net(("x\0", td.float32, (2,)))),
    (td.ArgumentError, "add_profile: argument 'ranges' is {}; a profile of network 'e' needs named dims or "
                       "shape-tensor inputs (named dims: none; shape-tensor inputs: none)",
     lambda: _profile({}, ("x", td.float32, (2,)))),
    (td.ArgumentError, "add_profile: argument 'ranges' is {}; a profile of network 'e' needs a (min, opt, "
                       "max) for "
                       "'b' (named dims: b; shape-tensor inputs: none)",
     lambda: _profile({}, ("x", td.float32, ("b", 2)))),
    (td.ArgumentError, "random_normal: argument 'std' is -1.0; expected a standard deviation >= 0",
     lambda: td.random_normal((2,), 0.0, -1.0, like=_net(("x", td.float32, (2,)))[1][0])),
    (td.ArgumentError, "Fill[RANDOM_NORMAL]: argument 'beta' is -2.0; expected a standard deviation >= 0 "
                       "(random_normal's std)",
     lambda: td.fill((2,), "random_normal", 0.0, -2.0, like=_net(("x", td.float32, (2,)))[1][0])),
    (td.ArgumentError, "Activation[RELU]: set_input would make %later, created after layer a (at "
                       f"{THIS_FILE}:{_later_input.__code__.co_firstlineno + 3}), its input 0; a layer's "
                       "inputs "
                       "must be made before it (a cycle is not a network)", _later_input),
    # deep nesting and long chains
    (td.ShapeError, "a dim expression would nest 201 operations deep (a long chain of layers each changing a "
                    "dynamic dim); trtdsl allows at most 200: give that dim a static size",
     lambda: _dim_chain(201)),
    (td.DTypeError, "constant: argument 'values' is [[[[...]]]]; expected a number, an array, or a nested "
                    "list of "
                    "numbers with the same length at each level",
     lambda: _net()[0].constant(_deep_list(1000))),
    (td.RegionError, "fori_loop: init_val is nested more than 100 levels deep; expected Tensors (or numbers) "
                     "in "
                     "tuples, lists and dicts",
     lambda: td.fori_loop(0, 2, lambda i, c: c, _deep_tuple(_net(("x", td.float32, ()))[1][0], 101))),
    # plan files whose header has huge numbers, deep nesting or the wrong types
    (td.BackendError, "engine file p.engine is corrupted: its header is not valid",
     lambda: _unpack(_plan(b'{"plan_bytes": 1e400, "sha256": "%s"}' % _SHA.encode()))),
    (td.BackendError, "engine file p.engine is corrupted: its header is not valid",
     lambda: _unpack(_plan(b"[" * 100_000 + b"]" * 100_000))),
    (td.BackendError, "engine file p.engine is corrupted: its header is not valid",
     lambda: _unpack(_plan(b'{"plan_bytes": -4, "sha256": "x"}'))),
    (td.BackendError, "engine file p.engine is corrupted: its header is not valid",
     lambda: _unpack(_plan(b'{"plan_bytes": true, "sha256": "x"}'))),
    (td.BackendError, "engine file p.engine is corrupted: its header is not valid",
     lambda: _unpack(_plan(b'{"plan_bytes": 4, "sha256": 7}'))),
    (td.BackendError, "engine file p.engine is corrupted: its header is not valid",
     lambda: _unpack(_plan(b'{"plan_bytes": ' + b"9" * 5000 + b', "sha256": "x"}'))),
    (td.BackendError, "engine file p.engine is corrupted: its header is not valid",
     lambda: _unpack(_plan(b"\xff\xfe not utf-8"))),
    (td.BackendError, "engine file p.engine is truncated: its plan has 4 of 100000000000000000000 bytes",
     lambda: _unpack(_plan(b'{"plan_bytes": 100000000000000000000, "sha256": "x"}'))),
    (td.BackendError, "engine file p.engine is truncated inside its header",
     lambda: _unpack(struct.pack("<12sII", b"TRTDSL-PLAN\x00", 1, 2**32 - 1) + b"{}")),
]


def _dim_chain(length: int) -> td.Tensor:
    net, (x,) = _net(("x", td.float32, ("n",)))
    s = td.shape_of(x)
    for _ in range(length):
        s = s + 1
    return td.reshape(x, s)


def _deep_tuple(leaf: Any, depth: int) -> Any:
    for _ in range(depth):
        leaf = (leaf,)
    return leaf


@pytest.mark.parametrize("cls, message, build", SPECIAL, ids=[m[:50] for _, m, _ in SPECIAL])
def test_special(cls, message, build):
    expect_error(cls, message, build)


def test_a_while_condition_computed_outside_its_loop_is_a_region_error():
    expect_error(td.RegionError, "while_: the condition %greater_0 of loop 'loop_0' does not depend on its "
                 "carries, so it is the same in every iteration: the loop would run forever or not at all; "
                 "compute it from loop.carry values", _while_outside, line=line_of("while outside"))


# -- run-time inputs -----------------------------------------------------------------------------------
def _runner() -> td.Network:
    net, (x, k) = _net(("x", td.float32, ("n", 3)), ("k", td.int32, ("n",)))
    net.output("y", x * 2.0)
    net.output("j", k + 1)
    return net


GOOD_FEEDS = {"x": np.ones((2, 3), np.float32), "k": np.arange(2, dtype=np.int32)}
RUN_ERRORS = [
    ("not a dict", [GOOD_FEEDS["x"], GOOD_FEEDS["k"]]),
    ("None", None),
    ("missing", {"x": GOOD_FEEDS["x"]}),
    ("unknown name", dict(GOOD_FEEDS, z=np.ones(1))),
    ("float64", dict(GOOD_FEEDS, x=np.ones((2, 3)))),
    ("int64 for int32", dict(GOOD_FEEDS, k=np.arange(2))),
    ("ragged list", dict(GOOD_FEEDS, x=[[1.0, 2.0, 3.0], [1.0]])),
    ("deep list", dict(GOOD_FEEDS, x=_deep_list(3000))),
    ("objects", dict(GOOD_FEEDS, x=np.array([[object()] * 3] * 2))),
    ("strings", dict(GOOD_FEEDS, x=np.array([["a"] * 3] * 2))),
    ("wrong rank", dict(GOOD_FEEDS, x=np.ones((2, 3, 1), np.float32))),
    ("wrong dim", dict(GOOD_FEEDS, x=np.ones((2, 4), np.float32))),
    ("named dims disagree", dict(GOOD_FEEDS, k=np.arange(3, dtype=np.int32))),
    ("a Tensor", dict(GOOD_FEEDS, x=td.Network("o").input("o", td.float32, (2, 3)))),
    ("complex", dict(GOOD_FEEDS, x=np.ones((2, 3), np.complex64))),
]


@pytest.mark.parametrize("feeds", [f for _, f in RUN_ERRORS], ids=[i for i, _ in RUN_ERRORS])
def test_bad_run_inputs_are_input_errors(feeds):
    net = _runner()
    with pytest.raises(td.InputError) as info:
        net.run(feeds)
    assert_names_this_file(info.value)


RUN_VALID = [
    ("big-endian float32", dict(GOOD_FEEDS, x=np.ones((2, 3), ">f4") * 3)),
    ("big-endian int32", dict(GOOD_FEEDS, k=np.array([5, 6], ">i4"))),
    ("not contiguous", dict(GOOD_FEEDS, x=np.ones((3, 2), np.float32).T * 3)),
    ("read-only", dict(GOOD_FEEDS, x=np.lib.stride_tricks.as_strided(np.float32(3), (2, 3), (0, 0)))),
    ("NaN and inf values", dict(GOOD_FEEDS, x=np.array([[np.nan, np.inf, -np.inf]] * 2, np.float32))),
    ("empty", {"x": np.ones((0, 3), np.float32), "k": np.zeros(0, np.int32)}),
]


@pytest.mark.parametrize("feeds", [f for _, f in RUN_VALID], ids=[i for i, _ in RUN_VALID])
def test_valid_run_inputs_run(feeds):
    out = _runner().run(feeds)
    x, k = np.asarray(feeds["x"], np.float64), np.asarray(feeds["k"], np.int64)
    assert out["y"].dtype == np.float32 and out["j"].dtype == np.int32
    np.testing.assert_array_equal(out["y"], (x * 2).astype(np.float32))
    np.testing.assert_array_equal(out["j"], k + 1)


@pytest.mark.parametrize("backend", [None, 5, ["reference"], "nope", "REFERENCE"])
def test_unknown_backends_are_backend_errors(backend):
    with pytest.raises(td.BackendError) as info:
        _runner().run(GOOD_FEEDS, backend=backend)
    assert_names_this_file(info.value)


# -- deep nesting and long networks -------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["loop", "if"])
def test_31_nested_regions_export_and_40_run(kind):
    model = _nested(31, kind).to_onnx()  # the deepest nesting ONNX holds; the checker passes it
    assert model.graph.node
    net = _nested(40, kind)
    assert str(net).count("loop " if kind == "loop" else "if ") == 40
    np.testing.assert_array_equal(net.run({"x": np.array([1.0, 5.0], np.float32)})["y"], [2.0, 6.0])


def test_a_100k_layer_network_builds_prints_and_runs():
    net = _relu_chain(100_000)
    assert len(net.nodes) == 100_000
    assert len(str(net).splitlines()) == 100_004  # and the lines network, input, output and }
    x = np.array([[-1.0, 0.0, 2.5]] * 2, np.float32)
    np.testing.assert_array_equal(net.run({"x": x})["y"], np.maximum(x, 0))
    assert random_inputs(net, dims={"n": 3})["x"].shape == (3, 3)


def test_a_5k_layer_shape_computation_folds_without_recursion():
    net, (x,) = _net(("x", td.float32, ("n", 4)))
    s = td.shape_of(x)
    for _ in range(5_000):  # five times Python's recursion limit
        s = s * 1
    y = td.reshape(x, s)
    assert shapes.value_of(s) == x.shape and y.shape == x.shape
    assert shapes.sync_points(net) == []
    net.output("y", y)
    assert net.run({"x": np.ones((5, 4), np.float32)})["y"].shape == (5, 4)


# -- the testing kit -----------------------------------------------------------------------------------
GARBAGE = {
    "None": lambda network, feeds: None,
    "a list": lambda network, feeds: [np.ones((2, 3), np.float32)],
    "a str": lambda network, feeds: "y",
    "a ragged value": lambda network, feeds: {"y": [[1.0], [1.0, 2.0]]},
    "a deep value": lambda network, feeds: {"y": _deep_list(3000)},
}


@pytest.mark.parametrize("check", ["compare", "first_divergence"])
@pytest.mark.parametrize("garbage", GARBAGE)
def test_a_backend_returning_garbage_is_an_argument_error(check, garbage):
    net, (x,) = _net(("x", td.float32, (2, 3)))
    net.output("y", x * 2.0)
    fn = compare if check == "compare" else first_divergence
    with pytest.raises(td.ArgumentError, match=r"compare: backend '<lambda>' (returned|gave) .*expected "):
        fn(net, {"x": np.ones((2, 3), np.float32)}, backends=("reference", GARBAGE[garbage]))


@pytest.mark.parametrize("garbage", ["wrong dtype", "wrong shape", "strings", "objects"])
def test_a_backend_returning_wrong_arrays_gets_a_failed_report(garbage):
    value = {"wrong dtype": np.ones((2, 3)), "wrong shape": np.ones(7, np.float32),
             "strings": np.array([["a"] * 3] * 2), "objects": np.array([[object()] * 3] * 2)}[garbage]
    net, (x,) = _net(("x", td.float32, (2, 3)))
    net.output("y", x * 2.0)
    feeds = {"x": np.ones((2, 3), np.float32)}
    report = compare(net, feeds, backends=("reference", lambda network, inputs: {"y": value}))
    assert not report.ok and report.failures[0].problem


KIT_ERRORS = [
    (td.ArgumentError, "inputs: argument 'dims' gives 'n' = -1; expected an int >= 0, (min, max) or (min, "
                       "opt, "
                       "max) with 0 <= min <= opt <= max",
     lambda net: random_inputs(net, dims={"n": -1})),
    (td.ArgumentError, "inputs: argument 'dims' is [('n', 2)]; expected a dict of dim name -> size, (min, "
                       "max) or "
                       "(min, opt, max)",
     lambda net: random_inputs(net, dims=[("n", 2)])),
    (td.ArgumentError, "inputs: argument 'values' is 5; expected a dict of input name -> (low, high)",
     lambda net: random_inputs(net, values=5)),
    (td.ArgumentError, "inputs: argument 'values' gives 'x' = ('a', 'b'); expected (low, high), finite "
                       "numbers "
                       "with low <= high",
     lambda net: random_inputs(net, values={"x": ("a", "b")})),
    (td.ArgumentError, "inputs: argument 'values' names 3, which is not an input of network 'e'; its inputs "
                       "are "
                       "['x']",
     lambda net: random_inputs(net, values={3: (0, 1)})),
    (td.ArgumentError, "random_inputs: argument 'seed' is -1; expected an int >= 0",
     lambda net: random_inputs(net, seed=-1)),
    (td.InputError, "random_inputs: input 'x' would have shape (1099511627776, 3); trtdsl.testing draws "
                    "arrays of "
                    "at most 268435456 elements (choose smaller dims, or give the array yourself)",
     lambda net: random_inputs(net, dims={"n": 2**40})),
    (td.InputError, "inputs: input 'x' would have shape (1099511627776, 3); trtdsl.testing draws arrays of "
                    "at most "
                    "268435456 elements (choose smaller dims, or give the array yourself)",
     lambda net: strategies.inputs(net, dims={"n": 2**40})),
    (td.ArgumentError, "inputs: argument 'values' gives 'x' = None; expected (low, high), finite numbers "
                       "with low "
                       "<= high",
     lambda net: strategies.inputs(net, values={"x": None})),
    (td.ArgumentError, "arrays: argument 'shape' is (-1,); expected a tuple of ints >= 0, or a strategy of "
                       "them",
     lambda net: strategies.arrays(td.float32, (-1,))),
    (td.ArgumentError, "arrays: argument 'min_value' is nan; expected a number (or None for the dtype's "
                       "default)",
     lambda net: strategies.arrays(td.float32, (2,), min_value=float("nan"))),
    (td.ArgumentError, "random_inputs: argument 'network' is {}; expected a td.Network",
     lambda net: random_inputs({})),
    (td.ArgumentError, "compare: argument 'inputs' is 5; expected a dict of input name -> array, a list of "
                       "such "
                       "dicts, or None",
     lambda net: compare(net, 5, backends=("reference", "reference"))),
    (td.ArgumentError, "compare: argument 'backends' is 'reference'; expected at least two backends",
     lambda net: compare(net, None, backends="reference")),
    (td.ArgumentError, "first_divergence: argument 'inputs' is None; expected a dict of input name -> array",
     lambda net: first_divergence(net, None, backends=("reference", "reference"))),
    (td.ArgumentError, "compare_arrays: argument 'tolerance' is None; expected a Tolerance (see "
                       "tolerance_for)",
     lambda net: compare_arrays("y", np.ones(2), np.ones(2), None)),
    (td.DTypeError, "dtype: 'f128' is not a TensorRT data type; expected one of float32, float16, bfloat16, "
                    "int32, "
                    "int64, bool, int8, uint8, int4, float8_e4m3, float4_e2m1, e8m0",
     lambda net: tolerance_for("f128")),
]


@pytest.mark.parametrize("cls, message, build", KIT_ERRORS, ids=[m[:50] for _, m, _ in KIT_ERRORS])
def test_testing_kit_errors(cls, message, build):
    net, (x,) = _net(("x", td.float32, ("n", 3)))
    net.output("y", x * 2.0)
    expect_error(cls, message, lambda: build(net))


# -- files ---------------------------------------------------------------------------------------------
def _exported() -> td.Network:
    net, (x,) = _net(("x", td.float32, (2,)))
    net.output("y", td.relu(x))
    return net


def _engine() -> Any:
    from trtdsl.backends.tensorrt import standin
    from trtdsl.backends.tensorrt.runtime import Engine

    return Engine(b"plan", standin.module("11.4"))


SAVERS = {
    "to_onnx": ("to_onnx", lambda path: _exported().to_onnx(path)),
    "draw": ("draw", lambda path: draw(_exported(), path)),
    "Engine.save": ("save", lambda path: _engine().save(path)),
}


@pytest.mark.parametrize("saver", SAVERS)
def test_saving_into_a_missing_folder_or_onto_a_folder_is_an_argument_error(saver, tmp_path):
    fn, save = SAVERS[saver]
    suffix = ".dot" if saver == "draw" else ".out"
    missing = tmp_path / "no" / f"such{suffix}"
    expect_error(td.ArgumentError,
                 f"{fn}: cannot write '{missing}': folder '{missing.parent}' does not exist",
                 lambda: save(missing))
    folder = tmp_path / f"folder{suffix}"
    folder.mkdir()
    expect_error(td.ArgumentError, f"{fn}: cannot write '{folder}': it is a folder; give a file path",
                 lambda: save(folder))
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder.name]


@pytest.mark.parametrize("saver", SAVERS)
def test_saving_replaces_a_file_whole(saver, tmp_path):
    _, save = SAVERS[saver]
    path = tmp_path / ("net.dot" if saver == "draw" else "net.out")
    path.write_bytes(b"old")
    save(path)
    assert path.read_bytes() != b"old" and sorted(p.name for p in tmp_path.iterdir()) == [path.name]


# -- the command line ----------------------------------------------------------------------------------
MODEL = ("import trtdsl as td\nnet = td.Network('m')\n"
         "net.output('y', td.relu(net.input('x', td.float32, ('b', 3))))\n")
FILES = {
    "m.py": MODEL,
    "model.onnx": b"\x08\x07\x12\x06trtdsl",
    "model.plan": b"TRTDSL-PLAN\x00\x01",
    "binary.py": bytes(range(256)),
    "syntax.py": "x = (\n",
    "raises.py": "import trtdsl as td\n\ndef build_network():\n    return {}['missing']\n",
    "recursion.py": "def f():\n    return f()\n\nf()\n",
    "exits.py": "import sys\nsys.exit(3)\n",
    "array.npy": b"not an array",
}
CLI_ERRORS = [
    (["inspect", "{tmp}/model.onnx"], "'{tmp}/model.onnx' is not a Python file; trtdsl reads networks "
                                      "defined in "
                                      "Python (FILE.py[:NAME]) (an ONNX model is read with 'trtdsl import "
                                      "FILE.onnx')"),
    (["inspect", "{tmp}/model.plan"], "'{tmp}/model.plan' is not a Python file; trtdsl reads networks "
                                      "defined in "
                                      "Python (FILE.py[:NAME]) (an engine plan is loaded with "
                                      "trtdsl.backends.tensorrt.Engine.load where TensorRT runs)"),
    (["inspect", "{tmp}/binary.py"], "{tmp}/binary.py:1: {tmp}/binary.py is not valid Python: it holds NUL "
                                     "bytes (a "
                                     "binary file?)"),
    (["inspect", "{tmp}/syntax.py"], "{tmp}/syntax.py:1: {tmp}/syntax.py is not valid Python: '(' was never "
                                     "closed"),
    (["inspect", "{tmp}/raises.py"], "{tmp}/raises.py:4: calling {tmp}/raises.py:build_network() raised "
                                     "KeyError: "
                                     "'missing'"),
    (["inspect", "{tmp}/recursion.py"], "{tmp}/recursion.py:2: running {tmp}/recursion.py raised "
                                        "RecursionError: "
                                        "maximum recursion depth exceeded"),
    (["inspect", "{tmp}/exits.py"], "{tmp}/exits.py:2: running {tmp}/exits.py raised SystemExit: 3"),
    (["inspect", "{tmp}"], "'{tmp}' is a folder; name a Python file (FILE.py[:NAME])"),
    (["run", "{tmp}/m.py", "--dim", "b=1e11"], "--dim b=1e11 must look like NAME=SIZE, with ints >= 0"),
    (["run", "{tmp}/m.py", "--dim", f"b={2**64}"], f"--dim b={2**64}: a dim is at most 9223372036854775807"),
    (["run", "{tmp}/m.py", "--dim", "b=99999999999"],
     "random_inputs: input 'x' would have shape (99999999999, 3); trtdsl.testing draws arrays of at most "
     "268435456 "
     "elements (choose smaller dims, or give the array yourself)"),
    (["run", "{tmp}/m.py", "--seed", "-1"], "random_inputs: argument 'seed' is -1; expected an int >= 0"),
    (["run", "{tmp}/m.py", "--save", "{tmp}/no/out.npz"],
     "cannot write '{tmp}/no/out.npz': folder '{tmp}/no' does not exist"),
    (["export", "{tmp}/m.py", "-o", "{tmp}"], "cannot write '{tmp}': it is a folder; give a file path"),
    (["draw", "{tmp}/m.py", "-o", "{tmp}/no/m.dot"],
     "cannot write '{tmp}/no/m.dot': folder '{tmp}/no' does not exist"),
    (["build", "{tmp}/m.py", "-o", "{tmp}/no/m.plan"],
     "cannot write '{tmp}/no/m.plan': folder '{tmp}/no' does not exist"),
]


@pytest.fixture
def cli_files(tmp_path):
    for name, content in FILES.items():
        (tmp_path / name).write_bytes(content.encode() if isinstance(content, str) else content)
    return tmp_path


@pytest.mark.parametrize("argv, message", CLI_ERRORS, ids=[" ".join(a[:2]) + m[:30] for a, m in CLI_ERRORS])
def test_command_line_errors(cli_files, capsys, argv, message):
    assert main([a.format(tmp=cli_files) for a in argv]) == 1
    err = capsys.readouterr().err
    first = err.splitlines()[0]
    assert first.startswith(f"trtdsl {argv[0]}: error: ") and "Traceback" not in err
    assert first.endswith(message.format(tmp=cli_files)), first


def test_run_save_into_a_folder_writes_inside_it(cli_files, capsys):
    assert main(["run", str(cli_files / "m.py"), "--dim", "b=2", "--save", str(cli_files)]) == 0
    saved = np.load(cli_files / "outputs.npz")
    assert saved["y"].shape == (2, 3) and not (cli_files.parent / f"{cli_files.name}.npz").exists()
    assert capsys.readouterr().out.endswith(f"saved 1 outputs to {cli_files / 'outputs.npz'}\n")
