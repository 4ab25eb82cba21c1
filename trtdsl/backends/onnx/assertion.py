"""IAssertionLayer has no ONNX form: no ONNX operator stops a run with a message when a condition is
false (a decomposition that fails some other way, e.g. a Reshape to an invalid shape, would fail
without the assertion's message and with a runtime-specific error)."""

from __future__ import annotations

from trtdsl.backends.onnx.registry import not_expressible
from trtdsl.layers.assertion import Assertion

not_expressible(
    Assertion,
    "ONNX has no operator that stops a run with a message when a condition is false",
)
