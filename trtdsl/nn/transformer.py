"""Transformer modules: scaled dot-product attention, MultiHeadAttention, MLP, SwiGLU and a pre-norm
TransformerBlock.

Attention is computed in :func:`scaled_dot_product_attention`, the one place :class:`MultiHeadAttention`
computes it: on 4-D ``(B, N, S, D)`` inputs it is TensorRT's attention layer (``IAttention``,
:func:`trtdsl.attention`), on other ranks (and a mask together with ``causal``) MatrixMultiply,
ElementWise, SoftMax and MatrixMultiply layers.

Parameter names follow the common PyTorch checkpoints: ``q_proj``, ``k_proj``, ``v_proj``, ``out_proj``
(separate projections, as in Hugging Face models; ``torch.nn.MultiheadAttention``'s packed
``in_proj_weight`` is its three ``weight`` s stacked: split it with ``np.split(w, 3)``), ``fc1``/``fc2``
for the MLP, ``gate_proj``/``up_proj``/``down_proj`` for SwiGLU (LLaMA's).
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from trtdsl import dtypes
from trtdsl.dtypes import DType
from trtdsl.errors import ShapeError, bad_argument
from trtdsl.ir.tensor import Tensor
from trtdsl.layers._common import array_of, as_tensor, expect_tensor
from trtdsl.layers.activation import gelu, relu
from trtdsl.layers.attention import attention
from trtdsl.layers.elementwise import add, multiply
from trtdsl.layers.fill import broadcast_to
from trtdsl.layers.matmul import matmul
from trtdsl.layers.neural import merge_heads, silu, split_heads
from trtdsl.layers.reduce import reduce
from trtdsl.layers.select import where
from trtdsl.layers.softmax import softmax
from trtdsl.layers.squeeze import unsqueeze
from trtdsl.nn.layers import LayerNorm, Linear, RMSNorm, flag, float_dtype, positive
from trtdsl.nn.module import Module

__all__ = ["MLP", "MultiHeadAttention", "SwiGLU", "TransformerBlock", "scaled_dot_product_attention"]


def scaled_dot_product_attention(q: Tensor, k: Tensor, v: Tensor, mask: Any = None, *, causal: bool = False,
                                 scale: float | None = None) -> Tensor:
    """``softmax(q @ k.T * scale + mask) @ v`` over the last two dims (``torch.nn.functional.
    scaled_dot_product_attention``): ``q`` is ``(..., Sq, D)``, ``k`` ``(..., Sk, D)``, ``v`` ``(..., Sk,
    Dv)``; ``scale`` defaults to ``1 / sqrt(D)``. ``mask`` broadcasts to ``(..., Sq, Sk)``: a bool mask
    keeps the scores where it is True (the others get -inf), a float mask is added. ``causal`` lets query
    ``i`` see keys ``0..i`` (PyTorch's ``is_causal``, aligned at the top left).

    With 4-D ``(B, N, S, D)`` inputs (as :class:`MultiHeadAttention` makes them) this is TensorRT's
    attention layer, :func:`trtdsl.attention`, on ``q * scale`` (the layer has no scale of its own), with
    ``causal`` as its UPPER_LEFT mask and the mask brought to rank 4 with leading 1s (and broadcast to
    ``(Sq, Sk)`` in its last two dims, which the layer needs whole). Other ranks, and a
    mask together with ``causal`` (which the layer does not take), are written out as matrix products and
    a softmax (then ``causal`` needs static Sq and Sk). Either way a query whose keys are all masked gets
    0, as the layer gives it (PyTorch's softmax gives NaN there).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("sdpa")
    >>> q = net.input("q", td.float32, (2, 1))
    >>> kv = net.constant(np.float32([[0], [10]]))
    >>> net.output("y", td.nn.scaled_dot_product_attention(q, kv, kv, causal=True))
    >>> net.run({"q": np.float32([[1], [0]])})["y"].ravel()   # query 0 sees key 0 only
    array([0., 5.], dtype=float32)
    """
    fn = "scaled_dot_product_attention"
    q, k, v = (expect_tensor(fn, arg, t) for arg, t in (("q", q), ("k", k), ("v", v)))
    if q.ndim < 2:
        raise ShapeError(f"{fn}: argument 'q' has shape {q.type.shape_text}; expected rank >= 2, "
                         "(..., Sq, D)")
    depth = q.shape[-1]
    if scale is None:
        if not isinstance(depth, int):
            raise ShapeError(f"{fn}: q's last dim is dynamic ({depth}); give scale=")
        factor = 1.0 / math.sqrt(depth)
    elif isinstance(scale, bool) or not isinstance(scale, (int, float, np.floating)) \
            or not np.isfinite(scale):
        raise bad_argument(fn, "scale", scale, "a finite float, or None for 1 / sqrt(D)")
    else:
        factor = float(scale)
    causal = flag(fn, "causal", causal)
    if q.ndim == k.ndim == v.ndim == 4 and not (causal and mask is not None):
        return attention(q * factor, k, v, mask=None if mask is None else _rank4_mask(fn, mask, q, k),
                         causal="upper_left" if causal else "none")
    scores = matmul(q, k, transpose_b=True) * factor
    if causal:
        sq, sk = scores.shape[-2:]
        if not isinstance(sq, int) or not isinstance(sk, int):
            raise ShapeError(f"{fn}: causal=True needs static sequence lengths; the scores are "
                             f"{scores.type.shape_text} (give a mask instead)")
        allowed = np.tril(np.ones((sq, sk), bool)).reshape((1,) * (scores.ndim - 2) + (sq, sk))
        scores = where(allowed, scores, -np.inf)
    if mask is None:
        return matmul(softmax(scores, -1), v)
    if isinstance(mask, Tensor):
        is_bool = mask.dtype is dtypes.bool_
    else:
        is_bool = array_of(fn, "mask", mask).dtype == bool
    scores = where(mask, scores, -np.inf) if is_bool else add(scores, mask)
    # a query whose keys are all masked attends nothing: 0, as the attention layer gives it (softmax: NaN)
    blocked = reduce(scores, "max", -1, keepdims=True) == -np.inf
    return matmul(where(blocked, 0.0, softmax(scores, -1)), v)


def _rank4_mask(fn: str, mask: Any, like: Tensor, keys: Tensor) -> Tensor:
    """``mask`` as a rank-4 tensor of ``like``'s network (leading 1s added) whose last two dims are the
    scores' ``(Sq, Skv)``, as TensorRT's attention layer takes it (a padding mask ``(B, 1, 1, Skv)`` is
    broadcast along Sq): a bool mask stays bool, any other becomes ``like``'s dtype."""
    if isinstance(mask, Tensor):
        tensor = mask
    elif (array := array_of(fn, "mask", mask)).dtype == bool:
        tensor = like.network.constant(array.reshape((1,) * max(4 - array.ndim, 0) + array.shape))
    else:
        tensor = as_tensor(fn, "mask", mask, like, rank=4)
    tensor = unsqueeze(tensor, list(range(4 - tensor.ndim))) if tensor.ndim < 4 else tensor
    scores = (like.shape[-2], keys.shape[-2])
    wanted = tuple(s if d == 1 else d for d, s in zip(tensor.shape[-2:], scores))
    return tensor if wanted == tensor.shape[-2:] else broadcast_to(tensor, tensor.shape[:2] + wanted)


class MultiHeadAttention(Module):
    """Multi-head attention: ``out_proj(merge_heads(sdpa(split_heads(q_proj(x)), split_heads(k_proj(c)),
    split_heads(v_proj(c)))))`` with ``c`` the ``context`` (``x`` itself for self-attention), each
    projection a :class:`~trtdsl.nn.Linear` of ``embed_dim`` outputs (``kv_dim`` inputs for ``k_proj``
    and ``v_proj``), and ``sdpa`` :func:`scaled_dot_product_attention` over ``num_heads`` heads of
    ``embed_dim / num_heads``. ``x`` is ``(batch, seq, embed_dim)``.

    >>> import numpy as np, trtdsl as td
    >>> attn = td.nn.MultiHeadAttention(4, num_heads=2)
    >>> sorted(attn.state_dict())[:3]
    ['k_proj.bias', 'k_proj.weight', 'out_proj.bias']
    >>> net = td.Network("mha")
    >>> y = attn(net.input("x", td.float32, ("batch", "seq", 4)))
    >>> y.shape
    (Dim('batch'), Dim('seq'), 4)
    """

    def __init__(self, embed_dim: int, num_heads: int, bias: bool = True, *, kv_dim: int | None = None,
                 dtype: DType | str | Any = dtypes.float32) -> None:
        super().__init__()
        self.embed_dim = positive("MultiHeadAttention", "embed_dim", embed_dim)
        self.num_heads = positive("MultiHeadAttention", "num_heads", num_heads)
        if self.embed_dim % self.num_heads:
            raise bad_argument("MultiHeadAttention", "num_heads", num_heads,
                               f"a divisor of embed_dim ({self.embed_dim})")
        kv = self.embed_dim if kv_dim is None else positive("MultiHeadAttention", "kv_dim", kv_dim)
        dt = float_dtype("MultiHeadAttention", dtype)
        self.q_proj = Linear(self.embed_dim, self.embed_dim, bias, dtype=dt)
        self.k_proj = Linear(kv, self.embed_dim, bias, dtype=dt)
        self.v_proj = Linear(kv, self.embed_dim, bias, dtype=dt)
        self.out_proj = Linear(self.embed_dim, self.embed_dim, bias, dtype=dt)

    def forward(self, x: Tensor, context: Tensor | None = None, mask: Any = None,
                causal: bool = False) -> Tensor:
        x = expect_tensor("MultiHeadAttention", "x", x)
        c = x if context is None else expect_tensor("MultiHeadAttention", "context", context)
        for arg, t in (("x", x), ("context", c)):
            if t.ndim != 3:
                raise ShapeError(f"MultiHeadAttention: argument {arg!r} has shape {t.type.shape_text}; "
                                 "expected (batch, seq, features)")
        q, k, v = (split_heads(proj(t), self.num_heads) for proj, t in ((self.q_proj, x), (self.k_proj, c),
                                                                         (self.v_proj, c)))
        y: Tensor = self.out_proj(merge_heads(scaled_dot_product_attention(q, k, v, mask, causal=causal)))
        return y


_ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "gelu": gelu,
    "gelu_tanh": lambda x: gelu(x, approximate="tanh"),
    "relu": relu,
    "silu": silu,
}


class MLP(Module):
    """``fc2(activation(fc1(x)))``: two :class:`~trtdsl.nn.Linear` s with ``activation`` between them,
    ``"gelu"`` (erf), ``"gelu_tanh"``, ``"relu"`` or ``"silu"``.

    >>> import numpy as np, trtdsl as td
    >>> mlp = td.nn.MLP(2, 3, activation="relu")
    >>> [(k, v.shape) for k, v in mlp.state_dict().items()]
    [('fc1.weight', (3, 2)), ('fc1.bias', (3,)), ('fc2.weight', (2, 3)), ('fc2.bias', (2,))]
    """

    def __init__(self, in_features: int, hidden_features: int, out_features: int | None = None,
                 activation: str = "gelu", bias: bool = True, *,
                 dtype: DType | str | Any = dtypes.float32) -> None:
        super().__init__()
        if not isinstance(activation, str) or activation not in _ACTIVATIONS:
            raise bad_argument("MLP", "activation", activation,
                               f"one of {', '.join(map(repr, _ACTIVATIONS))}")
        self.activation = activation
        out = in_features if out_features is None else out_features
        self.fc1 = Linear(in_features, hidden_features, bias, dtype=dtype)
        self.fc2 = Linear(hidden_features, out, bias, dtype=dtype)

    def forward(self, x: Tensor) -> Tensor:
        y: Tensor = self.fc2(_ACTIVATIONS[self.activation](self.fc1(x)))
        return y


class SwiGLU(Module):
    """``down_proj(silu(gate_proj(x)) * up_proj(x))``, the gated feed-forward of LLaMA-style models (three
    :class:`~trtdsl.nn.Linear` s without bias by default).

    >>> import trtdsl as td
    >>> sorted(td.nn.SwiGLU(4, 8).state_dict())
    ['down_proj.weight', 'gate_proj.weight', 'up_proj.weight']
    """

    def __init__(self, dim: int, hidden_dim: int, bias: bool = False, *,
                 dtype: DType | str | Any = dtypes.float32) -> None:
        super().__init__()
        self.gate_proj = Linear(dim, hidden_dim, bias, dtype=dtype)
        self.up_proj = Linear(dim, hidden_dim, bias, dtype=dtype)
        self.down_proj = Linear(hidden_dim, dim, bias, dtype=dtype)

    def forward(self, x: Tensor) -> Tensor:
        y: Tensor = self.down_proj(multiply(silu(self.gate_proj(x)), self.up_proj(x)))
        return y


class TransformerBlock(Module):
    """A pre-norm transformer block: ``x = x + attn(norm1(x)); x = x + mlp(norm2(x))``, with
    :class:`~trtdsl.nn.LayerNorm` s (``norm="layer"``) or :class:`~trtdsl.nn.RMSNorm` s (``"rms"``), a
    :class:`MultiHeadAttention` (``causal`` for a decoder) and an :class:`MLP` (``mlp="gelu"``, ...) or a
    :class:`SwiGLU` (``mlp="swiglu"``) of ``hidden_dim``.

    >>> import trtdsl as td
    >>> block = td.nn.TransformerBlock(8, num_heads=2, hidden_dim=16, norm="rms", mlp="swiglu")
    >>> [name for name, _ in block.named_modules()][1:]
    ['norm1', 'attn', 'attn.q_proj', 'attn.k_proj', 'attn.v_proj', 'attn.out_proj', 'norm2', 'mlp', \
'mlp.gate_proj', 'mlp.up_proj', 'mlp.down_proj']
    """

    def __init__(self, dim: int, num_heads: int, hidden_dim: int, *, norm: str = "layer", mlp: str = "gelu",
                 eps: float = 1e-5, causal: bool = False, bias: bool = True,
                 dtype: DType | str | Any = dtypes.float32) -> None:
        super().__init__()
        norms: dict[str, Callable[[], Module]] = {
            "layer": lambda: LayerNorm(dim, eps, dtype=dtype), "rms": lambda: RMSNorm(dim, eps, dtype=dtype)}
        if not isinstance(norm, str) or norm not in norms:
            raise bad_argument("TransformerBlock", "norm", norm, "'layer' or 'rms'")
        if not isinstance(mlp, str) or mlp not in (*_ACTIVATIONS, "swiglu"):
            raise bad_argument("TransformerBlock", "mlp", mlp,
                               f"one of {', '.join(map(repr, (*_ACTIVATIONS, 'swiglu')))}")
        self.causal = flag("TransformerBlock", "causal", causal)
        self.norm1 = norms[norm]()
        self.attn = MultiHeadAttention(dim, num_heads, bias, dtype=dtype)
        self.norm2 = norms[norm]()
        self.mlp: Module = (SwiGLU(dim, hidden_dim, dtype=dtype) if mlp == "swiglu"
                            else MLP(dim, hidden_dim, activation=mlp, bias=bias, dtype=dtype))

    def forward(self, x: Tensor, mask: Any = None) -> Tensor:
        x = expect_tensor("TransformerBlock", "x", x)
        x = add(x, self.attn(self.norm1(x), mask=mask, causal=self.causal))
        return add(x, self.mlp(self.norm2(x)))
