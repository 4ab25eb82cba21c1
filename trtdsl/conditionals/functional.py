"""``td.cond``: JAX's ``lax.cond`` on a TensorRT if-conditional.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("cond")
>>> x = net.input("x", td.float32, (2,))
>>> y = td.cond(td.sum(x) > 0, lambda v: v * 2, lambda v: -v, x)
>>> net.output("y", y)
>>> net.run({"x": np.array([1, -3], np.float32)})["y"]
array([-1.,  3.], dtype=float32)
"""

from __future__ import annotations

from typing import Any, Callable

from trtdsl.conditionals.builder import If
from trtdsl.errors import RegionError
from trtdsl.layers._common import expect_callable, expect_tensor
from trtdsl.regions.tree import check_same, tensors, unflatten

__all__ = ["cond"]


def cond(pred: Any, true_fn: Callable[..., Any], false_fn: Callable[..., Any], *operands: Any,
         name: str | None = None) -> Any:
    """``true_fn(*operands) if pred else false_fn(*operands)`` as one if-conditional: only the taken
    function's layers run. ``pred`` is a 0-D bool tensor; each function returns a tensor or a
    tuple/list/dict of tensors, the same structure with the same dtypes and shapes from both.

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("swap")
    >>> a = net.input("a", td.int32, ())
    >>> b = net.input("b", td.int32, ())
    >>> lo, hi = td.cond(a < b, lambda: (a, b), lambda: (b, a))     # (a, b) if a < b else (b, a)
    >>> net.output("lo", lo); net.output("hi", hi)
    >>> out = net.run({"a": np.int32(7), "b": np.int32(3)})
    >>> out["lo"], out["hi"]
    (array(3, dtype=int32), array(7, dtype=int32))
    """
    pred = expect_tensor("cond", "pred", pred)
    operand_names = tuple(f"operands[{i}]" for i in range(len(operands)))
    expect_callable("cond", "true_fn", true_fn, operand_names)
    expect_callable("cond", "false_fn", false_fn, operand_names)
    with If(pred, name=name) as branch:
        with branch.then_():
            t_leaves, t_tree = tensors("cond", "true_fn's result", true_fn(*operands))
        with branch.else_():
            f_leaves, f_tree = tensors("cond", "false_fn's result", false_fn(*operands))
        check_same("cond", "result", ("true_fn's result", t_tree, t_leaves),
                   ("false_fn's result", f_tree, f_leaves), "td.cond gives results of one type: cast or "
                   "reshape them (td.If's branch.output takes dims that differ: TensorRT needs the same "
                   "dtype and rank).")
        if not t_leaves:
            raise RegionError("cond: the branches return no tensor; a conditional needs at least one output")
        outs = [branch.output(t, f) for t, f in zip(t_leaves, f_leaves)]
    return unflatten(t_tree, outs)
