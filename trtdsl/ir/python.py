"""A network as runnable trtdsl code: ``net.to_python()``.

The code rebuilds the same IR: the same inputs (names, dtypes, shapes, shape-tensor inputs), profiles,
layers in the same order with equal parameters and wiring, the same names, regions and outputs. Every
layer is written the same way, from its op's fields: ``net.add1(td.ops.Kind(field=value, ...), [inputs])``
(fields left at their default are left out), so the printer needs no entry per op kind and knows every
kind, plugins' included. Loops and conditionals are written as their boundary layers, as TensorRT holds
them; a recurrence's next value is connected with ``net.set_input`` once every layer exists.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("demo")
>>> x = net.input("x", td.float32, ("batch", 3))
>>> net.output("y", td.relu(x) + 1.0)
>>> print(net.to_python())
import numpy as np
import trtdsl as td
from trtdsl.ir.types import Weights
<BLANKLINE>
<BLANKLINE>
def build_network() -> td.Network:
    net = td.Network("demo")
    x = net.input("x", td.float32, ("batch", 3))
    relu_0 = net.add1(td.ops.Activation(type=td.ActivationType.RELU), [x])
    constant_0 = net.add1(td.ops.Constant(weights=Weights.of(np.array([[1.0]], np.float32))), [])
    y = net.add1(td.ops.ElementWise(op=td.ElementWiseOperation.SUM), [relu_0, constant_0])
    net.output("y", y)
    return net
<BLANKLINE>
<BLANKLINE>
if __name__ == "__main__":
    print(build_network())
<BLANKLINE>
>>> namespace = {}
>>> exec(net.to_python(), namespace)
>>> again = namespace["build_network"]()
>>> again.format(locations=False) == net.format(locations=False)
True
"""

from __future__ import annotations

import enum
import keyword
import math
import re
import sys
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from trtdsl import dtypes
from trtdsl.dtypes import DType
from trtdsl.ir.dims import Dim
from trtdsl.ir.node import Node
from trtdsl.ir.region import Region
from trtdsl.ir.tensor import Tensor
from trtdsl.ir.types import Weights

if TYPE_CHECKING:
    from trtdsl.ir.network import Network

# Arrays up to this many elements are written as lists of values; larger ones as their bytes in hex.
_LISTED_ELEMENTS = 64
_NUMPY_NAMES = {"float32", "float16", "int8", "uint8", "int32", "int64", "bool"}


def to_python(network: Network) -> str:
    """The source of a module whose ``build_network()`` returns a network equal to ``network`` (see the
    module docs); ``python FILE`` prints it, and ``trtdsl`` commands load it."""
    return _Writer(network).module()


class _Writer:
    def __init__(self, network: Network) -> None:
        self.network = network
        self.names: dict[Tensor, str] = {}
        self.taken: set[str] = {"net", "td", "np", "ml_dtypes", "build_network"}
        self.regions: dict[Region, str] = {}
        self.counters: dict[str, int] = {}
        self.layer_names: set[str] = set(network.inputs)
        self.imports: dict[str, None] = {"import numpy as np": None, "import trtdsl as td": None}

    def module(self) -> str:
        body = self.body()
        header = "\n".join(self.imports)
        lines = [header, "", "", "def build_network() -> td.Network:"]
        lines += [f"    {line}" for line in body]
        lines += ["    return net", "", "", 'if __name__ == "__main__":', "    print(build_network())", ""]
        return "\n".join(lines)

    def body(self) -> list[str]:
        net = self.network
        lines = [f"net = td.Network({_string(net.name)})"]
        for name, t in net.inputs.items():
            shape = self.value(tuple(d.args[0] if isinstance(d, Dim) and d.is_symbol else d for d in t.shape))
            flag = ", shape_tensor=True" if name in net.shape_inputs else ""
            lines.append(f"{self.bind(t)} = net.input({_string(name)}, {self.value(t.dtype)}, {shape}{flag})")
        for profile in net.profiles:
            lines.append(f"net.add_profile({self.value(profile.as_dict())})")
        made_by_output = _outputs_made_by_identity(net)
        pending = list(net.outputs.items())
        for node in net.nodes:
            while pending and pending[0][1] in self.names:
                lines.append(self.output(*pending.pop(0)))
            made = made_by_output.get(node)
            if made is not None and pending and pending[0][0] == made:
                lines.append(self.output(made, node.input(0)))
                self.names[node.output] = f"net.outputs[{_string(made)}]"
                pending.pop(0)
            else:
                lines.extend(self.layer(node))
        for node in net.nodes:
            if node.op.kind == "Recurrence" and len(node.inputs) > 1 and node.inputs[1] is not None:
                lines.append(f"net.set_input({self.names[node.output]}.producer, 1, "
                             f"{self.names[node.inputs[1]]})")
        lines.extend(self.output(name, t) for name, t in pending)
        return lines

    def output(self, name: str, tensor: Tensor) -> str:
        method = "mark_output_for_shapes" if name in self.network.shape_outputs else "output"
        return f"net.{method}({_string(name)}, {self.names[tensor]})"

    def layer(self, node: Node) -> list[str]:
        lines = []
        for field in attrs.fields(type(node.op)) if attrs.has(type(node.op)) else ():
            value = getattr(node.op, field.name)
            if isinstance(value, Region) and value not in self.regions:
                self.regions[value] = self.fresh(value.name)
                self.imports["from trtdsl.ir.region import new_region"] = None
                lines.append(f"{self.regions[value]} = new_region(net, {_string(value.kind)}, {_string(value.name)})")
        if node.op.kind == "PluginV3":
            lines.append(f"# needs the plugin's definition: {_plugin_source(node.op)}")
        given = node.inputs[:1] if node.op.kind == "Recurrence" else node.inputs  # the back edge comes last
        args = ", ".join("None" if t is None else self.names[t] for t in given)
        name = f", name={_string(node.name)}" if node.user_named or not self.auto_named(node) else ""
        call = f"net.add{'1' if len(node.outputs) == 1 else ''}({self.op(node.op)}, [{args}]{name})"
        if not node.outputs:
            lines.append(call)
        elif len(node.outputs) == 1:
            lines.append(f"{self.bind(node.output)} = {call}")
        else:
            lines.append(f"{', '.join(self.bind(t) for t in node.outputs)} = {call}")
        return lines

    def auto_named(self, node: Node) -> bool:
        """Whether the rebuilt network names ``node`` as it is named (it follows ``Network._fresh``; a
        network from which layers were removed has gaps in its automatic names, which are then given)."""
        same = False
        if not node.user_named:
            hint = node.op.name_hint()
            n = self.counters.get(hint, 0)
            while f"{hint}_{n}" in self.layer_names:
                n += 1
            same = f"{hint}_{n}" == node.name
            if same:
                self.counters[hint] = n + 1
        self.layer_names.add(node.name)
        self.layer_names.update(t.name for t in node.outputs)
        return same

    def op(self, op: Any) -> str:
        return f"td.ops.{type(op).__name__}({self.fields(op)})"

    def fields(self, obj: Any) -> str:
        parts = []
        for field in attrs.fields(type(obj)):
            if not field.init:
                continue
            value = getattr(obj, field.name)
            default = field.default
            if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                default = default.factory() if not default.takes_self else attrs.NOTHING
            if default is not attrs.NOTHING and _same(value, default):
                continue
            parts.append(f"{getattr(field, 'alias', None) or field.name.lstrip('_')}={self.value(value)}")
        return ", ".join(parts)

    def bind(self, tensor: Tensor) -> str:
        name = self.fresh(tensor.name)
        self.names[tensor] = name
        return name

    def fresh(self, text: str) -> str:
        base = re.sub(r"\W", "_", text).strip("_") or "t"
        if base[0].isdigit() or keyword.iskeyword(base):
            base = f"t_{base}"
        name, n = base, 1
        while name in self.taken:
            name, n = f"{base}_{n}", n + 1
        self.taken.add(name)
        return name

    def value(self, value: Any) -> str:
        """Python code for a parameter value."""
        if isinstance(value, str):
            return _string(value)
        if value is None or isinstance(value, bool):
            return repr(value)
        if isinstance(value, DType):
            return f"td.{value.name}"
        if isinstance(value, enum.Enum):
            return self.enum(value)
        if isinstance(value, int):
            return repr(value)
        if isinstance(value, float):
            return repr(value) if math.isfinite(value) else f"float({str(value)!r})"
        if isinstance(value, Region):
            return self.regions[value]
        if isinstance(value, Dim):
            if value.is_symbol:
                return f"td.Dim.symbol({value.args[0]!r})"
            return f"td.Dim({value.op!r}, {self.value(value.args)})"
        if isinstance(value, Weights):
            self.imports["from trtdsl.ir.types import Weights"] = None
            return f"Weights.of({self.array(value.array)})"
        if isinstance(value, np.ndarray):
            return self.array(value)
        if isinstance(value, np.generic):
            return f"{self.array(np.asarray(value))}[()]"
        if isinstance(value, tuple):
            items = [self.value(v) for v in value]
            return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
        if isinstance(value, list):
            return f"[{', '.join(self.value(v) for v in value)}]"
        if isinstance(value, dict):
            return "{" + ", ".join(f"{self.value(k)}: {self.value(v)}" for k, v in value.items()) + "}"
        if attrs.has(type(value)):
            return f"{self.qualified(type(value))}({self.fields(value)})"
        raise TypeError(f"to_python: no Python code for the parameter value {value!r}")

    def enum(self, member: enum.Enum) -> str:
        cls = type(member)
        # the td namespace (loaded whenever the IR is) exports the enums of the layers' parameters
        if getattr(sys.modules.get("trtdsl"), cls.__name__, None) is cls:
            return f"td.{cls.__name__}.{member.name}"
        return f"{self.qualified(cls)}.{member.name}"

    def qualified(self, cls: type) -> str:
        self.imports[f"import {cls.__module__}"] = None
        return f"{cls.__module__}.{cls.__qualname__}"

    def array(self, array: np.ndarray) -> str:
        dtype = dtypes.of_array(array)
        name = dtype.name if dtype is not None else str(array.dtype)
        if name in _NUMPY_NAMES:
            numpy_dtype = f"np.{'bool_' if name == 'bool' else name}"
        else:
            self.imports["import ml_dtypes"] = None
            numpy_dtype = f"ml_dtypes.{array.dtype.name}"
        plain = name in _NUMPY_NAMES and (name == "bool" or array.dtype.kind in "iu" or np.all(np.isfinite(array)))
        if array.size == 0:
            return f"np.zeros({self.value(array.shape)}, {numpy_dtype})"
        if plain and array.size <= _LISTED_ELEMENTS:
            return f"np.array({_listed(array)}, {numpy_dtype})"
        data = np.ascontiguousarray(array).tobytes().hex()
        return f"np.frombuffer(bytes.fromhex({data!r}), {numpy_dtype}).reshape({self.value(array.shape)})"


def _string(text: str) -> str:
    """``repr(text)`` in double quotes where that needs no escape (as the DSL's examples write names)."""
    code = repr(text)
    return f'"{code[1:-1]}"' if code.startswith("'") and '"' not in text else code


def _listed(array: np.ndarray) -> str:
    """The array's values as nested lists (repr of Python numbers: exact for float16 and float32)."""
    values = array.tolist()
    return repr(values)


def _same(value: Any, default: Any) -> bool:
    if type(value) is not type(default):
        return False
    try:
        return bool(value == default)
    except (TypeError, ValueError):
        return False


def _outputs_made_by_identity(network: Network) -> dict[Node, str]:
    """The Identity layers that ``net.output`` added (for an input, a user-named tensor or a tensor that
    is already an output), by the output's name: ``net.output`` adds them again."""
    found = {}
    earlier: list[Tensor] = []
    for name, t in network.outputs.items():
        node = t.producer
        if (
            node is not None
            and node.op.kind == "Identity"
            and node.user_named
            and node.name == name
            and node.inputs[0] is not None
            and (
                node.input(0).user_named
                or node.input(0).producer is None
                or any(e is node.input(0) for e in earlier)
            )
        ):
            found[node] = name
        earlier.append(t)
    return found


def _plugin_source(op: Any) -> str:
    """Where the plugin's class is: its module, or the file of a script (``__main__``, or a file the command
    line ran), which no import names."""
    cls = op.definition.cls
    if not cls.__module__.startswith("__"):
        return f"{cls.__module__}.{cls.__qualname__} (import its module before building)"
    where = op.definition.location  # the decorator's line
    defined = f"defined at {where}" if where is not None else f"defined in {cls.__module__}"
    return f"{cls.__qualname__}, {defined} (run or import that code before building)"
