"""TensorRT lowering of Scale: ``add_scale_nd`` with the flat weights and the channel axis; absent
coefficients are passed as None (the Python API gives them empty weights, i.e. the defaults).

Raise reads the mode, the three weights and ``channel_axis`` back, so layers made with the legacy
``add_scale`` (no channel axis argument; TensorRT takes dim ``rank - 3``) come back as the same op.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from trtdsl.backends.tensorrt.lowering.context import LowerContext, RaiseContext
from trtdsl.backends.tensorrt.lowering.registry import Raised, register
from trtdsl.errors import BackendError
from trtdsl.ir.node import Node
from trtdsl.ir.types import Weights
from trtdsl.layers.scale import Scale, ScaleMode


def _lower_scale(ctx: LowerContext, node: Node, op: Scale) -> None:
    coefficients = (op.shift, op.scale, op.power)
    shift, scale, power = (None if w is None else ctx.weights(w.array) for w in coefficients)
    mode = ctx.api.enum("ScaleMode", op.mode)
    ctx.add(node, "add_scale_nd", ctx.input(node, 0), mode, shift, scale, power, op.channel_axis)


def _raise_scale(ctx: RaiseContext, layer: Any) -> Raised:
    mode = ctx.api.from_enum(ScaleMode, layer.mode, layer.name)
    shift, scale, power = (_coefficient(layer, prop) for prop in ("shift", "scale", "power"))
    return Raised(Scale(mode, shift, scale, power, int(layer.channel_axis)), ctx.inputs(layer))


def _coefficient(layer: Any, prop: str) -> Weights | None:
    """The layer's ``shift``/``scale``/``power`` as flat Weights (None when empty: the default)."""
    values = getattr(layer, prop)
    if not isinstance(values, np.ndarray):  # the bindings give Weights of types NumPy lacks as they are
        if len(values) == 0:
            return None
        raise BackendError(
            f"raise: scale layer {layer.name!r} holds {values.dtype.name} {prop} weights, which TensorRT's "
            "Python API cannot read back"
        )
    return Weights.of(values.reshape(-1)) if values.size else None


register(Scale, "SCALE", _lower_scale, _raise_scale)
