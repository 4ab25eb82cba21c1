"""Modules and parameters: a tree of named weights whose constants carry their paths into the network.

A :class:`Module` holds :class:`Parameter` s and sub-modules as attributes; a parameter's name is its
path from the root of the tree, PyTorch's ``state_dict`` key (``encoder.layers.0.attn.q_proj.weight``).
Calling a module on trtdsl Tensors adds its layers to their network: each parameter becomes one Constant
layer named after its path, made once per network, so the textual IR, the ONNX initializers and the
TensorRT weights (``INetworkDefinition.set_weights_name``) all carry the checkpoint's names.

The network's constants stay bound to their parameters: :meth:`Module.load_state_dict` gives every
network the module was called on the new values (``Network.replace_op`` on each bound Constant), so a
network built once runs with each checkpoint loaded into its modules.

>>> import numpy as np, trtdsl as td
>>> class Affine(td.nn.Module):
...     def __init__(self, n):
...         super().__init__()
...         self.scale = td.nn.Parameter((n,), fill=1.0)
...     def forward(self, x):
...         return x * self.scale.constant(x.network)
>>> model = td.nn.Sequential(Affine(2), Affine(2))
>>> sorted(model.state_dict())
['0.scale', '1.scale']
>>> net = td.Network("affine")
>>> net.output("y", model(net.input("x", td.float32, (2,))))
>>> model.load_state_dict({"0.scale": np.float32([2, 3]), "1.scale": np.float32([10, 10])})
<All keys matched successfully>
>>> net.run({"x": np.float32([1, 1])})["y"]
array([20., 30.], dtype=float32)
"""

from __future__ import annotations

import os
import weakref
import zipfile
from typing import Any, Iterator, Mapping

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.dtypes import DType
from trtdsl.errors import ArgumentError, DSLError, bad_argument, mismatches, shown
from trtdsl.ir.network import Network
from trtdsl.ir.node import Node
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import Weights
from trtdsl.layers._common import expect_tensor
from trtdsl.layers.constant import Constant

__all__ = ["IncompatibleKeys", "Module", "Parameter", "load", "save"]


def _shape(fn: str, arg: str, value: Any) -> tuple[int, ...]:
    """``value`` (an int or a sequence of ints >= 0) as a shape."""
    items = (value,) if isinstance(value, (int, np.integer)) and not isinstance(value, bool) else value
    try:
        shape = tuple(items)
    except TypeError:
        shape = (None,)
    if not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) and 0 <= d < 2**31
               for d in shape):
        raise bad_argument(fn, arg, value, "a shape: a tuple of ints >= 0")
    return tuple(int(d) for d in shape)


def _check_container(owner: str, name: str, value: Any) -> None:
    """Refuse a container of modules or parameters set as attribute ``name``: the module would not hold
    them (they would be missing from its state_dict, loading and names, silently)."""
    items = list(value.values() if isinstance(value, dict) else value)
    if not any(isinstance(v, (Module, Parameter)) for v in items):
        return
    kind = type(value).__name__
    if all(isinstance(v, Module) for v in items) and not isinstance(value, dict):
        raise ArgumentError(f"{owner}: attribute {name!r} is a {kind} of modules, whose parameters the "
                            "module would not hold (state_dict, loading, names); use td.nn.ModuleList([...]) "
                            "(or td.nn.Sequential)")
    held = "modules" if any(isinstance(v, Module) for v in items) else "parameters"
    other = ", or put the modules in a td.nn.ModuleList([...])" if held == "modules" else ""
    raise ArgumentError(f"{owner}: attribute {name!r} is a {kind} holding {held}, which the module would "
                        f"not hold (state_dict, loading, names); give each an attribute of its own "
                        f"(self.{name}_a = ...){other}")


def _shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


class Parameter:
    """A weight of a module: its ``shape``, ``dtype`` and values (``value``, a read-only array), and its
    ``name``, the path from the root module (set when the module holding it joins a tree).

    ``fill`` gives every element that value (0 by default), or ``values`` gives the array. In a network
    the parameter is one Constant layer named ``name`` (see :meth:`constant`).

    >>> import trtdsl as td
    >>> p = td.nn.Parameter((2, 3), td.float16, fill=1.0)
    >>> p.shape, p.dtype, p.value.sum()
    ((2, 3), td.float16, np.float16(6.0))
    """

    def __init__(self, shape: Any, dtype: DType | str | Any = dtypes.float32, name: str = "", *,
                 fill: float = 0.0, values: Any = None) -> None:
        self.shape = _shape("Parameter", "shape", shape)
        self.dtype = dtypes.dtype(dtype)
        if not isinstance(name, str):
            raise bad_argument("Parameter", "name", name, "a str")
        self.name = name
        self._constants: weakref.WeakKeyDictionary[Network, Node] = weakref.WeakKeyDictionary()
        if values is None:
            if not isinstance(fill, (int, float, np.number)) or isinstance(fill, bool):
                raise bad_argument("Parameter", "fill", fill, "a number")
            values = np.full(self.shape, fill, self.dtype.numpy)
        problem = self._problem(values)
        if problem:
            raise ArgumentError(f"Parameter: the values {problem}")
        self.value = _frozen(np.asarray(values))

    def __repr__(self) -> str:
        return f"Parameter({self.name or '<unnamed>'}: {self.dtype.short}{list(self.shape)})"

    def _problem(self, values: Any) -> str | None:
        """What is wrong with ``values`` as this parameter's value, as ``are ...; expected ...`` (None when
        nothing is)."""
        array = _as_array(values)
        if array is None:
            return (f"are {shown(values)}; expected an array of shape {_shape_text(self.shape)} and dtype "
                    f"{self.dtype.name}")
        if array.shape != self.shape:
            return f"have shape {_shape_text(array.shape)}; expected {_shape_text(self.shape)}"
        if dtypes.of_array(array) is not self.dtype:
            return f"have dtype {array.dtype}; expected {self.dtype.name}"
        return None

    def constant(self, network: Network) -> Tensor:
        """The Constant layer holding this parameter in ``network``, named after the parameter's path; made
        on first use, the same tensor afterwards (a parameter used twice is one weight)."""
        if not isinstance(network, Network):
            raise bad_argument("Parameter.constant", "network", network, "a td.Network")
        node = self._constants.get(network)
        if node is None or node.output.network is not network:  # none yet, or one a failed region undid
            # a parameter's path, or a variant of it where another module's parameter has it already (two
            # modules that no parent names apart: both have a 'weight')
            name = network.unused_name(self.name) if self.name else None
            tensor = network.add1(Constant(Weights.of(self.value)), (), name=name)
            assert tensor.producer is not None, "a Constant layer makes its output"
            self._constants[network] = tensor.producer
            return tensor
        return node.output

    def assign(self, values: Any) -> None:
        """Give the parameter new values (an array of its shape and dtype), in every network holding it."""
        problem = self._problem(values)
        if problem:
            raise ArgumentError(f"Parameter.assign: the values for {self.name or 'the parameter'} {problem}")
        self._set(np.asarray(values))

    def _set(self, array: Any) -> None:
        self.value = _frozen(array)
        for network, node in list(self._constants.items()):
            if node.output.network is network:  # not a constant a failed region undid
                network.replace_op(node, Constant(Weights.of(self.value)))


def _frozen(array: np.ndarray) -> np.ndarray:
    copy = np.array(array, copy=True, order="C")
    copy.setflags(write=False)
    return copy


@attrs.frozen
class IncompatibleKeys:
    """What :meth:`Module.load_state_dict` left out with ``strict=False``: the parameters the checkpoint
    lacks and its keys no parameter has (PyTorch's ``_IncompatibleKeys``)."""

    missing_keys: tuple[str, ...]
    unexpected_keys: tuple[str, ...]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (f"IncompatibleKeys(missing_keys={list(self.missing_keys)}, "
                f"unexpected_keys={list(self.unexpected_keys)})")


class Module:
    """The base of modules: parameters and sub-modules are attributes (registered when assigned, in order);
    subclasses call ``super().__init__()`` first and define ``forward``, which calling the module runs.

    >>> import trtdsl as td
    >>> model = td.nn.Sequential(td.nn.Linear(4, 3), td.nn.LayerNorm(3))
    >>> [(name, p.shape) for name, p in model.named_parameters()]
    [('0.weight', (3, 4)), ('0.bias', (3,)), ('1.weight', (3,)), ('1.bias', (3,))]
    >>> model[0].weight.name
    '0.weight'
    """

    _parameters: dict[str, Parameter]
    _modules: dict[str, Module]
    _prefix: str

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_prefix", "")

    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise ArgumentError(f"{type(self).__name__}: attribute {name!r} set before Module.__init__ ran; "
                                "call super().__init__() first in __init__")
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
            value.name = self._prefix + name
        elif isinstance(value, Module):
            self._modules[name] = value
            value._set_prefix(f"{self._prefix}{name}.")
        elif isinstance(value, (list, tuple, dict, set, frozenset)):
            _check_container(type(self).__name__, name, value)
        object.__setattr__(self, name, value)

    def _set_prefix(self, prefix: str) -> None:
        object.__setattr__(self, "_prefix", prefix)
        for name, p in self._parameters.items():
            p.name = prefix + name
        for name, m in self._modules.items():
            m._set_prefix(f"{prefix}{name}.")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """What calling the module computes: the layers it adds to its inputs' network."""
        raise ArgumentError(f"{type(self).__name__}: a Module subclass defines forward(...), which calling "
                            "it runs; this one has none")

    def __repr__(self) -> str:
        inner = [f"  ({name}): " + repr(m).replace("\n", "\n  ") for name, m in self._modules.items()]
        inner += [f"  {name}: {p.dtype.short}{list(p.shape)}" for name, p in self._parameters.items()]
        return f"{type(self).__name__}(" + ("\n" + "\n".join(inner) + "\n" if inner else "") + ")"

    # -- the tree -----------------------------------------------------------------------------------------
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module (named ``prefix``) and every module under it, by path, parents first."""
        yield prefix, self
        for name, m in self._modules.items():
            yield from m.named_modules(f"{prefix}.{name}" if prefix else name)

    def named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        """Every parameter under this module, by path from it (PyTorch's order: a module's own parameters,
        then its sub-modules')."""
        for prefix, m in self.named_modules():
            for name, p in m._parameters.items():
                yield (f"{prefix}.{name}" if prefix else name), p

    def parameters(self) -> list[Parameter]:
        return [p for _, p in self.named_parameters()]

    # -- checkpoints --------------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """``{path: array}`` for every parameter under this module (read-only arrays, PyTorch's names and
        layouts)."""
        return {name: p.value for name, p in self.named_parameters()}

    def load_state_dict(self, state_dict: Mapping[str, Any] | str | os.PathLike[str], strict: bool = True,
                        ) -> IncompatibleKeys:
        """Give every parameter the array of its path in ``state_dict`` (a mapping of arrays, e.g.
        ``{k: v.numpy() for k, v in torch_model.state_dict().items()}``, or a ``.safetensors`` or ``.npz``
        file, see :func:`load`). Arrays keep their dtype: a parameter takes only its own dtype and shape.

        A checkpoint that does not fit is an ArgumentError listing every mismatch by name (missing and
        unexpected keys when ``strict``, wrong shapes and dtypes always); nothing is loaded then. The
        networks the module was called on get the new values in their constants.

        >>> import numpy as np, trtdsl as td
        >>> model = td.nn.Linear(2, 2)
        >>> try:
        ...     model.load_state_dict({"weight": np.zeros((2, 3), np.float32), "extra": np.zeros(1)})
        ... except td.ArgumentError as e:
        ...     print(e.message)
        load_state_dict: the checkpoint does not fit Linear (3 mismatches):
          missing: bias, f32[2]
          unexpected: extra
          wrong shape: weight is (2, 3); expected (2, 2)
        """
        fn = "load_state_dict"
        if isinstance(state_dict, (str, os.PathLike)):
            state_dict = load(state_dict)
        if not isinstance(state_dict, Mapping):
            raise bad_argument(fn, "state_dict", state_dict,
                               "a mapping of names to arrays, or a .safetensors or .npz file")
        if not isinstance(strict, (bool, np.bool_)):
            raise bad_argument(fn, "strict", strict, "True or False")
        params = dict(self.named_parameters())
        missing = [k for k in params if k not in state_dict]
        unexpected = sorted(str(k) for k in state_dict if k not in params)
        problems = []
        if strict:
            problems += [f"missing: {k}, {params[k].dtype.short}{list(params[k].shape)}" for k in missing]
            problems += [f"unexpected: {k if k.isprintable() else repr(k)}" for k in unexpected]
        arrays = {}
        for name, p in params.items():
            if name not in state_dict:
                continue
            array = _as_array(state_dict[name])
            if array is None:
                problems.append(f"not an array: {name} is {shown(state_dict[name])}")
            elif array.shape != p.shape:
                problems.append(f"wrong shape: {name} is {_shape_text(array.shape)}; expected "
                                f"{_shape_text(p.shape)}")
            elif dtypes.of_array(array) is not p.dtype:
                problems.append(f"wrong dtype: {name} is {array.dtype}; expected {p.dtype.name}")
            else:
                arrays[name] = array
        hint = ""
        if missing and unexpected and all(k.startswith("module.") for k in unexpected) \
                and set(missing) <= {k.removeprefix("module.") for k in unexpected}:
            hint = ("The checkpoint's keys start with 'module.' (torch.nn.DataParallel's): load "
                    "{k.removeprefix('module.'): v for k, v in checkpoint.items()}")
        if problems:
            raise mismatches(f"{fn}: the checkpoint does not fit {type(self).__name__}", problems, hint)
        for name, array in arrays.items():
            params[name]._set(array)
        return IncompatibleKeys(tuple(missing), tuple(unexpected))


def _as_array(value: Any) -> np.ndarray | None:
    """``value`` as a NumPy array (PyTorch tensors and other array-likes convert), or None."""
    if isinstance(value, Tensor):
        return None
    try:
        array = np.asarray(value)
    except (TypeError, ValueError, RuntimeError):
        return None
    if not array.dtype.isnative:  # big-endian values (of some .npy files): the same numbers, in this order
        array = array.astype(array.dtype.newbyteorder("="))
    # strings, objects and dates are no weights; numbers of any width are (a wrong dtype is its own mismatch)
    return None if array.dtype.kind in "OUSVMm" and dtypes.of_array(array) is None else array


# -- files ---------------------------------------------------------------------------------------------------
_FORMATS = (".safetensors", ".npz")


def _format(fn: str, path: Any) -> str:
    if not isinstance(path, (str, os.PathLike)):
        raise bad_argument(fn, "path", path, "a file path ending in .safetensors or .npz")
    suffix = os.path.splitext(os.fspath(path))[1].lower()
    if suffix not in _FORMATS:
        raise bad_argument(fn, "path", os.fspath(path), "a file ending in .safetensors or .npz (convert a "
                           "PyTorch .pt file with safetensors.torch.save_file)")
    return suffix


def _safetensors(fn: str) -> Any:
    try:
        import safetensors.numpy
    except ImportError:
        raise ArgumentError(f"{fn}: .safetensors files need the safetensors package: pip install "
                            "'trtdsl[safetensors]' (or use an .npz file)") from None
    return safetensors.numpy


def load(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """The arrays of a checkpoint file, by name: ``.safetensors`` (needs the ``safetensors`` package, the
    ``[safetensors]`` extra) or ``.npz`` (``np.load``).

    >>> import os, tempfile, numpy as np, trtdsl as td
    >>> path = os.path.join(tempfile.mkdtemp(), "w.npz")
    >>> td.nn.save(path, {"fc.weight": np.eye(2, dtype=np.float32)})
    >>> td.nn.load(path)["fc.weight"]
    array([[1., 0.],
           [0., 1.]], dtype=float32)
    """
    suffix = _format("load", path)
    source = os.fspath(path)
    try:
        if suffix == ".npz":
            with open(source, "rb") as f:
                if not zipfile.is_zipfile(f):
                    raise ArgumentError(f"load: checkpoint {source} is not a valid .npz file: it is no zip "
                                        "archive (of .npy arrays)")
            with np.load(source, allow_pickle=False) as archive:
                return {name: archive[name] for name in archive.files}
        loaded: dict[str, np.ndarray] = _safetensors("load").load_file(source)
        return loaded
    except DSLError:
        raise
    except OSError as exc:
        raise ArgumentError(f"load: cannot read checkpoint {source}: {exc.strerror or exc}") from None
    except Exception as exc:  # a corrupted file: zipfile, pickle or safetensors' own errors
        raise ArgumentError(f"load: checkpoint {source} is not a valid {suffix} file: "
                            f"{type(exc).__name__}: {exc}") from None


def save(path: str | os.PathLike[str], state_dict: Mapping[str, Any]) -> None:
    """Write ``state_dict`` (name -> array, e.g. ``module.state_dict()``) to ``path``, a ``.safetensors``
    or ``.npz`` file, atomically (see :func:`load` for the formats)."""
    from trtdsl._files import atomic_write, npz_bytes

    suffix = _format("save", path)
    if not isinstance(state_dict, Mapping) or not all(isinstance(k, str) for k in state_dict):
        raise bad_argument("save", "state_dict", state_dict, "a mapping of str names to arrays")
    arrays = {}
    for name, value in state_dict.items():
        array = _as_array(value)
        if array is None or array.dtype.kind == "c":
            raise bad_argument("save", f"state_dict[{name!r}]", value, "an array of real numbers")
        arrays[name] = np.asarray(array, order="C")  # np.ascontiguousarray would make 0-d arrays 1-d
    if suffix == ".npz":
        data = npz_bytes("save", arrays)
    else:
        data = _safetensors("save").save(arrays)
    atomic_write(path, data, fn="save")


def network_of(fn: str, x: Any) -> Network:
    """The network of ``x``, which must be a Tensor (the input of module ``fn``)."""
    return expect_tensor(fn, "x", x).network
