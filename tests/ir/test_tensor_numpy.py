"""NumPy meeting Tensors: an array's operators call NumPy's ufuncs, which run as the Tensor's own
operators do (the refusals of everything else are rows of tests/test_errors.py)."""

import numpy as np
import pytest

import trtdsl as td
from trtdsl.ir import tensor


def test_an_arrays_operators_build_the_tensors_layers_on_either_side():
    net = td.Network("numpy")
    x = net.input("x", td.float32, (3,))
    flags = net.input("flags", td.bool, (3,))
    a = np.array([1.0, -2.0, 4.0], np.float32)
    m = np.arange(9, dtype=np.float32).reshape(3, 3)
    made = {  # the array first: NumPy's ufunc, then the Tensor's reflected operator
        "add": a + x, "sub": a - x, "mul": np.float32(2) * x, "div": a / x, "floordiv": a // x, "mod": a % x,
        "matmul": m @ x, "lt": a < x, "le": a <= x, "gt": a > x, "ge": a >= x, "eq": a == x, "ne": a != x,
        "and": np.array([True, False, True]) & flags,
        # the Tensor first, by name
        "add_named": np.add(x, a), "pow_named": np.power(x, a), "neg": np.negative(x), "abs": np.absolute(x),
    }
    assert all(isinstance(t, td.Tensor) and t.network is net for t in made.values())
    for name, t in made.items():
        net.output(name, t)
    v = np.array([0.5, 3.0, -1.5], np.float32)
    out = net.run({"x": v, "flags": np.array([True, True, False])})
    expected = {
        "add": a + v, "sub": a - v, "mul": 2 * v, "div": a / v, "floordiv": np.floor(a / v),
        "mod": a - np.floor(a / v) * v, "matmul": m @ v, "lt": a < v, "le": a <= v, "gt": a > v,
        "ge": a >= v, "eq": a == v, "ne": a != v, "and": np.array([True, False, False]),
        "add_named": v + a, "pow_named": v ** a, "neg": -v, "abs": np.abs(v),
    }
    for name, want in expected.items():
        np.testing.assert_allclose(out[name], want, rtol=1e-6, err_msg=name)


def test_numpy_asks_a_tensor_its_dims():
    net = td.Network("dims")
    x = net.input("x", td.float32, ("n", 3))
    assert np.shape(x) == x.shape and np.ndim(x) == 2 and len(net.nodes) == 0


def test_every_numpy_equivalent_named_is_a_td_function():
    missing = {numpy: name for numpy, name in tensor._NUMPY_EQUIVALENTS.items()
               if not callable(getattr(td, name, None))}
    assert not missing
    assert all(ufunc.__name__ in tensor._NUMPY_EQUIVALENTS for ufunc in tensor._UFUNC_OPERATORS)


def test_a_numpy_method_a_tensor_lacks_names_the_td_function():
    x = td.Network("methods").input("x", td.float32, (3,))
    with pytest.raises(AttributeError, match=r"no attribute 'squeeze'; NumPy's squeeze is a function here: "
                                             r"td.squeeze\(x, ...\)"):
        x.squeeze()
    with pytest.raises(AttributeError, match=r"no attribute 'flatten'; PyTorch's x.flatten\(...\) is "
                                             r"td.flatten\(x, start_dim, end_dim\) here$"):
        x.flatten()
    with pytest.raises(AttributeError, match=r"no attribute 'permute'; PyTorch's x.permute\(...\) is "
                                             r"x.transpose\(axes\) \(td.transpose\) here$"):
        x.permute(0)
    with pytest.raises(AttributeError, match=r"no attribute 'frobnicate'$"):
        x.frobnicate()
    assert not hasattr(x, "clip") and getattr(x, "__array_interface__", None) is None
