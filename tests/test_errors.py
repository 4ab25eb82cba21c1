"""The error table: invalid calls, each with the exact message it must produce and the user's line.

Each family's own test module has more rows; this table covers the core and the Network itself."""

import numpy as np
import pytest
from support import call, expect_error, f32, run_with

import trtdsl as td
from trtdsl.errors import ArgumentError, DSLError, DTypeError, InputError, ShapeError
from trtdsl.ir.types import Weights
from trtdsl.layers.activation import Activation, ActivationType
from trtdsl.layers.constant import Constant
from trtdsl.layers.convolution import Convolution
from trtdsl.layers.elementwise import ElementWise, ElementWiseOperation

_LATER = "dim n is known only when the network runs, so "
_COMPARE = ("has no value while the network is defined; compare dims inside the network (td.shape_of(x)[i] "
            "{} ..., a tensor for td.where, td.cond or td.assert_)")

ROWS = [
    # a dim used as a number it is not yet
    (ShapeError, _LATER + "'n > 1' " + _COMPARE.format(">"), call(lambda x: x.shape[0] > 1, f32("n"))),
    (ShapeError, _LATER + "'n <= 3' " + _COMPARE.format("<="), call(lambda x: x.shape[0] <= 3, f32("n"))),
    (ShapeError, _LATER + "'n / 2' is no dim (dims are ints); use // for a dim",
     call(lambda x: x.shape[0] / 2, f32("n"))),
    (ShapeError, _LATER + "'4 / n' is no dim (dims are ints); use // for a dim",
     call(lambda x: 4 / x.shape[0], f32("n"))),
    (ShapeError, _LATER + "int() has no value for it yet; pass the dim itself where a shape is taken "
                 "(reshape, slice, td.full, td.arange, ...)", call(lambda x: int(x.shape[0]), f32("n"))),
    (ShapeError, _LATER + "it is no Python int (which range(), an index or a NumPy shape needs): pass the dim "
                 "itself where a shape is taken (reshape, slice, td.full, td.arange, ...); a loop over its values "
                 "runs in the network (td.scan, td.loop)", call(lambda x: list(range(x.shape[0])), f32("n"))),
    (ShapeError, _LATER + "float() has no value for it yet; compute with it inside the network "
                 "(td.cast(td.shape_of(x)[i], td.float32))", call(lambda x: float(x.shape[0]), f32("n"))),
    (ShapeError, "'n * 1.5' is no dim (dims are ints); round or scale the number first, or compute with the "
                 "dim inside the network (td.shape_of(x)[i])", call(lambda x: x.shape[0] * 1.5, f32("n"))),
    (ShapeError, "'0.5 - n' is no dim (dims are ints); round or scale the number first, or compute with the "
                 "dim inside the network (td.shape_of(x)[i])", call(lambda x: 0.5 - x.shape[0], f32("n"))),
    # elementwise
    (ShapeError, "ElementWise[SUM]: shapes (2, 3) and (2, 4) do not broadcast: dims 3 and 4 differ and "
                 "neither is 1",
     call(lambda a, b: a + b, f32(2, 3), f32(2, 4))),
    (ShapeError, "ElementWise[PROD]: shapes (a, 3) and (b, 3) do not broadcast: dims a and b may differ; "
                 "give inputs that must agree the same dim name",
     call(lambda a, b: a * b, f32("a", 3), f32("b", 3))),
    (DTypeError, "ElementWise[SUM]: inputs have dtypes float32 and int32; TensorRT networks are strongly "
                 "typed, so both must be the same (cast one with td.cast)",
     call(lambda a, b: a + b, f32(2), (td.int32, (2,)))),
    (DTypeError, "ElementWise[AND]: input 'a' has dtype float32; expected one of bool",
     call(lambda a, b: a & b, f32(2), f32(2))),
    (DTypeError, "ElementWise[POW]: input 'a' has dtype int32; expected one of float32, float16, bfloat16 "
                 "(integer POW is not supported by TensorRT's ONNX importer; cast to float)",
     call(lambda a: a ** 2, (td.int32, (2,)))),
    (DTypeError, "ElementWise[SUM]: input 'a' has dtype int8; expected one of float32, float16, bfloat16, "
                 "int32, int64 (int8 is a quantized type in TensorRT: dequantize it with td.dequantize "
                 "first)",
     call(lambda a: a + a, (td.int8, (2,)))),
    (DTypeError, "add: argument 'b' (1.5, float64) cannot be used as int32: TensorRT networks are strongly "
                 "typed; convert it first (e.g. .astype) or cast the tensor with td.cast",
     call(lambda a: a + 1.5, (td.int32, (2,)))),
    (DTypeError, "add: argument 'b' (3000000000, int64) cannot be used as int32: TensorRT networks are "
                 "strongly typed; convert it first (e.g. .astype) or cast the tensor with td.cast",
     call(lambda a: a + 3_000_000_000, (td.int32, (2,)))),
    (DTypeError, "add: argument 'b' is 10000000000000000000000, which is no float32 value (NumPy gives it no "
                 "number type); expected numbers", call(lambda a: a + 10**22, f32(2))),
    (DTypeError, "equal: argument 'b' is None, which is no float32 value (NumPy gives it no number type); "
                 "expected numbers", call(lambda a: a == None, f32(2))),  # noqa: E711
    (ArgumentError, "elementwise: argument 'op' is 'plus'; expected one of SUM, PROD, MAX, MIN, SUB, DIV, "
                    "POW, FLOOR_DIV, AND, OR, XOR, EQUAL, GREATER, LESS",
     call(lambda a: td.elementwise(a, a, "plus"), f32(2))),
    (ArgumentError, "add: at least one argument must be a trtdsl Tensor (got only Python/NumPy values)"
                    "; turn an array or a number into one with net.constant(...)",
     lambda: td.add(1.0, np.ones(2))),
    # unary
    (DTypeError, "Unary[EXP]: input 'x' has dtype int32; expected one of float32, float16, bfloat16",
     call(td.exp, (td.int32, (2,)))),
    (DTypeError, "Unary[NOT]: input 'x' has dtype float32; expected one of bool",
     call(lambda a: ~a, f32(2))),
    (DTypeError, "Unary[NEG]: input 'x' has dtype bool; expected one of float32, float16, bfloat16 (for "
                 "bool, ~x is the logical NOT)", call(lambda a: -(a > 0), f32(2))),
    (DTypeError, "Unary[NEG]: input 'x' has dtype int32; expected one of float32, float16, bfloat16 (for "
                 "integers use 0 - x)", call(lambda a: td.unary(a, "neg"), (td.int32, (2,)))),
    (DTypeError, "take: argument 'data' is <ndarray float32[3]>; expected a trtdsl Tensor; turn an array or a "
                 "number into one with net.constant(...)",
     call(lambda i: td.take(np.arange(3, dtype=np.float32), i), (td.int32, (2,)))),
    (DTypeError, "exp: argument 'x' is [1.0, 2.0]; expected a trtdsl Tensor"
                 "; turn an array or a number into one with net.constant(...)", lambda: td.exp([1.0, 2.0])),
    (ArgumentError, "unary: argument 'op' is 'cube'; expected one of "
                    + ", ".join(o.name for o in td.UnaryOperation),
     call(lambda a: td.unary(a, "cube"), f32(2))),
    # activation
    (ArgumentError, "leaky_relu: argument 'alpha' is nan; expected a finite float",
     call(lambda a: td.leaky_relu(a, float("nan")), f32(2))),
    (ArgumentError, "elu: argument 'alpha' is inf; expected a finite float",
     call(lambda a: td.elu(a, float("inf")), f32(2))),
    (ArgumentError, "softplus: argument 'beta' is 'big'; expected a finite float",
     call(lambda a: td.softplus(a, beta="big"), f32(2))),
    (DTypeError, "Activation[SIGMOID]: input 'x' has dtype int32; expected one of float32, float16, bfloat16",
     call(td.sigmoid, (td.int32, (2,)))),
    (ArgumentError, "leaky_relu: argument 'alpha' is 1e+39; expected a finite float within float32's range "
                    "(at most 3.4028235e+38 in magnitude)",
     call(lambda a: td.leaky_relu(a, 1e39), f32(2))),
    (ArgumentError, "leaky_relu: argument 'alpha' is 10000000000000000000000000000000000000000; expected a "
                    "finite float within float32's range (at most 3.4028235e+38 in magnitude)",
     call(lambda a: td.leaky_relu(a, 10**40), f32(2))),
    (ArgumentError, "clip: argument 'low' is nan; expected a finite float",
     call(lambda a: td.clip(a, float("nan"), 1.0), f32(2))),
    (ArgumentError, f"leaky_relu: argument 'alpha' is {10**400}; expected a finite float",
     call(lambda a: td.leaky_relu(a, 10**400), f32(2))),
    (ArgumentError, "leaky_relu: argument 'alpha' is True; expected a finite float",
     call(lambda a: td.leaky_relu(a, True), f32(2))),
    (ArgumentError, "gelu: argument 'approximate' is ['tanh']; expected 'none' or 'tanh'",
     call(lambda a: td.gelu(a, ["tanh"]), f32(2))),
    (ArgumentError, "clip: argument 'high' is -1.0; expected a value >= low (1.0)",
     call(lambda a: td.clip(a, 1.0, -1.0), f32(2))),
    (ArgumentError, "gelu: argument 'approximate' is 'fast'; expected 'none' or 'tanh'",
     call(lambda a: td.gelu(a, approximate="fast"), f32(2))),
    (ArgumentError, "activation: argument 'type' is 'swish'; expected one of "
                    + ", ".join(t.name for t in td.ActivationType),
     call(lambda a: td.activation(a, "swish"), f32(2))),
    # cast / constant
    (DTypeError, "cast: argument 'dtype' is td.float8_e4m3; expected one of float32, float16, bfloat16, "
                 "int32, int64, int8, uint8, bool (use td.quantize/td.dequantize for fp8, fp4 and int4)",
     call(lambda a: td.cast(a, td.fp8), f32(2))),
    (DTypeError, "dtype: 'float64' is not a TensorRT data type; expected one of float32, float16, bfloat16, "
                 "int32, int64, bool, int8, uint8, int4, float8_e4m3, float4_e2m1, e8m0",
     call(lambda a: td.cast(a, "float64"), f32(2))),
    (DTypeError, "dtype: <class 'float'> is not a TensorRT data type; expected one of float32, float16, "
                 "bfloat16, int32, int64, bool, int8, uint8, int4, float8_e4m3, float4_e2m1, e8m0; NumPy reads it as "
                 "float64, which TensorRT does not have: use td.float32",
     call(lambda a: td.cast(a, float), (td.int32, (2,)))),
    (DTypeError, "constant: argument 'values' has dtype float64, which TensorRT does not have; pass dtype= "
                 "(e.g. td.float32) or convert the array",
     lambda: td.Network("c").constant(np.ones(3))),
    (DTypeError, "constant: argument 'values' has dtype complex128, which TensorRT does not have; pass "
                 "dtype= (e.g. td.float32) or convert the array",
     lambda: td.Network("c").constant(np.ones(3, complex))),
    # shuffle family
    (ShapeError, "Shuffle: cannot reshape (2, 3) (volume 6) to (4,) (volume 4)",
     call(lambda a: a.reshape(4), f32(2, 3))),
    (ShapeError, "Shuffle: cannot reshape (batch, 4) (volume batch*4) to (3, 5) (volume 15), at any size of "
                 "its dims", call(lambda a: a.reshape(3, 5), f32("batch", 4))),
    (ShapeError, "Shuffle: reshape dims (-1, -1) have more than one "
                 "-1", call(lambda a: a.reshape(-1, -1), f32(2, 3))),
    (ShapeError, "Shuffle: cannot reshape (2, 3) to (-1, 4): volume 6 is not a multiple of 4",
     call(lambda a: a.reshape(-1, 4), f32(2, 3))),
    (ShapeError, "Shuffle: argument 'first_transpose' is (0, 0); expected a permutation of (0, 1) for a "
                 "rank-2 input",
     call(lambda a: a.transpose(0, 0), f32(2, 3))),
    (ShapeError, "Squeeze: dim 1 of input shape (2, 3) is 3; squeezed dims must be 1",
     call(lambda a: td.squeeze(a, 1), f32(2, 3))),
    (ShapeError, "squeeze: argument 'axis' is 2; expected an int in [-2, 1] for a rank-2 input",
     call(lambda a: td.squeeze(a, 2), f32(2, 1))),
    (ArgumentError, "unsqueeze: argument 'axis' is (0, 0); expected unique axes",
     call(lambda a: td.unsqueeze(a, (0, 0)), f32(2))),
    (DTypeError, "reshape: argument 'shape' holds %t1 (f32[]); a dim given as a tensor is a 0-D or "
                 "one-element int32/int64 tensor",
     call(lambda a, b: a.reshape(a.shape[0] * 2, b), f32("n", 6), f32())),
    # network
    (ShapeError, "input 'x': dim -1 in shape (-1, 3) is invalid; expected an int in [0, 9223372036854775807] "
                 "or the name of a dynamic dim",
     lambda: td.Network().input("x", td.float32, (-1, 3))),
    (ShapeError, "input 'x': shape (1, 1, 1, 1, 1, 1, 1, 1, 1) has rank 9; TensorRT allows at most 8",
     lambda: td.Network().input("x", td.float32, (1,) * 9)),
    (ShapeError, "input 'x': dim name 'two words' in shape ('two words',) is not an identifier",
     lambda: td.Network().input("x", td.float32, ("two words",))),
    (ArgumentError, "input: argument 'name' is ''; expected a non-empty str of printable characters",
     lambda: td.Network().input("", td.float32, (1,))),
    (ArgumentError, "a tensor named 'x' already exists in network 'e'", lambda: _dup_input()),
    (ArgumentError, "output: network 'e' already has an output named 'y'", lambda: _dup_output()),
    (ArgumentError, "output 'y': expected a Tensor, got ndarray; turn an array or a number into one with "
                    "net.constant(...)", lambda: td.Network("e").output("y", np.ones(2))),
    (ArgumentError, "ElementWise[SUM]: input %b belongs to network 'two' but is used in network 'one'; a "
                    "tensor is used only in the network that made it: make the value in network 'one' (with "
                    "its input(...) or constant(...)) or build everything in one network",
     lambda: _two_networks("two")),
    (ArgumentError, "ElementWise[SUM]: input %b belongs to another network (also named 'one') but is used in "
                    "network 'one'; a tensor is used only in the network that made it: make the value in "
                    "network 'one' (with its input(...) or constant(...)) or build everything in one network",
     lambda: _two_networks("one")),
    (ArgumentError, "output 'y': tensor %b belongs to network 'two' but is used in network 'one'; a tensor is "
                    "used only in the network that made it: make the value in network 'one' (with its "
                    "input(...) or constant(...)) or build everything in one network",
     lambda: _output_of_other()),
    (ArgumentError, "add: argument 'op' is 'relu'; expected a trtdsl Op (a layer's parameters)",
     call(lambda a: a.network.add("relu", (a,)), f32(2))),
    (ArgumentError, "Activation[RELU]: got 0 inputs; expected 1 (x)",
     call(lambda a: a.network.add(Activation(ActivationType.RELU), ()), f32(2))),
    (ArgumentError, "Convolution: got 4 inputs; expected 2 to 3 (x, kernel, bias?)",
     call(lambda a: a.network.add(Convolution(1, (1, 1), (1, 1), (0, 0), (0, 0), (1, 1)), (a, a, a, a)),
          f32(1, 1, 2, 2))),
    (ArgumentError, "ElementWise[SUM]: input 1 ('b') is None; it is required",
     call(lambda a: a.network.add(ElementWise(ElementWiseOperation.SUM), (a, None)), f32(2))),
    (ArgumentError, "Activation[RELU]: input 0 is a ndarray; expected a Tensor (or None for an absent "
                    "optional input); turn an array or a number into one with net.constant(...)",
     call(lambda a: a.network.add(Activation(ActivationType.RELU), (np.ones(2, np.float32),)), f32(2))),
    (ArgumentError, "Activation[RELU]: set_input expects a Tensor of network 'e', got 1.0; turn an array or "
                    "a number into one with net.constant(...)",
     call(lambda a: a.network.set_input(td.relu(a).producer, 0, 1.0), f32(2))),
    (ArgumentError, "Activation[RELU]: set_input index is 2; expected an int in [0, 1]",
     call(lambda a: a.network.set_input(td.relu(a).producer, 2, a), f32(2))),
    (ArgumentError, "Activation[RELU]: got 2 inputs; expected 1 (x)",
     call(lambda a: a.network.set_input(td.relu(a).producer, 1, a), f32(2))),
    (ShapeError, "Activation[RELU]: setting input 0 to %t1 would change the layer's output types from f32[2] "
                 "to f32[3]",
     call(lambda a, b: a.network.set_input(td.relu(a).producer, 0, b), f32(2), f32(3))),
    (ShapeError, "Unsqueeze: output rank 9 exceeds TensorRT's maximum of 8",
     call(lambda a: td.unsqueeze(a, 0), f32(*(1,) * 8))),
    (ShapeError, "input 'x': argument 'shape' is 3; expected a tuple of ints and dim names",
     lambda: td.Network().input("x", td.float32, 3)),
    (DSLError, "Tensor %t0 has no Python truth value: its value exists only when the network runs; use "
               "td.cond/td.If for data-dependent control flow or td.where to select values",
     call(lambda a: bool(a), f32(1))),
    (DSLError, "Tensor %t0 is not iterable; index it (x[i]) or use td.Loop/td.scan",
     call(lambda a: list(a), f32(2))),
    (DTypeError, "float() of Tensor %t0: a Tensor has no Python number, its value exists only when the "
                 "network runs; read it from net.run's results, or go on computing with td functions",
     call(lambda a: float(a), f32())),
    (DTypeError, "round() of Tensor %t0: a Tensor has no Python number, its value exists only when the "
                 "network runs; td.round(x) rounds half to even when the network runs",
     call(lambda a: round(a), f32())),
    (DSLError, "len() of Tensor %t0: its first dim is not a static int (f32[n,2])",
     call(lambda a: len(a), f32("n", 2))),
    # NumPy on a Tensor: the ufuncs of its operators run as they do (tests/ir/test_tensor_numpy.py);
    # anything else would compute NumPy's semantics on values that exist only when the network runs
    (DSLError, "np.exp on Tensor %t0: NumPy computes on arrays, and a Tensor's values exist only when the "
               "network runs; use td.exp, which adds a layer with TensorRT's semantics",
     call(lambda a: np.exp(a), f32(2))),
    (DSLError, "np.maximum on Tensor %t0: NumPy computes on arrays, and a Tensor's values exist only when "
               "the network runs; use td.maximum, which adds a layer with TensorRT's semantics",
     call(lambda a: np.maximum(np.zeros(2, np.float32), a), f32(2))),
    (DSLError, "np.fabs on Tensor %t0: NumPy computes on arrays, and a Tensor's values exist only when the "
               "network runs; use td.abs, which adds a layer with TensorRT's semantics",
     call(lambda a: np.fabs(a), f32(2))),
    (DSLError, "np.add.reduce on Tensor %t0: NumPy computes on arrays, and a Tensor's values exist only "
               "when the network runs; use td.sum, which adds a layer with TensorRT's semantics",
     call(lambda a: np.add.reduce(a), f32(2))),
    (DSLError, "np.log1p on Tensor %t0: NumPy computes on arrays, and a Tensor's values exist only when "
               "the network runs; use trtdsl's layer functions (docs/layers.md), which add layers with "
               "TensorRT's semantics",
     call(lambda a: np.log1p(a), f32(2))),
    (DSLError, "np.sum on Tensor %t0: NumPy computes on arrays, and a Tensor's values exist only when the "
               "network runs; use td.sum, which adds a layer with TensorRT's semantics",
     call(lambda a: np.sum(a), f32(2))),
    (DSLError, "np.concatenate on Tensor %t0: NumPy computes on arrays, and a Tensor's values exist only "
               "when the network runs; use td.concatenate, which adds a layer with TensorRT's semantics",
     call(lambda a: np.concatenate([a, a]), f32(2))),
    (DSLError, "Tensor %t0 cannot become a NumPy array: its values exist only when the network runs "
               "(net.run returns the outputs' arrays); an array becomes a network value with net.constant",
     call(lambda a: np.asarray(a), f32(2))),
    (DTypeError, "add: argument 'b' is <masked array float32[3]>; expected an array without a mask (a masked "
                 "array's mask has no meaning in a network): give m.filled(value), or m.data",
     call(lambda a: a + np.ma.masked_array(np.ones(3, np.float32), mask=[0, 1, 0]), f32(3))),
    (InputError, "run: input 't0' is a masked array, whose mask has no meaning in a network; give "
                 "m.filled(value), or m.data",
     run_with(lambda a: a + 1.0, {"t0": np.ma.masked_array(np.ones(2, np.float32), mask=[0, 1])}, f32(2))),
    (DSLError, "np.linalg.norm on Tensor %t0: NumPy computes on arrays, and a Tensor's values exist only "
               "when the network runs; use trtdsl's layer functions (docs/layers.md), which add layers with "
               "TensorRT's semantics",
     call(lambda a: np.linalg.norm(a), f32(2))),
    (DSLError, "np.add(..., where=) on Tensor %t0: NumPy's keyword arguments mean nothing to a layer; leave "
               "them out, or use td.add",
     call(lambda a: np.add(np.zeros(2, np.float32), a, where=True), f32(2))),
    (DSLError, "np.add(..., out=...) on Tensor %t0: a Tensor's values exist only when the network runs, so "
               "NumPy cannot write them into an array (x += t is such a call when x is an array: write "
               "x = x + t)",
     call(lambda a: np.add(np.zeros(2, np.float32), a, out=np.zeros(2, np.float32)), f32(2))),
    (ShapeError, "ElementWise[SUM]: inputs have ranks 2, 1 (shapes (2, 3), (3,)); TensorRT requires equal "
                 "ranks",
     call(lambda a, b: a.network.add1(ElementWise(ElementWiseOperation.SUM), (a, b)), f32(2, 3), f32(3))),
    (ArgumentError, "relu: argument 'alpha' is 1; expected a finite float",
     call(lambda a: a.network.add1(Activation(ActivationType.RELU, 1), (a,)), f32(2))),
    (DTypeError, "Weights: values have dtype float64, which TensorRT does not have; convert them first (e.g. "
                 ".astype(np.float32))",
     lambda: td.Network().add(Constant(Weights.of(np.ones(2))), ())),
    # run
    (InputError, "run: missing input 't0' (f32[2])", run_with(lambda a: a + 1.0, {}, f32(2))),
    (InputError, "run: network 'e' has no input named 'z'; its inputs are ['t0']",
     run_with(lambda a: a + 1.0, {"t0": np.ones(2, np.float32), "z": 1}, f32(2))),
    (InputError, "run: input 't0' has dtype float64; expected float32 (td.float32). Convert it with "
                 ".astype('float32')",
     run_with(lambda a: a + 1.0, {"t0": np.ones(2)}, f32(2))),
    (InputError, "run: input 't0' has shape (3,); dim 0 must be 2 (f32[2])",
     run_with(lambda a: a + 1.0, {"t0": np.ones(3, np.float32)}, f32(2))),
    (InputError, "run: input 't0' has shape (3,); expected rank 2 (f32[n,2])",
     run_with(lambda a: a + 1.0, {"t0": np.ones(3, np.float32)}, f32("n", 2))),
    (InputError, "run: input 't0' (a list) cannot be converted to an array; expected f32[2,n]",
     run_with(lambda a: a + 1.0, {"t0": [[1.0], [2.0, 3.0]]}, f32(2, "n"))),
    (InputError, "run: inputs must be a dict of input name -> array, got list",
     run_with(lambda a: a + 1.0, [1.0], f32(2))),
    (InputError, "run: network 'e' has no outputs; mark some with net.output(name, tensor)",
     lambda: td.Network("e").run({})),
    # what users of NumPy and PyTorch write
    (DSLError, "Tensor %t0 cannot be assigned to (x[...] = v): a network's values are computed once, by "
               "layers; make a new tensor instead: td.where(mask, v, x) to replace some values, "
               "td.scatter_elements / td.scatter_nd to write at indices, td.concatenate of slices "
               "for a range",
     call(lambda a: a.__setitem__(0, 1.0), f32(2))),
    (DTypeError, "getitem: argument 'key' is Tensor(%greater_0: bool[2]); expected ints, slices or an "
                 "integer index tensor, not a boolean mask: keep x's shape with td.where(mask, x, 0), or "
                 "take the selected values as NumPy's x[mask] does with td.gather_nd(x, td.nonzero(mask).T)",
     call(lambda a: a[a > 0], f32(2))),
    (ArgumentError, "conv: argument 'padding' is 'same'; expected an int, 2 ints, or 2 (pre, post) pairs; "
                    "for 'same' give padding_mode='same_upper' (the extra padding after, as PyTorch pads), "
                    "for 'valid' padding=0",
     call(lambda a: td.conv(a, np.ones((1, 1, 3, 3), np.float32), padding="same"), f32(1, 1, 4, 4))),
    (ArgumentError, "scan: argument 'f' takes (c); expected a function of (carry, x)",
     call(lambda a: td.scan(lambda c: (c, c), a, a), f32(2))),
    (ArgumentError, "cond: argument 'false_fn' takes (v); expected a function of no arguments",
     call(lambda a: td.cond(a.sum() > 0, lambda: a, lambda v: v), f32(2))),
]


def _dup_input():
    net = td.Network("e")
    net.input("x", td.float32, (1,))
    net.input("x", td.float32, (1,))


def _dup_output():
    net = td.Network("e")
    x = net.input("x", td.float32, (1,))
    net.output("y", x + 1.0)
    net.output("y", x + 2.0)


def _output_of_other():
    b = td.Network("two").input("b", td.float32, (1,))
    td.Network("one").output("y", b)


def _two_networks(second):
    a = td.Network("one").input("a", td.float32, (1,))
    b = td.Network(second).input("b", td.float32, (1,))
    return a + b


@pytest.mark.parametrize("cls, message, call_", ROWS, ids=[f"{i:02d}" for i in range(len(ROWS))])
def test_invalid_call_gives_exact_message(cls, message, call_):
    expect_error(cls, message, call_)


def test_inputs_sharing_a_dim_name_must_agree():
    net = td.Network("e")
    a = net.input("a", td.float32, ("n",))
    b = net.input("b", td.float32, ("n",))
    net.output("y", a + b)
    with pytest.raises(InputError,
                       match=r"run: dim 'n' is 2 in input 'a' but 3 in input 'b' \(shape \(3,\)\); "
                                         r"inputs that share a dim name must agree"):
        net.run({"a": np.ones(2, np.float32), "b": np.ones(3, np.float32)})


def test_error_names_the_users_line():
    net = td.Network("e")
    x = net.input("x", td.float32, (2,))
    with pytest.raises(DTypeError) as info:
        td.exp(td.cast(x, td.int32))  # this line
    import inspect

    line = inspect.getsourcelines(test_error_names_the_users_line)[1] + 4
    assert str(info.value).startswith(f"{__file__}:{line}: Unary[EXP]")


def test_table_is_large():
    assert len(ROWS) >= 40


def test_reference_backend_rejects_options():
    net = td.Network("e")
    x = net.input("x", td.float32, (1,))
    net.output("y", x + 1.0)
    expect_error(td.BackendError, "run: the reference backend takes no options, got ['threads']; options such as "
                 "these belong to backend='onnxruntime' or backend='tensorrt'",
                 lambda: net.run({"x": np.ones(1, np.float32)}, threads=2))

