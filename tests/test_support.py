"""support.expect_error fails when an error names another line than the one it must name."""

import numpy as np
import pytest
from support import error_line, expect_error, line_of

import trtdsl as td
from trtdsl.errors import ArgumentError, ExecutionError

MESSAGE = ("Quantize[i8] (layer quantize_0): scale coefficient 0.0 is not finite and positive; TensorRT "
           "requires strictly positive scales (NvInfer.h IQuantizeLayer)")


def run_with_zero_scale():
    net = td.Network("e")
    x, s = net.input("x", td.float32, (2,)), net.input("s", td.float32, ())
    net.output("q", td.quantize(x, s))  # located
    net.run({"x": np.ones(2, np.float32), "s": np.float32(0)})


def test_an_error_raised_when_called_names_the_calling_line():
    x = td.Network("e").input("x", td.float32, (2,))
    message = "leaky_relu: argument 'alpha' is nan; expected a finite float"
    expect_error(ArgumentError, message, lambda: td.leaky_relu(x, alpha=float("nan")))


def test_an_error_about_an_earlier_layer_needs_its_line():
    expect_error(ExecutionError, MESSAGE, run_with_zero_scale, line=error_line(run_with_zero_scale))
    with pytest.raises(AssertionError, match="located at .*; expected"):
        expect_error(ExecutionError, MESSAGE, run_with_zero_scale)  # the line of net.run is not the layer's
    with pytest.raises(AssertionError, match="located at .*; expected"):
        elsewhere = line_of("another line")  # another line
        expect_error(ExecutionError, MESSAGE, run_with_zero_scale, line=elsewhere)
