"""TensorRT lowering of DistCollective: ``add_dist_collective(x, op, reduce_op, root, groups)`` (reduce op
``NONE`` and root -1 where the collective has none, groups None for all ranks) and ``num_ranks``, which
sets the output shape of the gathering and scattering collectives (NvInfer.h ``ILayer::setNbRanks``).

TensorRT's Python API reads none of these back (IDistCollectiveLayer has no properties in 10.16 or 11.4),
so the lowering also writes them into the layer's metadata, and raise reads them from there; a
DistCollective layer without that metadata cannot be raised. ``add_dist_collective`` and ``num_ranks``
came in TensorRT 10.16; ALL_TO_ALL, GATHER and SCATTER in 11.0 (``CollectiveOperation`` in 10.16 has
the first five members only): lowering one on an older TensorRT is a BackendError naming what it lacks.
"""

from __future__ import annotations

from typing import Any

from trtdsl.backends.tensorrt.lowering.context import LowerContext, RaiseContext
from trtdsl.backends.tensorrt.lowering.registry import Raised, register
from trtdsl.errors import BackendError
from trtdsl.ir.node import Node
from trtdsl.layers.dist_collective import CollectiveOperation, DistCollective
from trtdsl.layers.reduce import ReduceOperation

COLLECTIVE_MARK = "trtdsl:collective:"
_SINCE_11 = (CollectiveOperation.ALL_TO_ALL, CollectiveOperation.GATHER, CollectiveOperation.SCATTER)


def _lower_dist_collective(ctx: LowerContext, node: Node, op: DistCollective) -> None:
    what = f"DistCollective layer {node.name} ({op.collective.name})"
    ctx.api.require("INetworkDefinition.add_dist_collective", what)
    if op.collective in _SINCE_11:
        ctx.api.require(f"CollectiveOperation.{op.collective.name}", what)
    reduce = (
        ctx.trt.ReduceOperation.NONE if op.reduce_op is None else ctx.api.enum("ReduceOperation", op.reduce_op)
    )
    layer = ctx.add(
        node,
        "add_dist_collective",
        ctx.input(node, 0),
        ctx.api.enum("CollectiveOperation", op.collective),
        reduce,
        op.root,
        list(op.groups) if op.groups else None,
    )
    layer.num_ranks = op.ranks
    reduce_name = "NONE" if op.reduce_op is None else op.reduce_op.name
    groups = " ".join(str(g) for g in op.groups)
    layer.metadata = f"{COLLECTIVE_MARK}{op.collective.name},{reduce_name},{op.root},{groups}"


def _raise_dist_collective(ctx: RaiseContext, layer: Any) -> Raised:
    text = layer.metadata
    if not text.startswith(COLLECTIVE_MARK):
        raise BackendError(
            f"raise: DistCollective layer {layer.name!r} has no trtdsl metadata; TensorRT's Python API "
            "cannot read a DistCollective layer's operation, reduce op, root or groups back, so trtdsl raises "
            "only the ones its lowering wrote"
        )
    collective, reduce, root, groups = text[len(COLLECTIVE_MARK):].split(",")
    op = DistCollective(
        CollectiveOperation[collective],
        None if reduce == "NONE" else ReduceOperation[reduce],
        int(root),
        tuple(int(g) for g in groups.split()),
        int(layer.num_ranks),
    )
    return Raised(op, ctx.inputs(layer))


register(DistCollective, "DIST_COLLECTIVE", _lower_dist_collective, _raise_dist_collective)
