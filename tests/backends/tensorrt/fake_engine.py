"""A stand-in TensorRT whose "engines" run the NumPy reference on device memory, to test trtdsl's runtime
(device buffers, addresses, profiles, output allocators, DLPack) on a GPU without TensorRT -- or, with
``memory=HOST`` and :func:`host_cuda` in place of trtdsl's CUDA module, on host memory without a GPU.

Every call the runtime makes still goes through the stand-in, so it is checked against the manifest: the
engine, execution context and runtime calls must exist in TensorRT with these parameters. Only their
behaviour is faked: building reads the ``INetworkDefinition`` the builder was given back into the IR
(``raise_network``), and ``execute_async_v3`` copies the inputs to the host, runs that network on the
reference, and writes the outputs to the addresses the runtime set (or asks the output allocator); its
refitter gives the refittable constants of that network new values. So an engine computes what the
lowering told TensorRT, and tests compare its outputs with formulas of their own.
"""

from __future__ import annotations

import ctypes
import time
import types
from typing import Any

import attrs
import numpy as np

import trtdsl as td
from trtdsl.backends.tensorrt import cuda, raise_network, standin
from trtdsl.backends.tensorrt.api import WIDENED_CONSTANTS
from trtdsl.backends.tensorrt.build import build_options
from trtdsl.ir.dims import evaluate
from trtdsl.ir.types import Weights
from trtdsl.layers.constant import Constant


@attrs.frozen
class Memory:
    """Where the fake engines' tensors live: how to copy bytes between addresses and wait for a stream."""

    copy: Any  # (destination address, source address, bytes) -> None
    synchronize: Any  # (stream handle) -> None


def _cuda_copy(dst: int, src: int, nbytes: int) -> None:
    if nbytes:
        rt = cuda.runtime()
        cuda.check(rt.cudaMemcpy(dst, src, nbytes, rt.cudaMemcpyKind.cudaMemcpyDefault), "cudaMemcpy")


def _cuda_synchronize(stream_handle: int) -> None:
    cuda.check(cuda.runtime().cudaStreamSynchronize(stream_handle), "cudaStreamSynchronize")


CUDA = Memory(_cuda_copy, _cuda_synchronize)
HOST = Memory(lambda dst, src, nbytes: ctypes.memmove(dst, src, nbytes), lambda stream_handle: None)


def fake_tensorrt(
    network: td.Network,
    version: str = "11.4",
    *,
    data_dependent: tuple[str, ...] = (),
    memory: Memory = CUDA,
    **options: Any,
) -> Any:
    """A stand-in module whose builder "builds" a lowering of ``network`` with ``options`` (as for
    ``build``) and whose engines run what it was given on ``memory``. Outputs named in ``data_dependent``
    report their shape only while running (-1 before), so the runtime must give them an output
    allocator."""
    trt = standin.module(version)
    profiles = build_options(network, **options).profiles
    plans: dict[bytes, Any] = {}

    refittable: dict[bytes, set[str]] = {}

    def build_serialized_network(builder, network, config):  # noqa: ARG001  (TensorRT's parameter names)
        plan = f"fake plan {len(plans)} of {network.name}".encode()
        plans[plan] = raise_network(network, trt)
        # REFIT_INDIVIDUAL: the weights marked refittable (the stand-in records the marks), no others
        marked = config.get_flag(trt.BuilderFlag.REFIT_INDIVIDUAL)
        refittable[plan] = set(network._state.get("refittable", ())) if marked else set()
        return plan

    def deserialize_cuda_engine(runtime, serialized_engine):
        plan = bytes(serialized_engine)
        net = plans.get(plan)
        if net is None:
            runtime._state["logger"].log(
                trt.ILogger.ERROR, "Serialization assertion failed: magic tag mismatch"
            )
            return None
        return trt.new("ICudaEngine", network=net, plan=plan, refittable=refittable[plan])

    io = [(name, True, t) for name, t in network.inputs.items()] + [
        (name, False, t) for name, t in network.outputs.items()
    ]
    by_name = {name: (is_input, t) for name, is_input, t in io}

    def static_shape(t: Any) -> Any:
        return trt.Dims([d if isinstance(d, int) else -1 for d in t.shape])

    trt.implement("Builder", "build_serialized_network", build_serialized_network)
    trt.implement("ITimingCache", "serialize", lambda cache: cache._state["data"] + b" (tuned)")
    trt.implement("Runtime", "deserialize_cuda_engine", deserialize_cuda_engine)
    trt.implement("ICudaEngine", "num_io_tensors", lambda engine: len(io))
    trt.implement("ICudaEngine", "num_optimization_profiles", lambda engine: len(profiles))
    trt.implement("ICudaEngine", "get_tensor_name", lambda engine, index: io[index][0])
    trt.implement(
        "ICudaEngine",
        "get_tensor_mode",
        lambda engine, name: trt.TensorIOMode.INPUT if by_name[name][0] else trt.TensorIOMode.OUTPUT,
    )
    trt.implement(
        "ICudaEngine",
        "get_tensor_dtype",
        lambda engine, name: getattr(trt.DataType, by_name[name][1].dtype.trt),
    )
    trt.implement("ICudaEngine", "get_tensor_shape", lambda engine, name: static_shape(by_name[name][1]))
    host = set(network.shape_inputs) | set(network.shape_outputs)  # shape tensors live on the host
    trt.implement(
        "ICudaEngine",
        "get_tensor_location",
        lambda engine, name: trt.TensorLocation.HOST if name in host else trt.TensorLocation.DEVICE,
    )

    def get_tensor_profile_shape(engine, name, profile_index):
        ranges = profiles[profile_index]
        shape = by_name[name][1].shape
        return [trt.Dims([d if isinstance(d, int) else ranges[str(d)][k] for d in shape]) for k in range(3)]

    trt.implement("ICudaEngine", "get_tensor_profile_shape", get_tensor_profile_shape)
    trt.implement(
        "ICudaEngine",
        "create_execution_context",
        lambda engine, **a: trt.new(
            "IExecutionContext",
            network=engine._state["network"],
            shapes={},
            addresses={},
            allocators={},
            profile=0,
            runs=0,
        ),
    )

    def set_optimization_profile_async(context, profile_index, stream_handle):
        context._state["profile"] = profile_index
        return True

    def set_input_shape(context, name, shape):
        shape = tuple(shape)
        t = by_name[name][1]
        if profiles:
            low, _, high = get_tensor_profile_shape(None, name, context._state["profile"])
            if not all(lo <= s <= hi for lo, s, hi in zip(low, shape, high)):
                return False
        if len(shape) != len(t.shape):
            return False
        context._state["shapes"][name] = shape
        return True

    def bindings(context) -> dict[str, int]:
        found = {}
        for name, t in network.inputs.items():
            for d, s in zip(t.shape, context._state["shapes"][name]):
                if not isinstance(d, int):
                    found[str(d)] = s
        return found

    def get_tensor_shape(context, name):
        is_input, t = by_name[name]
        if is_input:
            return trt.Dims(list(context._state["shapes"][name]))
        if name in data_dependent:
            return static_shape(t)
        try:
            return trt.Dims([evaluate(d, bindings(context)) for d in t.shape])
        except KeyError:  # a dim computed from shape-tensor values: known once the engine runs
            return static_shape(t)

    def set_tensor_address(context, name, memory):
        context._state["addresses"][name] = memory
        return True

    def set_output_allocator(context, name, output_allocator):
        context._state["allocators"][name] = output_allocator
        return True

    def execute_async_v3(context, stream_handle):
        memory.synchronize(stream_handle)
        feeds = {}
        for name, t in network.inputs.items():
            array = np.empty(context._state["shapes"][name], t.dtype.numpy)
            memory.copy(array.ctypes.data, context._state["addresses"][name], array.nbytes)
            feeds[name] = array
        for name, value in context._state["network"].run(feeds).items():
            value = np.ascontiguousarray(value)
            if name in context._state["allocators"]:
                allocator = context._state["allocators"][name]
                address = allocator.reallocate_output_async(name, 0, value.nbytes, 256, stream_handle)
                allocator.notify_shape(name, trt.Dims(list(value.shape)))
            else:
                address = context._state["addresses"][name]
            memory.copy(address, value.ctypes.data, value.nbytes)
        context._state["runs"] += 1
        return True

    _refitter(trt)
    for member, fn in [
        ("set_optimization_profile_async", set_optimization_profile_async),
        ("set_input_shape", set_input_shape),
        ("get_tensor_shape", get_tensor_shape),
        ("set_tensor_address", set_tensor_address),
        ("set_output_allocator", set_output_allocator),
        ("execute_async_v3", execute_async_v3),
    ]:
        trt.implement("IExecutionContext", member, fn)
    return trt


def _refitter(trt: Any) -> None:
    """A Refitter of the fake engines: its weights are the constants of the engine's network that were
    marked refittable; ``refit_cuda_engine`` gives those constants the values set (stored widened where
    the lowering widens them), so the engine computes with the new weights."""

    def constants(refitter):
        engine = refitter._state["engine"]
        return {n.name: n for n in engine._state["network"].nodes if n.name in engine._state["refittable"]}

    def stored(node):
        dtype = node.op.weights.dtype
        return WIDENED_CONSTANTS.get(dtype.trt, dtype)

    def prototype(refitter, weights_name):
        node = constants(refitter)[weights_name]
        return trt.Weights(np.zeros(node.op.weights.array.size, stored(node).numpy))

    def set_named_weights(refitter, name, weights):
        node = constants(refitter).get(name)
        values = weights.numpy()
        if node is None or values.dtype != stored(node).numpy or values.size != node.op.weights.array.size:
            return False
        refitter._state["given"][name] = values
        return True

    def refit_cuda_engine(refitter):
        nodes = constants(refitter)
        for name, values in refitter._state["given"].items():
            node = nodes[name]
            array = values.reshape(node.op.weights.shape).astype(node.op.weights.dtype.numpy)
            node.outputs[0].network.replace_op(node, Constant(Weights.of(array)))
        refitter._state["given"].clear()
        return True

    trt.implement("Refitter", "__init__", lambda refitter, engine, logger: refitter._state.update(
        engine=engine, logger=logger, given={}))
    trt.implement("Refitter", "get_all_weights", lambda refitter: sorted(constants(refitter)))
    trt.implement("Refitter", "get_weights_prototype", prototype)
    trt.implement("Refitter", "set_named_weights", set_named_weights)
    trt.implement("Refitter", "get_missing_weights", lambda refitter: [])
    trt.implement("Refitter", "refit_cuda_engine", refit_cuda_engine)
    trt.implement("ICudaEngine", "serialize", lambda engine: engine._state["plan"])


class _HostStream:
    handle = 0

    def synchronize(self) -> None:
        return None


class _HostEvent:
    def record(self, stream: Any) -> None:
        self.time = time.perf_counter()

    def elapsed_ms(self, start: _HostEvent) -> float:
        return (self.time - start.time) * 1e3


class _HostBuffer:
    """Host bytes with the interface of ``cuda.DeviceBuffer`` (at least one byte, as there)."""

    def __init__(self, nbytes: int) -> None:
        self.nbytes = int(nbytes)
        self._bytes = ctypes.create_string_buffer(max(self.nbytes, 1))
        self.ptr = ctypes.addressof(self._bytes)

    def copy_from_host(self, array: np.ndarray, stream: Any) -> None:
        assert array.nbytes <= self.nbytes and array.flags.c_contiguous
        ctypes.memmove(self.ptr, array.ctypes.data, array.nbytes)

    def copy_to_host(self, array: np.ndarray, stream: Any) -> None:
        assert array.nbytes <= self.nbytes and array.flags.c_contiguous
        ctypes.memmove(array.ctypes.data, self.ptr, array.nbytes)


def host_cuda() -> Any:
    """trtdsl's CUDA module (``trtdsl.backends.tensorrt.cuda``) with host memory in place of device memory,
    for the runtime to run fake engines made with ``memory=HOST`` where there is no GPU."""
    return types.SimpleNamespace(
        Stream=_HostStream,
        Event=_HostEvent,
        DeviceBuffer=_HostBuffer,
        DeviceArray=cuda.DeviceArray,
        is_device_array=lambda value: False,
        import_dlpack=cuda.import_dlpack,
    )
