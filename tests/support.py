"""Helpers shared by the tests: build a one-layer network around NumPy inputs, run it, and draw
arrays with hypothesis."""

from __future__ import annotations

import inspect
import pathlib
import re
import subprocess
import sys
import traceback
from typing import Any, Callable

import ml_dtypes
import numpy as np
import pytest
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import trtdsl as td


def run_layer(build: Callable[..., Any], *arrays: np.ndarray, shapes: list | None = None) -> Any:
    """Make a network whose inputs are ``arrays`` (in order, named a, b, c, ...), call ``build`` on the
    input tensors, mark its result(s) as outputs, and run it on the reference. Returns what ``build``
    returned, as arrays."""
    net = td.Network("test")
    names = "abcdefgh"
    tensors = [
        net.input(names[i], td.dtype(a.dtype),
                  a.shape if shapes is None else shapes[i]) for i, a in enumerate(arrays)
    ]
    result = build(*tensors)
    outs = result if isinstance(result, tuple) else (result,)
    for i, o in enumerate(outs):
        net.output(f"out{i}", o)
    values = net.run({names[i]: a for i, a in enumerate(arrays)})
    got = tuple(values[f"out{i}"] for i in range(len(outs)))
    return got if isinstance(result, tuple) else got[0]


def expect_error(cls: type[Exception], message: str, call: Callable[[], Any], *,
                 line: int | None = None) -> None:
    """``call()`` raises ``cls`` whose text (after the user's ``file:line:``) is exactly ``message``, located
    at the user's line: by default the line of the tests that called into trtdsl when the error was raised
    (the innermost frame of the traceback in tests/); for an error about a layer made earlier (found when
    the network is checked or run), ``line`` in the file calling ``expect_error`` (see :func:`line_of`)."""
    with pytest.raises(cls) as info:
        call()
    err = info.value
    assert isinstance(err, td.DSLError)
    assert err.message == message, f"\n got: {err.message}\nwant: {message}"
    assert err.location is not None, "the error names no line"
    if line is None:
        frames = traceback.extract_tb(info.tb)
        ours = [f for f in frames if pathlib.Path(f.filename).resolve().is_relative_to(TESTS)]
        want = (ours[-1].filename, ours[-1].lineno)
    else:
        want = (sys._getframe(1).f_code.co_filename, line)
    got = (err.location.file, err.location.line)
    assert got == want, f"located at {got[0]}:{got[1]}; expected {want[0]}:{want[1]}"
    assert re.match(r".+\.py:\d+: ", str(err))


def assert_located_in_tests(err: td.DSLError) -> None:
    """``err`` names a line of the tests (the "user's" code here) and starts with it."""
    assert err.location is not None, "the error names no line"
    assert pathlib.Path(err.location.file).resolve().is_relative_to(TESTS), f"located in {err.location}"
    assert re.match(r".+\.py:\d+: ", str(err))


def error_line(call: Callable[[], Any]) -> int | None:
    """The line an error about a layer made by ``call`` must name, for :func:`expect_error`: the line that
    ends with the comment ``# located`` in the source of ``call`` or of a function it closes over, or for a
    :func:`run_with` call the line of its one-line ``build``; None (the line that called into trtdsl) when
    there is none."""
    if hasattr(call, "build_line"):
        return call.build_line
    closed = [c.cell_contents for c in call.__closure__ or ()]
    functions = [call] + [fn for fn in closed if inspect.isfunction(fn)]
    found = set()
    for fn in functions:
        lines, first = inspect.getsourcelines(fn)
        found.update(first + i for i, text in enumerate(lines) if text.rstrip().endswith("# located"))
    assert len(found) <= 1, f"{call.__name__} makes {len(found)} lines marked '# located'"
    return found.pop() if found else None


def line_of(marker: str) -> int:
    """The number of the one line of the calling file that ends with the comment ``# <marker>``."""
    lines = pathlib.Path(sys._getframe(1).f_code.co_filename).read_text().splitlines()
    found = [i for i, text in enumerate(lines, 1) if text.rstrip().endswith(f"# {marker}")]
    assert len(found) == 1, f"{len(found)} lines end with '# {marker}'"
    return found[0]


TESTS = pathlib.Path(__file__).resolve().parent


ROOT = TESTS.parent


def python_blocks(path: str) -> list[str]:
    """The ```python code blocks of the repository file ``path`` (e.g. "README.md"), in order."""
    return re.findall(r"```python\n(.*?)```", (ROOT / path).read_text(), re.DOTALL)


def run_blocks(blocks: list[str]) -> subprocess.CompletedProcess:
    """The blocks, in order, in a fresh interpreter started in the repository (as a reader would paste
    them). Returns the finished process without checking it."""
    return subprocess.run([sys.executable, "-c", "\n".join(blocks)], capture_output=True, text=True,
                          timeout=300, cwd=ROOT, check=False)


def run_doc(name: str, *, min_blocks: int) -> subprocess.CompletedProcess:
    """Run the complete code blocks of ``docs/<name>`` (those that start unindented), in order, in a fresh
    interpreter; the document must have at least ``min_blocks`` of them. Returns the finished process."""
    runnable = [b for b in python_blocks(f"docs/{name}") if not b.startswith((" ", "\t"))]
    assert len(runnable) >= min_blocks
    result = run_blocks(runnable)
    assert result.returncode == 0, result.stderr
    return result


def f32(*shape: Any) -> tuple[td.DType, tuple]:
    """An input spec for :func:`call`: float32 of ``shape``."""
    return (td.float32, shape)


def inputs(*specs: tuple[Any, Any]) -> tuple[td.Network, list[td.Tensor]]:
    """A network named "e" with inputs ``t0, t1, ...`` of ``specs`` ((dtype, shape) pairs)."""
    net = td.Network("e")
    return net, [net.input(f"t{i}", dt, shape) for i, (dt, shape) in enumerate(specs)]


def call(build: Callable[..., Any], *specs: tuple[Any, Any]) -> Callable[[], Any]:
    """A row's call for an error table: ``build`` on the inputs of a fresh network (see :func:`inputs`)."""
    return lambda: build(*inputs(*specs)[1])


def run_with(build: Callable[..., Any], feeds: dict, *specs: tuple[Any, Any]) -> Callable[[], Any]:
    """A row's call that also runs: ``build``'s result is the output ``y``, and the network runs on
    ``feeds``."""
    def run() -> Any:
        net, ts = inputs(*specs)
        net.output("y", build(*ts))
        return net.run(feeds)
    run.build_line = build.__code__.co_firstlineno  # type: ignore[attr-defined]
    return run


NP_DTYPES = {
    "float32": np.float32, "float16": np.float16, "bfloat16": ml_dtypes.bfloat16,
    "int32": np.int32, "int64": np.int64, "bool": np.bool_,
}


def arrays(dtype: Any, shape: Any, *, min_value: float | None = None, max_value: float | None = None,
           allow_nan: bool = False, allow_inf: bool = False) -> st.SearchStrategy[np.ndarray]:
    """Arrays of ``dtype`` (a NumPy/ml_dtypes dtype) and ``shape`` (a tuple or a strategy of tuples);
    floats are drawn in float32 and converted, so 16-bit types get edge values too."""
    dt = np.dtype(dtype)
    if dt.kind == "f" or dt == np.dtype(ml_dtypes.bfloat16):
        lo = float(np.float32(-1e4 if min_value is None else min_value))
        hi = float(np.float32(1e4 if max_value is None else max_value))
        elements = st.floats(lo, hi, allow_nan=False, allow_infinity=False, width=32)
        if allow_nan or allow_inf:
            specials = ([np.nan] if allow_nan else []) + ([np.inf, -np.inf] if allow_inf else [])
            elements = st.one_of(elements, st.sampled_from(specials))
        base = hnp.arrays(np.float32, shape, elements=elements)
        return base.map(lambda a: a.astype(dt))
    if dt.kind == "b":
        return hnp.arrays(dt, shape)
    info = np.iinfo(dt)
    lo = info.min if min_value is None else int(min_value)
    hi = info.max if max_value is None else int(max_value)
    return hnp.arrays(dt, shape, elements=st.integers(lo, hi))


def shapes(min_dims: int = 0, max_dims: int = 4, min_side: int = 0,
           max_side: int = 5) -> st.SearchStrategy[tuple]:
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def assert_close(got: np.ndarray, want: np.ndarray, *, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """Same dtype and shape, values close (NaNs in the same places)."""
    assert got.dtype == want.dtype, f"dtype {got.dtype} != {want.dtype}"
    assert got.shape == want.shape, f"shape {got.shape} != {want.shape}"
    np.testing.assert_allclose(got.astype(np.float64), want.astype(np.float64), rtol=rtol, atol=atol,
                               equal_nan=True)


TOLERANCES = {np.dtype(np.float32): 1e-5, np.dtype(np.float16): 2e-3, np.dtype(ml_dtypes.bfloat16): 1.6e-2}


def layer_labels(net: td.Network) -> list[str]:
    """The labels of the network's layers in order (``"TopK[MAX]"``, ``"Slice"``, ...)."""
    return [n.op.label() for n in net.nodes]
