"""Running a plugin's GPU implementations on CuPy arrays, to check them against its NumPy reference
without TensorRT.

:func:`run_kernel` calls ``kernel(self, *inputs, *outputs, stream)`` as TensorRT's Python plugin API
does (device arrays that expose ``__cuda_array_interface__``, the stream as an int; outputs of
data-dependent size as buffers at their upper bound, the kernel returning the sizes).
:func:`run_aot_kernel` launches the PTX that ``aot`` returns as TensorRT launches it: the input pointers,
the int32 ``args``, the output pointers. :func:`compare` runs either against the reference.

Needs CuPy and a CUDA GPU (:func:`available` says whether they are there).
"""

from __future__ import annotations

import math
import os
import tempfile
from typing import Any

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.errors import BackendError, ExecutionError
from trtdsl.ir.types import TensorType
from trtdsl.plugins.definition import PluginDefinition, check_aot_kernel, definition_of


def available() -> str | None:
    """None when CuPy and a CUDA device are usable, else why not.

    >>> isinstance(available(), (str, type(None)))
    True
    """
    try:
        import cupy
    except ImportError as exc:
        return f"CuPy is not installed ({exc})"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CuPy raises its own CUDA error types
        return f"no CUDA device ({type(exc).__name__}: {exc})"
    return None if count else "no CUDA device"


def _cupy() -> Any:
    why = available()
    if why is not None:
        raise BackendError(f"running plugin kernels needs CuPy and a CUDA GPU: {why}")
    import cupy

    return cupy


def _setup(plugin: Any, arrays: tuple[np.ndarray, ...]) -> tuple[PluginDefinition, list[TensorType]]:
    definition = definition_of(type(plugin))
    types = []
    for a in arrays:
        dt = dtypes.of_array(np.asarray(a))
        if dt is None:
            raise ExecutionError(
                f"{definition.label}: input of dtype {np.asarray(a).dtype} is not a TensorRT data type"
            )
        types.append(TensorType(dt, np.shape(a)))
    return definition, types


def run_kernel(plugin: Any, *arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """The outputs of ``plugin.kernel`` (run on the GPU with CuPy) for host inputs ``arrays``."""
    cp = _cupy()
    definition, types = _setup(plugin, arrays)
    if definition.kernel_fn is None:
        raise ExecutionError(f"{definition.label}: has no kernel method")
    declared, shapes = definition.kernel_outputs(plugin, types)
    inputs = [cp.asarray(a) for a in arrays]
    outputs = [cp.zeros(shape, t.dtype.numpy) for shape, t in zip(shapes, declared.outputs)]
    stream = cp.cuda.Stream(non_blocking=True)
    with stream:
        returned = definition.kernel_fn(plugin, *inputs, *outputs, stream.ptr)
    stream.synchronize()
    sizes = dict(zip((s.symbol for s in declared.sizes), definition.kernel_sizes(returned, declared)))
    results = []
    for buffer, ty in zip(outputs, declared.outputs):
        shape = tuple(d if isinstance(d, int) else sizes[d] for d in ty.shape)
        results.append(cp.asnumpy(buffer).reshape(-1)[: math.prod(shape)].reshape(shape))
    return tuple(results)


def run_aot_kernel(plugin: Any, *arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """The outputs of the kernel ``plugin.aot`` returns, launched like TensorRT launches it."""
    cp = _cupy()
    definition, types = _setup(plugin, arrays)
    if definition.aot_fn is None:
        raise ExecutionError(f"{definition.label}: has no aot method")
    declared = definition.declare(plugin, types)
    if declared.sizes:
        raise ExecutionError(
            f"{definition.label}: an ahead-of-time kernel cannot produce data-dependent sizes"
        )
    kernel = check_aot_kernel(definition, definition.aot_fn(plugin, *types, *declared.outputs))
    inputs = [cp.asarray(a) for a in arrays]
    outputs = [cp.zeros(tuple(t.shape), t.dtype.numpy) for t in declared.outputs]
    code = kernel.code.encode() if isinstance(kernel.code, str) else kernel.code
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "kernel.ptx")
        with open(path, "wb") as f:
            f.write(code)
        module = cp.RawModule(path=path)
        function = module.get_function(kernel.name)
    grid = tuple(int(g) for g in kernel.grid) + (1,) * (3 - len(kernel.grid))
    block = tuple(kernel.block) + (1,) * (3 - len(kernel.block))
    args = (*inputs, *(np.int32(int(a)) for a in kernel.args), *outputs)
    function(grid, block, args, shared_mem=int(kernel.shared_mem))
    cp.cuda.runtime.deviceSynchronize()
    return tuple(cp.asnumpy(o) for o in outputs)


@attrs.frozen
class Comparison:
    """How far a GPU implementation is from the reference: the largest absolute difference over all
    outputs (0 for exact matches), and the number of elements compared."""

    max_abs_error: float
    elements: int


def compare(
    plugin: Any, *arrays: np.ndarray, aot: bool = False, rtol: float = 1e-5, atol: float = 1e-6
) -> Comparison:
    """Run the kernel (``aot=True``: the ahead-of-time kernel) and the NumPy reference on ``arrays``; raise
    an ExecutionError naming the plugin if an output differs in shape, dtype or beyond the tolerances."""
    definition = definition_of(type(plugin))
    got = run_aot_kernel(plugin, *arrays) if aot else run_kernel(plugin, *arrays)
    op = definition.op({k: getattr(plugin, k) for k in definition.attributes})
    want = op.reference(*arrays)
    worst, count = 0.0, 0
    for i, (g, w) in enumerate(zip(got, want)):
        if g.shape != w.shape or g.dtype != w.dtype:
            raise ExecutionError(
                f"{definition.label}: {'aot' if aot else 'kernel'} output {i} is {g.dtype}{list(g.shape)}; "
                f"the reference gives {w.dtype}{list(w.shape)}"
            )
        g64, w64 = g.astype(np.float64), w.astype(np.float64)
        diff = np.abs(g64 - w64)
        if diff.size:
            worst = max(worst, float(np.nanmax(np.where(np.isnan(g64) & np.isnan(w64), 0.0, diff))))
        count += g.size
        bad = ~np.isclose(g64, w64, rtol=rtol, atol=atol, equal_nan=True)
        if bad.any():
            where = tuple(int(k) for k in np.argwhere(bad)[0])
            raise ExecutionError(
                f"{definition.label}: {'aot' if aot else 'kernel'} output {i} differs from the "
                f"reference at {where}: {g[where]!r} vs {w[where]!r} ({int(bad.sum())} of {g.size} "
                f"elements beyond rtol={rtol}, atol={atol})"
            )
    return Comparison(worst, count)


__all__ = ["Comparison", "available", "compare", "run_aot_kernel", "run_kernel"]
