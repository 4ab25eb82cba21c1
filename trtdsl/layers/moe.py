"""IMoELayer: a mixture of experts, each a gated linear unit, weighted by the router's scores.

NvInfer.h (``IMoELayer``, ``INetworkDefinition::addMoE``): hidden states ``x`` ``(B, S, H)``, the experts
selected for each token ``e`` ``(B, S, K)`` and their scores ``p`` ``(B, S, K)``; per expert the weights
``Wg``, ``Wu`` ``(E, H, I)`` and ``Wd`` ``(E, I, H)``, and optionally (all three or none) the biases ``bg``,
``bu`` ``(E, I)`` and ``bd`` ``(E, H)``. "For each token ... output_i = fcDown(fcUp(hiddenStates) *
activation(fcGate(hiddenStates)))" with "fc(x) = x * w + b", and "moeOutput = Σ(score_i * output_i)"::

    for b, s, k:                                   # token (b, s), its k-th selected expert
        n = e[b, s, k]
        gate = x[b, s] @ Wg[n] + bg[n]
        up = x[b, s] @ Wu[n] + bu[n]
        gate = np.minimum(gate, limit); up = np.clip(up, -limit, limit)
        h = gate * sigmoid(alpha * gate) * (up + beta)         # activation SILU (NONE: gate * (up + beta))
        y[b, s] += p[b, s, k] * (quantized(h) @ Wd[n] + bd[n])

The SwiGLU parameters (``setSwigluParams``; defaults limit +inf, alpha 1, beta 0, which give the plain
``silu(gate) * up``) enter as in TensorRT-LLM's SwiGLU of GPT-OSS; NvInfer.h names them without a formula
(UNCONFIRMED, as is NONE's ``gate * (up + beta)``; an engine run with non-default values would settle
them). The product ``h`` may be quantized before the down projection (``setQuantizationStatic``: Q/DQ
with a per-tensor scale to fp8 or fp4; ``setQuantizationDynamicDblQ``: a DynamicQuantize of ``h``, shape
``(B, S, K, I)``, with a block shape and a double-quantization scale, then the two DQs), with the
formulas of trtdsl's Quantize and DynamicQuantize (UNCONFIRMED like theirs). Also UNCONFIRMED: the types
(``e`` int32 or int64; ``p``, weights and biases of ``x``'s type) and the reading of an expert id outside
``[0, E)``, which the reference refuses (an ExecutionError). Sums and products are computed in float32
and rounded once to ``x``'s type. TensorRT runs the layer on SM 10.x/11.x GPUs only.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("moe")
>>> x = net.input("x", td.float32, (1, 1, 2))
>>> experts = net.constant(np.array([[[1, 0]]], np.int32))
>>> scores = net.constant(np.array([[[0.75, 0.25]]], np.float32))
>>> eye = np.stack([np.eye(2, dtype=np.float32)] * 2)           # two experts, hidden 2, intermediate 2
>>> net.output("y", td.moe(x, experts, scores, gate_weights=eye * 100, up_weights=eye,
...                        down_weights=eye * np.float32([[[1]], [[2]]])))
>>> net.run({"x": np.array([[[1.0, 2.0]]], np.float32)})["y"]          # silu(100 x) ~ 100 x
array([[[175., 700.]]], dtype=float32)
"""

from __future__ import annotations

import enum
import math
from typing import Any

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.dtypes import DType
from trtdsl.errors import ArgumentError, DTypeError, ExecutionError, ShapeError, bad_argument
from trtdsl.ir.dims import Dim, DimLike, int_tuple
from trtdsl.ir.op import Inputs, Op
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import TensorType
from trtdsl.layers._common import (
    as_array, as_tensor, enum_member, expect_tensor, finite_float, static_ints,
)
from trtdsl.layers.quantize import (
    DYNAMIC_SCALE_TYPES, _runtime_scale, block_amax, block_scales, block_sizes, expand_scale, saturate,
)

__all__ = ["MoE", "MoEActType", "moe"]

MOE_QUANTIZED: tuple[DType, ...] = (dtypes.float8_e4m3, dtypes.float4_e2m1)
"""What ``setQuantizationToType`` takes (NvInfer.h: "one of DataType::kFP8, DataType::kFP4")."""


class MoEActType(enum.Enum):
    NONE = "none"
    SILU = "silu"


def _fits(a: DimLike, b: DimLike) -> bool:
    """Two dims agree: equal, or not comparable before run time (an int and a named dim)."""
    return a == b or isinstance(a, Dim) != isinstance(b, Dim)


@attrs.frozen
class MoE(Op):
    """A mixture of gated experts (see the module). Inputs: ``hidden``, ``selected_experts``, ``scores``,
    the three weights, the three optional biases and the optional quantization scale (the static scale,
    or the double-quantization scale of dynamic quantization). ``quant_type`` None: not quantized; with an
    empty ``quant_block_shape``: static quantization; else dynamic, with scales of ``quant_scale_type``."""

    kind = "MoE"
    docs_row = (  # docs/layers.md: DSL functions, TensorRT layer, semantics that differ from NumPy, sources
        "`td.moe`",
        "`IMoELayer` (`addMoE`, `setGatedWeights`, `setGatedBiases`, `setSwigluParams`, "
        "`setQuantizationStatic`, `setQuantizationDynamicDblQ`; `MoEActType` SILU / NONE)",
        "Per token `sum_k scores[k] * (act(x @ Wg[e_k] + bg) * (x @ Wu[e_k] + bu)) @ Wd[e_k] + bd`, computed "
        "in float32. The SwiGLU limit/alpha/beta enter as GPT-OSS's SwiGLU (`min(gate, limit) * "
        "sigmoid(alpha * gate) * (clip(up, ±limit) + beta)`, *UNCONFIRMED*); the product may be quantized "
        "(static fp8/fp4 Q/DQ or dynamic block quantization) before the down projection; an expert id "
        "outside `[0, E)` fails the run (*UNCONFIRMED*). Weights, biases and the scale are raised from inputs "
        "3-9 (*UNCONFIRMED* indices). ONNX: a Gather/MatMul decomposition (unquantized only).",
        "NvInfer.h `IMoELayer`, `addMoE`",
    )
    input_dtypes = {"hidden": dtypes.FLOATS, "selected_experts": dtypes.INTEGERS}
    name_stem = "moe"
    input_names = ("hidden", "selected_experts", "scores", "gate_weights", "up_weights", "down_weights",
                   "gate_biases?", "up_biases?", "down_biases?", "quant_scale?")
    activation: MoEActType = MoEActType.SILU
    swiglu_limit: float = math.inf
    swiglu_alpha: float = 1.0
    swiglu_beta: float = 0.0
    quant_type: DType | None = None
    quant_block_shape: tuple[int, ...] = attrs.field(default=(), converter=int_tuple)
    quant_scale_type: DType | None = None

    def label(self) -> str:
        quant = "" if self.quant_type is None else f",{self.quant_type.short}"
        return f"MoE[{self.activation.name}{quant}]"

    def attributes(self) -> dict[str, object]:
        defaults = {"swiglu_limit": math.inf, "swiglu_alpha": 1.0, "swiglu_beta": 0.0}
        shown: dict[str, object] = {k: getattr(self, k) for k, d in defaults.items() if getattr(self, k) != d}
        if self.quant_block_shape:
            shown["quant_block_shape"] = self.quant_block_shape
            shown["quant_scale_type"] = self.quant_scale_type
        return shown

    def infer(self, inputs: Inputs) -> tuple[TensorType, ...]:
        hidden, experts, scores, gate_w, up_w, down_w = inputs
        gate_b, up_b, down_b, scale = inputs.all[6:]
        label = self.label()
        self._check_parameters(label)
        if hidden.rank != 3:
            raise ShapeError(f"{label}: input 'hidden' has shape {hidden.shape_text}; expected (batch, seq, "
                             "hidden): NvInfer.h addMoE")
        batch, seq, size = hidden.shape
        if experts.rank != 3 or not (_fits(experts.shape[0], batch) and _fits(experts.shape[1], seq)):
            raise ShapeError(f"{label}: input 'selected_experts' has shape {experts.shape_text}; expected "
                             f"({batch}, {seq}, top_k), the experts of each token of hidden {hidden.shape_text}")
        top_k = experts.shape[2]
        self._same(label, "scores", scores, hidden.dtype, (batch, seq, top_k))
        self._same(label, "gate_weights", gate_w, hidden.dtype, (None, size, None))
        count, inter = gate_w.shape[0], gate_w.shape[2]
        self._same(label, "up_weights", up_w, hidden.dtype, (count, size, inter))
        self._same(label, "down_weights", down_w, hidden.dtype, (count, inter, size))
        biases = (gate_b, up_b, down_b)
        if any(b is not None for b in biases) and any(b is None for b in biases):
            raise ShapeError(f"{label}: gives {sum(b is not None for b in biases)} of the 3 biases; NvInfer.h "
                             "IMoELayer: set all the biases or none of them")
        if gate_b is not None and up_b is not None and down_b is not None:
            self._same(label, "gate_biases", gate_b, hidden.dtype, (count, inter))
            self._same(label, "up_biases", up_b, hidden.dtype, (count, inter))
            self._same(label, "down_biases", down_b, hidden.dtype, (count, size))
        self._check_quantization(label, scale, hidden.dtype, (batch, seq, top_k, inter))
        return (hidden,)

    def _check_parameters(self, label: str) -> None:
        if math.isnan(self.swiglu_limit) or self.swiglu_limit <= 0:
            raise bad_argument(label, "swiglu_limit", self.swiglu_limit, "a float > 0 (+inf: no limit)")
        for arg in ("swiglu_alpha", "swiglu_beta"):
            if not math.isfinite(getattr(self, arg)):
                raise bad_argument(label, arg, getattr(self, arg), "a finite float")
        if self.quant_type is not None and self.quant_type not in MOE_QUANTIZED:
            raise DTypeError(f"{label}: quant_type is {self.quant_type!r}; expected one of float8_e4m3, "
                             "float4_e2m1 (NvInfer.h IMoELayer::setQuantizationToType)")

    @staticmethod
    def _same(label: str, arg: str, ty: TensorType | None, dtype: DType,
              shape: tuple[DimLike | None, ...]) -> None:
        assert ty is not None
        if ty.dtype is not dtype:
            raise DTypeError(f"{label}: input '{arg}' has dtype {ty.dtype.name}; expected {dtype.name}, the "
                             "dtype of hidden")
        if ty.rank != len(shape) or not all(w is None or _fits(d, w) for d, w in zip(ty.shape, shape)):
            want = ", ".join("?" if w is None else str(w) for w in shape)
            raise ShapeError(f"{label}: input '{arg}' has shape {ty.shape_text}; expected ({want})")

    def _check_quantization(self, label: str, scale: TensorType | None, dtype: DType,
                            product: tuple[DimLike, ...]) -> None:
        if self.quant_type is None:
            if scale is not None or self.quant_block_shape or self.quant_scale_type is not None:
                raise ShapeError(f"{label}: has a quantization scale, block shape or scale type but no "
                                 "quant_type; expected all of them or none")
            return
        if scale is None:
            raise ShapeError(f"{label}: quantizes to {self.quant_type.name} but has no input 'quant_scale'")
        if scale.dtype is not dtypes.float32 or scale.rank != 0:
            raise ShapeError(f"{label}: input 'quant_scale' is {scale}; expected a 0-D float32 scale")
        if not self.quant_block_shape:
            if self.quant_scale_type is not None:
                raise ShapeError(f"{label}: has a quant_scale_type but no quant_block_shape; static "
                                 "quantization takes neither")
            return
        if self.quant_scale_type not in DYNAMIC_SCALE_TYPES:
            raise DTypeError(f"{label}: quant_scale_type is {self.quant_scale_type!r}; expected one of "
                             "float8_e4m3, e8m0, float32")
        if len(self.quant_block_shape) != 4:
            raise ShapeError(f"{label}: quant_block_shape is {self.quant_block_shape}; expected 4 block sizes, "
                             "for (batch, seq, top_k, intermediate): NvInfer.h setQuantizationBlockShape")
        block_sizes(label, self.quant_block_shape, TensorType(dtype, product))

    def reference(self, hidden: np.ndarray, experts: np.ndarray, scores: np.ndarray, gate_w: np.ndarray,
                  up_w: np.ndarray, down_w: np.ndarray, gate_b: np.ndarray | None = None,
                  up_b: np.ndarray | None = None, down_b: np.ndarray | None = None,
                  quant_scale: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
        count = gate_w.shape[0]
        bad = (experts < 0) | (experts >= count)
        if bad.any():
            where = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ExecutionError(f"{self.label()}: selected_experts{list(where)} is {int(experts[where])}; "
                                 f"expected an expert id in [0, {count - 1}]")
        f32 = np.float32
        batch, seq, top_k = experts.shape
        ids = experts.reshape(-1).astype(np.int64)  # the expert of each (token, k), in that order
        groups = _rows_by_expert(ids, count)
        x = np.repeat(hidden.astype(f32).reshape(batch * seq, -1), top_k, axis=0)  # (B * S * K, H)

        def project(x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> np.ndarray:
            return _expert_products(x, w, b, groups)                      # (B * S * K, out)

        gate, up = project(x, gate_w, gate_b), project(x, up_w, up_b)
        gate = np.minimum(gate, f32(self.swiglu_limit))
        up = np.clip(up, f32(-self.swiglu_limit), f32(self.swiglu_limit))
        if self.activation is MoEActType.SILU:
            gate = gate / (1 + np.exp(-f32(self.swiglu_alpha) * gate))
        product = (gate * (up + f32(self.swiglu_beta))).astype(f32).reshape(batch, seq, top_k, -1)
        if self.quant_type is not None:
            assert quant_scale is not None
            product = self._quantized(product, _runtime_scale(self.label(), quant_scale, zero_ok=False))
        down = project(product.reshape(len(ids), -1), down_w, down_b).reshape(batch, seq, top_k, -1)
        out = np.sum(scores.astype(f32)[..., None] * down, axis=2)
        return (out.astype(hidden.dtype),)

    def _quantized(self, h: np.ndarray, scale: np.ndarray) -> np.ndarray:
        """``h`` after Q/DQ (static) or DynamicQuantize and its two DQs (dynamic)."""
        assert self.quant_type is not None
        if not self.quant_block_shape:
            return saturate(h / scale, self.quant_type).astype(np.float32) * scale
        assert self.quant_scale_type is not None
        sizes = [n if b == -1 else b for n, b in zip(h.shape, self.quant_block_shape)]
        scales = block_scales(block_amax(np.abs(h), sizes), scale, self.quant_type, self.quant_scale_type)
        step = expand_scale(scales.astype(np.float32) * scale, h.shape, -1, self.quant_block_shape)
        ratio = np.where(step == 0, np.float32(0), h / np.where(step == 0, np.float32(1), step))
        return saturate(ratio, self.quant_type).astype(np.float32) * step


def _rows_by_expert(ids: np.ndarray, count: int) -> list[tuple[int, np.ndarray]]:
    """``(expert, rows)`` for each of the ``count`` experts that ``ids`` (one id per row) selects: the rows
    of that expert, in increasing order."""
    order = np.argsort(ids, kind="stable")
    bounds = np.searchsorted(ids[order], np.arange(count + 1))
    return [(e, order[bounds[e]:bounds[e + 1]]) for e in range(count) if bounds[e] < bounds[e + 1]]


def _expert_products(x: np.ndarray, w: np.ndarray, b: np.ndarray | None,
                     groups: list[tuple[int, np.ndarray]]) -> np.ndarray:
    """``x[i] @ w[e] + b[e]`` (float32) for each row ``i`` of ``x``, ``e`` its expert: one product per expert
    over its rows (``groups``, from :func:`_rows_by_expert`), where gathering a weight matrix per row took
    (rows, in, out) values (256 tokens, 2 experts each, 512 by 1024: a gigabyte, 694 ms against 9.6 ms).
    BLAS sums each row's dot products in its own order for a product of several rows: results agree with
    one row's product within float32 rounding."""
    out = np.empty((len(x), w.shape[-1]), np.float32)
    for e, rows in groups:
        y = x[rows] @ w[e].astype(np.float32)
        if b is not None:
            y += b[e].astype(np.float32)
        out[rows] = y
    return out


def moe(hidden: Tensor, selected_experts: Any, scores: Any, *, gate_weights: Any, up_weights: Any,
        down_weights: Any, gate_biases: Any = None, up_biases: Any = None, down_biases: Any = None,
        activation: Any = "silu", swiglu_limit: float = math.inf, swiglu_alpha: float = 1.0,
        swiglu_beta: float = 0.0, quantize: Any = None, quant_scale: Any = None,
        block_shape: Any = None, scale_dtype: Any = dtypes.float8_e4m3, name: str | None = None) -> Tensor:
    """``sum_k scores[..., k] * FFN_{e_k}(hidden)`` over the ``top_k`` experts selected for each token, as
    one IMoELayer (see the module for the formula); each expert ``n`` is the gated unit
    ``(silu(x @ gate_weights[n] + gate_biases[n]) * (x @ up_weights[n] + up_biases[n])) @ down_weights[n]
    + down_biases[n]``. Weights and biases are tensors or arrays (constants) of ``hidden``'s dtype;
    ``selected_experts`` int32/int64 ids and ``scores`` have shape ``(batch, seq, top_k)``.

    ``activation`` is "silu" or "none"; ``swiglu_limit``, ``swiglu_alpha`` and ``swiglu_beta`` clamp and
    shape the gated unit (GPT-OSS's SwiGLU). ``quantize=td.fp8`` or ``td.fp4`` quantizes the gated product
    before the down projection: with a per-tensor ``quant_scale`` (static), or, with a ``block_shape`` of 4
    entries for (batch, seq, top_k, intermediate), dynamically with ``quant_scale`` the double-quantization
    scale and scales of ``scale_dtype``.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("moe")
    >>> x = net.input("x", td.float32, (1, 2, 4))
    >>> experts = net.input("experts", td.int32, (1, 2, 1))
    >>> w = np.random.default_rng(0).standard_normal((3, 4, 4)).astype(np.float32)
    >>> net.output("y", td.moe(x, experts, np.ones((1, 2, 1), np.float32),
    ...                        gate_weights=w, up_weights=w, down_weights=w))
    >>> feeds = {"x": np.ones((1, 2, 4), np.float32), "experts": np.array([[[2], [2]]], np.int32)}
    >>> y = net.run(feeds)["y"]
    >>> g = feeds["x"][0, 0] @ w[2]
    >>> bool(np.allclose(y[0, 1], (g / (1 + np.exp(-g)) * g) @ w[2], rtol=1e-5))
    True
    """
    fn = "moe"
    x = expect_tensor(fn, "hidden", hidden)
    e = selected_experts if isinstance(selected_experts, Tensor) else x.network.constant(
        as_array(fn, "selected_experts", selected_experts, dtypes.int32))
    tensors = [as_tensor(fn, arg, value, x) for arg, value in (
        ("scores", scores), ("gate_weights", gate_weights), ("up_weights", up_weights),
        ("down_weights", down_weights))]
    given = [(arg, v) for arg, v in (("gate_biases", gate_biases), ("up_biases", up_biases),
                                     ("down_biases", down_biases)) if v is not None]
    biases = [as_tensor(fn, arg, v, x) for arg, v in given] if given else [None, None, None]
    if given and len(given) != 3:
        missing = [arg for arg in ("gate_biases", "up_biases", "down_biases") if arg not in dict(given)]
        raise ArgumentError(f"{fn}: {' and '.join(arg for arg, _ in given)} given without "
                            f"{' and '.join(missing)}; give all three biases or none of them")
    act = enum_member(fn, "activation", activation, MoEActType)
    unlimited = isinstance(swiglu_limit, (float, np.floating)) and swiglu_limit == math.inf
    limit = math.inf if unlimited else finite_float(fn, "swiglu_limit", swiglu_limit)
    alpha, beta = (finite_float(fn, arg, v) for arg, v in (("swiglu_alpha", swiglu_alpha),
                                                           ("swiglu_beta", swiglu_beta)))
    quant_type: DType | None = None
    scale: Tensor | None = None
    blocks: tuple[int, ...] = ()
    scale_type: DType | None = None
    if quantize is not None:
        quant_type = dtypes.dtype(quantize)
        if quant_scale is None:
            raise bad_argument(fn, "quant_scale", None, f"a scale (a positive float32 number or 0-D tensor) "
                               f"for quantize={quant_type.name}")
        scale = quant_scale if isinstance(quant_scale, Tensor) else x.network.constant(
            as_array(fn, "quant_scale", quant_scale, dtypes.float32))
        if block_shape is not None:
            blocks, scale_type = static_ints(fn, "block_shape", block_shape, 4), dtypes.dtype(scale_dtype)
    elif quant_scale is not None or block_shape is not None:
        raise bad_argument(fn, "quantize", None, "a quantized type (td.fp8, td.fp4) when quant_scale or "
                           "block_shape is given")
    op = MoE(act, limit, alpha, beta, quant_type, blocks, scale_type)
    inputs = [x, e, *tensors, *biases, scale]
    while inputs[-1] is None:  # optional inputs left out at the end
        inputs.pop()
    return x.network.add1(op, tuple(inputs), name=name)

