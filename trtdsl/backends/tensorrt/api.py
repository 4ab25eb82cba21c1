"""The TensorRT Python API as trtdsl uses it, with every difference between TensorRT versions here.

:class:`TensorRT` wraps a module: the real ``tensorrt`` or a :mod:`.standin`. The lowering, the
builder, the runtime and raise use only this wrapper and the module's classes, so a version
difference is handled once:

- TensorRT 11 networks are always strongly typed (``create_network(0)``); on 10.x trtdsl creates them
  with ``NetworkDefinitionCreationFlag.STRONGLY_TYPED`` (flag values differ between versions: they are
  read from the module, never hard-coded).
- An unset ``IShuffleLayer.reshape_dims`` or ``ISliceLayer.axes`` reads as Dims of rank -1 (NvInfer.h), whose
  ``len()`` fails; ``None`` is taken too (:meth:`TensorRT.optional_dims`).
- Weights of types NumPy lacks (BF16, FP8, INT4, FP4, E8M0) go through ``Weights(type, ptr, count)``;
  sub-byte types are packed two elements per byte, the first in the low nibble.
- An attention is added with ``add_attention_v2`` and its ``CausalMaskKind`` (11.x); 10.x has only
  ``add_attention`` whose ``causal=True`` is the upper-left diagonal, so a lower-right one is refused
  there (:meth:`TensorRT.add_attention`).
- TensorRT older than :data:`MINIMUM_VERSION` is refused when the wrapper is made, naming the APIs the
  backend needs from a newer release (:data:`API_SINCE`).

>>> from trtdsl.backends.tensorrt import standin
>>> api = TensorRT(standin.module("10.16"))
>>> api.major, api.network_flags()
(10, 2)
>>> TensorRT(standin.module("11.4")).network_flags()
0
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Sequence

import numpy as np

from trtdsl import dtypes
from trtdsl.backends import nibbles
from trtdsl.dtypes import DType
from trtdsl.errors import BackendError
from trtdsl.ir.dims import DimLike

# The first TensorRT release whose Python bindings have each API the backend uses (lowering, raise, build,
# runtime), where that is later than 10.0: every other API it calls is in 10.0's bindings. Found in
# NVIDIA/TensorRT's python/src/infer/{pyGraph,pyCore,pyFoundationalTypes,pyPlugin}.cpp on each release/10.x
# branch (the .def of the method or property; for a method, the overload with the arguments used). The
# calls themselves are the ones tests/backends/tensorrt/test_manifest_calls.py records.
API_SINCE: dict[str, tuple[int, int]] = {
    "INetworkDefinition.add_squeeze": (10, 7),
    "INetworkDefinition.add_unsqueeze": (10, 7),
    "INetworkDefinition.add_cumulative": (10, 8),
    "INetworkDefinition.add_attention": (10, 14),
    "INetworkDefinition.add_rotary_embedding": (10, 15),
    "INetworkDefinition.add_kv_cache_update": (10, 15),
    "IDynamicQuantizeLayer.scale_type": (10, 8),
    "INetworkDefinition.add_dynamic_quantize": (10, 8),
    "INetworkDefinition.add_topk(indices_type)": (10, 14),
    "INetworkDefinition.add_non_zero(indices_type)": (10, 14),
    "ITopKLayer.indices_type": (10, 14),
    "INonZeroLayer.indices_type": (10, 14),
    "INetworkDefinition.add_normalization_v2": (10, 15),
    "INormalizationLayer.is_v2": (10, 15),
    "INetworkDefinition.add_dynamic_quantize_v2": (10, 15),
    "IDynamicQuantizeLayer.block_shape": (10, 15),
    "IQuantizeLayer.block_shape": (10, 15),
    "IDequantizeLayer.block_shape": (10, 15),
}
MINIMUM_VERSION = max(API_SINCE.values())
# APIs that only some layer kinds need, from the same source: they do not raise the floor; lowering such a
# layer on an older TensorRT is a BackendError naming the API (TensorRT.require).
LAYER_API_SINCE: dict[str, tuple[int, int]] = {
    "INetworkDefinition.add_dist_collective": (10, 16),
    "INetworkDefinition.add_moe": (10, 16),
    "ILayer.num_ranks": (10, 16),
    "CollectiveOperation.ALL_TO_ALL": (11, 0),
    "CollectiveOperation.GATHER": (11, 0),
    "CollectiveOperation.SCATTER": (11, 0),
}


def version_tuple(version: str) -> tuple[int, int]:
    """``(major, minor)`` of a TensorRT version string.

    >>> version_tuple("10.16.1.11")
    (10, 16)
    """
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


# DataTypes whose weights NumPy holds natively in the bindings (Weights(ndarray), Weights.numpy()).
NUMPY_NATIVE = frozenset({"FLOAT", "HALF", "INT8", "INT32", "INT64", "BOOL", "UINT8"})
# IConstantLayer takes neither BOOL nor UINT8 weights, and BF16 weights cannot be read back through the
# Python API: such constants are stored widened and cast (exact for every value of these types).
WIDENED_CONSTANTS = {"BOOL": dtypes.int32, "UINT8": dtypes.int32, "BF16": dtypes.float32}
WIDENED_MARK = "trtdsl:widened-constant"
SUB_BYTE = frozenset({"INT4", "FP4"})


def import_tensorrt() -> Any:
    """The real ``tensorrt`` module, or a BackendError saying why it cannot be used.

    >>> try:
    ...     ok = int(import_tensorrt().__version__.split(".")[0]) >= 10
    ... except BackendError as e:           # where TensorRT is missing
    ...     ok = "pip install tensorrt" in e.message
    >>> ok
    True
    """
    try:
        import tensorrt  # noqa: PLC0415  (optional dependency, imported only by this backend)
    except ImportError as exc:
        raise BackendError(
            "the TensorRT backend needs the tensorrt package and its libraries (pip install tensorrt), "
            f"which could not be imported: {exc}. The NumPy reference (backend='reference') runs everywhere"
        ) from None
    return tensorrt


class TensorRT:
    """A TensorRT module (real or stand-in) and its version."""

    def __init__(self, trt: Any) -> None:
        self.trt = trt
        if not all(hasattr(trt, name) for name in ("__version__", "Builder", "INetworkDefinition")):
            given = getattr(trt, "__name__", trt)
            raise BackendError(f"the module given as TensorRT ({given!r}) is not TensorRT: it has no Builder "
                               "and INetworkDefinition; pass the tensorrt module or a stand-in "
                               "(trtdsl.backends.tensorrt.standin.module(...))")
        self.version: str = trt.__version__
        self.major = version_tuple(self.version)[0]
        if version_tuple(self.version) < MINIMUM_VERSION:
            floor = ".".join(map(str, MINIMUM_VERSION))
            newer = sorted(api for api, since in API_SINCE.items() if version_tuple(self.version) < since)
            raise BackendError(
                f"TensorRT {self.version} is too old: trtdsl's TensorRT backend needs TensorRT {floor} or "
                f"newer, for {', '.join(newer)} (pip install 'tensorrt>={floor}')"
            )

    def __repr__(self) -> str:
        return f"TensorRT({self.version})"

    # -- networks ----------------------------------------------------------------------------------------
    def network_flags(self) -> int:
        """The creation flags of a strongly typed network."""
        if self.major >= 11:
            return 0
        return 1 << int(self.trt.NetworkDefinitionCreationFlag.STRONGLY_TYPED)

    def create_network(self, builder: Any) -> Any:
        return builder.create_network(self.network_flags())

    def require(self, api: str, what: str) -> None:
        """A BackendError unless this TensorRT has ``api`` (a key of :data:`LAYER_API_SINCE`), which
        ``what`` needs."""
        since = LAYER_API_SINCE[api]
        if version_tuple(self.version) < since:
            floor = ".".join(map(str, since))
            raise BackendError(f"{what} needs TensorRT {floor} or newer ({api}); this is TensorRT "
                               f"{self.version}")

    # -- values ------------------------------------------------------------------------------------------
    def dtype(self, dt: DType) -> Any:
        return getattr(self.trt.DataType, dt.trt)

    @staticmethod
    def from_dtype(trt_dtype: Any) -> DType:
        return dtypes.dtype(trt_dtype.name)

    def enum(self, trt_enum: str, member: Enum) -> Any:
        """The member of TensorRT's enum ``trt_enum`` named like ``member`` (trtdsl's enums use
        TensorRT's names)."""
        try:
            return getattr(getattr(self.trt, trt_enum), member._name_)  # .name, without its property's cost
        except AttributeError:
            raise BackendError(f"TensorRT {self.version} has no {trt_enum}.{member.name}") from None

    @staticmethod
    def from_enum(enum_type: type[Enum], trt_member: Any, what: str) -> Any:
        try:
            return enum_type[trt_member.name]
        except KeyError:
            raise BackendError(f"{what}: TensorRT's {trt_member} has no trtdsl equivalent") from None

    def dims(self, shape: Sequence[DimLike]) -> Any:
        """TensorRT Dims of ``shape`` (-1 for dynamic dims)."""
        return self.trt.Dims([d if isinstance(d, int) else -1 for d in shape])

    def permutation(self, perm: Sequence[int]) -> Any:
        return self.trt.Permutation(list(perm))

    def weights(self, array: np.ndarray) -> tuple[Any, np.ndarray]:
        """TensorRT Weights holding ``array``'s values, and the buffer that must stay alive until the
        engine is built (TensorRT reads weights then, without copying them before)."""
        dt = dtypes.of_array(array)
        assert dt is not None, "constants hold TensorRT dtypes"
        if dt.trt in NUMPY_NATIVE:
            buffer = np.ascontiguousarray(array)
            return self.trt.Weights(buffer), buffer
        buffer = nibbles.pack(array) if dt.trt in SUB_BYTE else np.ascontiguousarray(array).view(np.uint8)
        return self.trt.Weights(self.dtype(dt), buffer.ctypes.data, int(array.size)), buffer

    @staticmethod
    def float_param(value: Any) -> float:
        """A float property as raise reads it. TensorRT holds a C++ float, so the bindings read back a float32
        value (``9.99999974737875e-06`` for ``1e-05``): such a value is taken as the shortest decimal that is
        the same float32, the value it was set to wherever that had no more digits than a float32 keeps; a
        value that is no float32 (as the stand-in keeps what it was given) is taken as it is. The layer
        computes with the float32 either way.

        >>> TensorRT.float_param(9.99999974737875e-06), TensorRT.float_param(1 / 6)
        (1e-05, 0.16666666666666666)
        """
        number = float(value)
        single = np.float32(number)
        return float(str(single)) if float(single) == number else number

    @staticmethod
    def optional_dims(value: Any) -> tuple[int, ...] | None:
        """Dims read from a property that may be unset (a Shuffle's reshape dims, a Slice's axes), or None
        where it is: NvInfer.h gives Dims of rank -1 then, which the bindings return as they are (pyGraph.cpp
        binds the getters directly). Iterating those gives nothing (their ``__getitem__`` raises IndexError
        at 0, which ends Python's iteration), so the rank is read first: their ``__len__`` gives -1, which
        Python refuses with a ValueError. None itself is taken too."""
        if value is None:
            return None
        try:
            rank = len(value)
        except ValueError:
            return None
        return tuple(int(value[i]) for i in range(rank))

    # -- layers ------------------------------------------------------------------------------------------
    def add_attention(self, network: Any, inputs: Sequence[Any], normalization: Enum, causal: Enum) -> Any:
        """An IAttention of ``inputs`` (query, key, value) with trtdsl's ``normalization`` and ``causal``
        kind: ``add_attention_v2`` where the bindings have it (TensorRT 11), else ``add_attention``, whose
        ``causal=True`` means kUPPER_LEFT (NvInfer.h 11.1 L9614 and L7017); TensorRT 10 has no lower-right
        causal mask, so it is refused there (it equals the upper-left one only when ``Sq == Skv``,
        NvInfer.h 11.1 L6753)."""
        norm = self.enum("AttentionNormalizationOp", normalization)
        if hasattr(network, "add_attention_v2"):
            return network.add_attention_v2(*inputs, norm, self.enum("CausalMaskKind", causal))
        if causal.name == "LOWER_RIGHT":
            raise BackendError(
                f"TensorRT {self.version} has no lower-right causal attention (CausalMaskKind and "
                "add_attention_v2 come with TensorRT 11; add_attention's causal=True is the upper-left "
                "diagonal): use causal='upper_left' where the query and key have equal lengths, or a mask"
            )
        return network.add_attention(*inputs, norm, causal.name != "NONE")

    def layer_type(self, layer: Any) -> str:
        """The LayerType name of ``layer`` (read through ILayer: subclasses reuse ``type``)."""
        return self.trt.ILayer.type.fget(layer).name

    def layer_class(self, layer_type: str) -> Any:
        return getattr(self.trt, LAYER_CLASSES[layer_type])


# The class of each LayerType, to view a layer from INetworkDefinition.get_layer as what it is.
LAYER_CLASSES = {
    "ACTIVATION": "IActivationLayer",
    "ASSERTION": "IAssertionLayer",
    "ATTENTION_INPUT": "IAttentionInputLayer",
    "ATTENTION_OUTPUT": "IAttentionOutputLayer",
    "CAST": "ICastLayer",
    "CONCATENATION": "IConcatenationLayer",
    "CONDITION": "IConditionLayer",
    "CONDITIONAL_INPUT": "IIfConditionalInputLayer",
    "CONDITIONAL_OUTPUT": "IIfConditionalOutputLayer",
    "CONSTANT": "IConstantLayer",
    "CONVOLUTION": "IConvolutionLayer",
    "CUMULATIVE": "ICumulativeLayer",
    "DECONVOLUTION": "IDeconvolutionLayer",
    "DEQUANTIZE": "IDequantizeLayer",
    "DIST_COLLECTIVE": "IDistCollectiveLayer",
    "DYNAMIC_QUANTIZE": "IDynamicQuantizeLayer",
    "EINSUM": "IEinsumLayer",
    "ELEMENTWISE": "IElementWiseLayer",
    "FILL": "IFillLayer",
    "GATHER": "IGatherLayer",
    "GRID_SAMPLE": "IGridSampleLayer",
    "IDENTITY": "IIdentityLayer",
    "ITERATOR": "IIteratorLayer",
    "KV_CACHE_UPDATE": "IKVCacheUpdateLayer",
    "LOOP_OUTPUT": "ILoopOutputLayer",
    "LRN": "ILRNLayer",
    "MATRIX_MULTIPLY": "IMatrixMultiplyLayer",
    "MOE": "IMoELayer",
    "NMS": "INMSLayer",
    "NON_ZERO": "INonZeroLayer",
    "NORMALIZATION": "INormalizationLayer",
    "ONE_HOT": "IOneHotLayer",
    "PADDING": "IPaddingLayer",
    "PARAMETRIC_RELU": "IParametricReLULayer",
    "PLUGIN": "ILayer",
    "PLUGIN_V2": "IPluginV2Layer",
    "PLUGIN_V3": "IPluginV3Layer",
    "POOLING": "IPoolingLayer",
    "QUANTIZE": "IQuantizeLayer",
    "RAGGED_SOFTMAX": "IRaggedSoftMaxLayer",
    "RECURRENCE": "IRecurrenceLayer",
    "REDUCE": "IReduceLayer",
    "RESIZE": "IResizeLayer",
    "REVERSE_SEQUENCE": "IReverseSequenceLayer",
    "ROTARY_EMBEDDING": "IRotaryEmbeddingLayer",
    "SCALE": "IScaleLayer",
    "SCATTER": "IScatterLayer",
    "SELECT": "ISelectLayer",
    "SHAPE": "IShapeLayer",
    "SHUFFLE": "IShuffleLayer",
    "SLICE": "ISliceLayer",
    "SOFTMAX": "ISoftMaxLayer",
    "SQUEEZE": "ISqueezeLayer",
    "TOPK": "ITopKLayer",
    "TRIP_LIMIT": "ITripLimitLayer",
    "UNARY": "IUnaryLayer",
    "UNSQUEEZE": "IUnsqueezeLayer",
}
