"""Every op class of trtdsl in one place: the parameters of one layer kind, as ``node.op`` holds them
(``docs/architecture.md``, "The IR"). The DSL functions (``td.gather``, ``td.Loop``, ...) create them;
build layers from them directly with ``net.add(op, inputs)``:

>>> import numpy as np, trtdsl as td
>>> net = td.Network("ops")
>>> x = net.input("x", td.float32, (4,))
>>> net.output("y", net.add1(td.ops.Slice((1,), (2,), (1,)), (x,)))
>>> net.run({"x": np.arange(4, dtype=np.float32)})["y"]
array([1., 2.], dtype=float32)
>>> net.nodes[0].op
Slice(start=(1,), size=(2,), stride=(1,), mode=<SampleMode.STRICT_BOUNDS: 'strict_bounds'>)

The classes are found, not listed: every op class that a module of the op packages defines
(``trtdsl.ir.table.all_op_types()``), under its class name.
"""

from trtdsl.ir.op import Op
from trtdsl.ir.table import all_op_types

_CLASSES: dict[str, type[Op]] = {"Op": Op, **{cls.__name__: cls for cls in all_op_types()}}
__all__ = sorted(_CLASSES)


def __getattr__(name: str) -> type[Op]:
    try:
        return _CLASSES[name]
    except KeyError:
        raise AttributeError(f"module 'trtdsl.ops' has no op class {name!r}") from None


def __dir__() -> list[str]:
    return __all__
