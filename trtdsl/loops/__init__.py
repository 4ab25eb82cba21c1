"""Loops: TensorRT's ILoop as ``td.Loop`` (a with block) and JAX's ``scan``/``fori_loop``/``while_loop``."""

from trtdsl.loops.builder import Carry, Loop
from trtdsl.loops.functional import fori_loop, scan, while_loop
from trtdsl.loops.ops import (
    IteratorLayer,
    LoopOutput,
    LoopOutputLayer,
    RecurrenceLayer,
    TripLimit,
    TripLimitLayer,
)

__all__ = [
    "Loop", "Carry", "scan", "fori_loop", "while_loop",
    "TripLimit", "LoopOutput", "TripLimitLayer", "IteratorLayer", "RecurrenceLayer", "LoopOutputLayer",
]
