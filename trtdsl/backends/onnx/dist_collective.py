"""ONNX has no collectives: a DistCollective layer is not expressible."""

from __future__ import annotations

from trtdsl.backends.onnx.registry import not_expressible
from trtdsl.layers.dist_collective import DistCollective

not_expressible(
    DistCollective,
    "ONNX has no operator that exchanges data between devices (collectives such as all-reduce live in the "
    "runtime, e.g. NCCL, not in the ONNX graph); export each rank's network without its collectives",
)
