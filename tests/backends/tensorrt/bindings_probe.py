"""Run by test_real_bindings.py in a fresh process (a process can import one tensorrt_bindings): import the
real bindings of one wheel through the nine-symbol stub and report, as JSON in WORKDIR/probe.json (TensorRT
prints its warnings on stdout), what the tests compare with trtdsl's manifest, its TensorRT API wrapper,
its stand-in and its plugin registration.

    python bindings_probe.py WHEEL WORKDIR
"""

from __future__ import annotations

import json
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, ROOT)

import trt_api_manifest as tool  # noqa: E402

from trtdsl import dtypes  # noqa: E402
from trtdsl.backends.tensorrt import standin  # noqa: E402
from trtdsl.backends.tensorrt.api import TensorRT  # noqa: E402
from trtdsl.backends.tensorrt.build import LoggingLogger, progress_monitor  # noqa: E402
from trtdsl.backends.tensorrt.lowering import LOWERINGS  # noqa: E402
from trtdsl.backends.tensorrt.runtime import output_allocator  # noqa: E402
from trtdsl.ir.dims import Dim  # noqa: E402


def outcome(fn):
    """What calling ``fn`` gives: ("ok", value) or ("error", exception type name)."""
    try:
        return ["ok", fn()]
    except Exception as exc:  # the point is to compare what each implementation raises
        return ["error", type(exc).__name__]


def behaviours(trt) -> dict:
    """Observable behaviour of the value types, to compare the stand-in with the real bindings."""
    return {
        "permutation": outcome(lambda: [len(trt.Permutation([1, 0])), list(trt.Permutation([1, 0]))[:3]]),
        "dims": outcome(
            lambda: [len(trt.Dims([2, -1])), list(trt.Dims([2, -1])), trt.Dims([2, -1]) == (2, -1)]
        ),
        "dims_too_long": outcome(lambda: trt.Dims(list(range(9)))),
        "dims_slice": outcome(lambda: list(trt.Dims([1, 2, 3])[0:2])),
        "weights_f64": outcome(lambda: trt.Weights(np.zeros(2, np.float64))),
        "weights_i64": outcome(
            lambda: [
                trt.Weights(np.arange(3, dtype=np.int64)).dtype.name,
                trt.Weights(np.arange(3, dtype=np.int64)).size,
                trt.Weights(np.arange(3, dtype=np.int64)).numpy().tolist(),
            ]
        ),
        "weights_bool": outcome(lambda: trt.Weights(np.array([True, False])).dtype.name),
        "enum_text": outcome(
            lambda: [repr(trt.DataType.HALF), str(trt.DataType.HALF), int(trt.DataType.HALF)]
        ),
        "enum_eq": outcome(
            lambda: [trt.DataType.FLOAT == trt.float32, trt.DataType.FLOAT == trt.DataType.HALF]
        ),
        "enum_unknown": outcome(lambda: trt.ActivationType.SWISH),
        "nptype": outcome(
            lambda: [trt.nptype(trt.float16).__name__, outcome(lambda: trt.nptype(trt.bfloat16))[0]]
        ),
        "no_constructor": outcome(lambda: trt.IActivationLayer()),
    }


def conversions(trt) -> dict:
    """Conversions pybind11 makes and the stand-in refuses on purpose (see its module docstring)."""
    return {
        "bool_for_int": outcome(lambda: list(trt.Dims([True, 2]))),
        "array_for_list": outcome(lambda: list(trt.Dims(np.array([1, 2])))),
    }


def wrapper_checks(trt) -> dict:
    """trtdsl's TensorRT wrapper and interface subclasses, used with the real bindings."""
    api = TensorRT(trt)
    weights = {}
    keep = []
    for dt in dtypes.ALL:
        values = np.array([1, 0, 1], dt.numpy)
        w, buffer = api.weights(values)
        keep.append(buffer)
        readback = w.numpy()
        weights[dt.name] = [
            w.dtype.name,
            int(w.size),
            readback.tolist() if isinstance(readback, np.ndarray) else None,
        ]
    logger = LoggingLogger(trt)
    logger.log(trt.ILogger.ERROR, "an error")
    allocator = output_allocator(trt)
    allocator.notify_shape("y", trt.Dims([2, 3]))
    members = {}
    for op_cls, entry in LOWERINGS.items():
        members[op_cls.kind] = getattr(entry, "layer_type", None) in trt.LayerType.__members__
    return {
        "flags": api.network_flags(),
        "dims": list(api.dims((Dim.symbol("batch"), 3))),
        "permutation": list(api.permutation((2, 0, 1)))[:3],
        "weights": weights,
        "logger": [isinstance(logger, trt.ILogger), logger.errors],
        "monitor": isinstance(progress_monitor(trt, True), trt.IProgressMonitor),
        "allocator": [isinstance(allocator, trt.IOutputAllocator), allocator.shapes["y"]],
        "layer_types": members,
    }


def plugin_registration(trt) -> list:
    """tests/plugins/test_tensorrt.py's test of registering trtdsl plugins with ``tensorrt.plugin``, run on
    the wheel's own ``tensorrt.plugin`` (imported as ``tensorrt.plugin``, as in an installed TensorRT):
    ["ok"], or ["error", what it raised]."""
    import pytest

    sys.modules["tensorrt"] = trt
    import tensorrt_bindings.plugin as trtp  # its own `import tensorrt` finds the bindings

    sys.modules["tensorrt.plugin"] = trt.plugin = trtp
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    from plugins import test_tensorrt

    with pytest.MonkeyPatch.context() as patch:
        try:
            test_tensorrt.test_registration_with_tensorrt_plugin(patch)
        except Exception as exc:  # reported to the test, which says which failures are TensorRT's
            return ["error", f"{type(exc).__name__}: {exc}"]
    return ["ok"]


def main() -> None:
    wheel, workdir = sys.argv[1], sys.argv[2]
    site, version = tool.unpack(wheel, os.path.join(workdir, "site"))
    trt = tool.import_bindings(site, tool.build_stub(version.split(".")[0], workdir))
    package = os.path.basename(wheel).split("-")[0].replace("_", "-")
    fake = standin.module(".".join(version.split(".")[:2]))
    report = {
        "manifest": tool.manifest_of(trt, package, version),
        "real": behaviours(trt),
        "standin": behaviours(fake),
        "conversions": {"real": conversions(trt), "standin": conversions(fake)},
        "wrapper": wrapper_checks(trt),
        "plugin_registration": plugin_registration(trt),
    }
    with open(os.path.join(workdir, "probe.json"), "w") as f:
        json.dump(report, f)


if __name__ == "__main__":
    main()
