"""``td.If``: a TensorRT if-conditional (``IIfConditional``) as a Python ``with`` block.

>>> import numpy as np, trtdsl as td
>>> net = td.Network("if")
>>> x = net.input("x", td.float32, (3,))
>>> y = net.input("y", td.float32, (3,))
>>> with td.If(td.sum(x) > 0) as branch:     # if x.sum() > 0: out = x + y
...     with branch.then_():                   # else:          out = x - y
...         t = x + y
...     with branch.else_():
...         f = x - y
...     out = branch.output(t, f)
>>> net.output("out", out)
>>> net.run({"x": np.ones(3, np.float32), "y": np.full(3, 2, np.float32)})["out"]
array([3., 3., 3.], dtype=float32)
"""

from __future__ import annotations

import contextlib
from types import TracebackType
from typing import TYPE_CHECKING, Any, Iterator, Mapping

import numpy as np

from trtdsl.conditionals.ops import ConditionalInputLayer, ConditionalOutputLayer, ConditionLayer
from trtdsl.errors import DTypeError, RegionError, ShapeError
from trtdsl.ir.network import foreign_tensor
from trtdsl.ir.node import Node
from trtdsl.ir.tensor import Tensor
from trtdsl.layers._common import as_tensor, expect_tensor
from trtdsl.layers.constant import constant_argument
from trtdsl.regions.scope import (
    BodyScope, BranchOwner, BranchScope, EagerScope, IfBodyScope, RegionBuilder, State,
)

if TYPE_CHECKING:
    from trtdsl.ir.network import Network

__all__ = ["If"]


class If(RegionBuilder, BranchOwner):
    """A TensorRT if-conditional: ``with td.If(condition) as branch:`` with ``branch.then_()`` and
    ``branch.else_()`` blocks, and ``branch.output(then_value, else_value)`` for each result.

    ``condition`` is a 0-D bool tensor. Only the taken branch runs: every tensor from outside that a
    branch uses enters through an IIfConditionalInputLayer, so the branch's layers are inside the
    conditional (TensorRT's lazy, conditional execution). To compute something eagerly instead (before
    the conditional, whatever the condition), write it before the ``with td.If`` block, or in a
    branch inside ``with branch.eager():``. The meaning, in Python::

        if condition:
            ... the then_() block ...
            out = then_value
        else:
            ... the else_() block ...
            out = else_value

    Both values of an output must have the same dtype and rank (TensorRT's rule); where a dim differs,
    the output's dim is the taken branch's, known when the network runs (``if_0#2|3``). A branch may give
    a tensor from outside as its value (it is then computed whatever the condition).

    >>> import numpy as np, trtdsl as td
    >>> net = td.Network("clip")
    >>> x = net.input("x", td.float32, ())
    >>> with td.If(x > 1) as branch:
    ...     out = branch.output(np.float32(1), x)       # 1 if x > 1 else x
    >>> net.output("y", out)
    >>> net.run({"x": np.float32(5)})["y"], net.run({"x": np.float32(0.5)})["y"]
    (array(1., dtype=float32), array(0.5, dtype=float32))
    """

    kind = "if"

    def __init__(self, condition: Tensor, *, name: str | None = None) -> None:
        super().__init__(name)
        self.condition = expect_tensor("If", "condition", condition)
        self._inputs: dict[Tensor, Tensor] = {}
        self._branches: set[bool] = set()
        self.outputs: list[Tensor] = []

    def __enter__(self) -> If:
        self._enter()
        with self._closed_on_error():
            self._attach(self.condition.network)
            condition = self._outer(self.condition, "If")
            self._add(ConditionLayer(self.region), (condition,), None)
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._close(failed=kind is not None or not self.outputs)
        if kind is None and not self.outputs:
            raise RegionError(f"{self.describe()} has no output: call branch.output(then_value, else_value) "
                              "in its with block (TensorRT requires at least one)")

    def _make_scope(self, parent: State | BodyScope) -> BodyScope:
        return IfBodyScope(self, parent, {**parent.context, self: "body"})

    # -- branches -------------------------------------------------------------------------------------
    def then_(self) -> contextlib.AbstractContextManager[None]:
        """The block of layers computed when the condition is true."""
        return self._branch("then_", True)

    def else_(self) -> contextlib.AbstractContextManager[None]:
        """The block of layers computed when the condition is false."""
        return self._branch("else_", False)

    @contextlib.contextmanager
    def _branch(self, method: str, which: bool) -> Iterator[None]:
        self._require_here(method, self.scope)
        if which in self._branches:
            raise RegionError(f"{method}: {self.describe()} already has this branch; write it in one block")
        self._branches.add(which)
        body = self.scope
        assert body is not None
        with self._pushed(BranchScope(self, body, {**body.parent.context, self: which})):
            yield

    @contextlib.contextmanager
    def eager(self) -> Iterator[None]:
        """Inside a branch: layers created in this block are computed outside the conditional, before it
        and whatever the condition (they may use only values from outside the conditional)."""
        if self.closed or self.network is None or not isinstance(self.network._scopes[-1], BranchScope) \
                or self.network._scopes[-1].builder is not self:
            raise RegionError("eager: use it directly inside branch.then_() or branch.else_() of "
                              f"{self.describe()}")
        body = self.scope
        assert body is not None
        with self._pushed(EagerScope(self, body.parent, {**body.parent.context, self: "eager"})):
            yield

    @contextlib.contextmanager
    def _pushed(self, scope: BodyScope) -> Iterator[None]:
        scopes = self._net()._scopes
        scopes.append(scope)
        try:
            yield
        finally:
            scopes.remove(scope)

    def input_for(self, t: Tensor) -> Tensor:
        """``t`` (from outside) as an input of this conditional: one ConditionalInput layer per tensor."""
        made = self._inputs.get(t)
        if made is None:
            (made,) = self._add(ConditionalInputLayer(self.region), (t,), None)
            self._inputs[t] = made
        return made

    def forget(self, gone: Mapping[Tensor, None], removed: list[Node]) -> None:
        super().forget(gone, removed)
        self._inputs = {t: made for t, made in self._inputs.items() if made not in gone}
        self.outputs = [t for t in self.outputs if t not in gone]

    # -- outputs --------------------------------------------------------------------------------------
    def output(self, then_value: Any, else_value: Any, *, name: str | None = None) -> Tensor:
        """``then_value if condition else else_value`` (IIfConditionalOutputLayer), available after the
        ``with`` block. Each value is computed in its branch or outside the conditional; numbers and
        arrays become constants (of the other value's dtype when that is a Tensor)."""
        self._require_here("output", self.scope)
        net = self._net()
        values = []
        for which, value, other in ((True, then_value, else_value), (False, else_value, then_value)):
            arg = "then_value" if which else "else_value"
            if not isinstance(value, Tensor):
                with self.state_().raw_mode():  # a constant, outside the conditional
                    value = as_tensor("output", arg, value, other) if isinstance(other, Tensor) \
                        else constant_argument(net, "output", arg, value)
            if value.network is not net:
                raise RegionError(f"output: {foreign_tensor(value, net)}")
            self.state_().check_visible(_InBranch(self, which), value, "output")
            values.append(value)
        try:
            (out,) = self._add(ConditionalOutputLayer(self.region), tuple(values), name)
        except (DTypeError, ShapeError) as exc:
            raise type(exc)(f"{exc.message} (output {len(self.outputs)} of {self.describe()}: then value "
                            f"%{values[0].name}, else value %{values[1].name})") from None
        self.outputs.append(out)
        return self._result(out)


class _InBranch:
    """The lexical context of one branch, to check a branch's output value."""

    def __init__(self, owner: If, which: bool) -> None:
        assert owner.scope is not None
        self.context = {**owner.scope.parent.context, owner: which}
