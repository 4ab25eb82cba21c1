"""The TensorRT backend: lower a trtdsl network into TensorRT, build an engine, run it; raise a TensorRT
network back to trtdsl. See docs/tensorrt.md.

TensorRT and cuda-python are imported only when an engine is built or run; lowering and raising also
work with the strict stand-in (:mod:`.standin`) made from the API manifests of TensorRT 10 and 11.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from trtdsl.backends.tensorrt.build import BuildOptions, LoggingLogger, ProgressBar, build, build_options
from trtdsl.backends.tensorrt.lower import Lowered, lower
from trtdsl.backends.tensorrt.raising import raise_network
from trtdsl.backends.tensorrt.runtime import Engine
from trtdsl.ir.network import Network


def run(network: Network, inputs: Mapping[str, Any], **options: Any) -> dict[str, np.ndarray]:
    """Build ``network`` with TensorRT (``options`` as for :func:`build`) and run it on ``inputs``.

    Without ``profiles``, the network's declared profiles are used; a network without them gets one profile
    fixed at the sizes of these inputs (and the values of its shape-tensor inputs).
    Engines are cached on the network (per options and, without profiles, per input sizes) until it
    changes. Outputs have the network's dtypes (the engine's int64 shape outputs are int32, TensorRT's
    type for them). ``net.run(inputs, backend="tensorrt")`` calls it:

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("n")
    >>> net.output("y", td.relu(net.input("x", td.float32, ("batch", 4))))
    >>> try:                                     # where TensorRT or a GPU is missing
    ...     out = net.run({"x": np.ones((2, 4), np.float32)}, backend="tensorrt")["y"]
    ... except td.BackendError:
    ...     out = net.run({"x": np.ones((2, 4), np.float32)})["y"]
    >>> out
    array([[1., 1., 1., 1.],
           [1., 1., 1., 1.]], dtype=float32)
    """
    from trtdsl.reference.interpreter import bind_inputs

    values, bindings = bind_inputs(network, inputs)
    if "profiles" not in options and bindings and not network.profiles:
        from trtdsl.ir.profiles import fixed_profile

        options = dict(options, profiles=fixed_profile(network, values, bindings))
    key = ("tensorrt-engine", repr(sorted(options.items(), key=lambda item: item[0])))
    engine = network.derived(key, lambda: build(network, **options))
    outputs = engine.run({name: np.asarray(value) for name, value in inputs.items()})
    # an int64 shape output comes out of the engine as int32 (see lower): give it the IR's dtype back
    return {name: outputs[name].astype(t.dtype.numpy, copy=False) for name, t in network.outputs.items()}


__all__ = [
    "BuildOptions",
    "Engine",
    "LoggingLogger",
    "Lowered",
    "ProgressBar",
    "build",
    "build_options",
    "lower",
    "raise_network",
    "run",
]
