"""ONNX import of RNN, GRU and LSTM as TensorRT loops, the way TensorRT's ONNX parser builds them
(onnx-tensorrt ``DEFINE_BUILTIN_OP_IMPORTER(RNN)``, ``(GRU)``, ``(LSTM)``): one ILoop over the sequence
axis with a COUNT trip limit of the sequence length; the step's input ``X(t)`` of every direction
stacked into ``[num_directions, batch, input]`` (a reversed iterator for the backward direction), the
hidden (and LSTM cell) state as recurrences of shape ``[num_directions, batch, hidden]``, the gates from
batched MatrixMultiply layers against the transposed weights with the two biases summed, ``Y`` as a
CONCATENATE loop output (REVERSE for the backward direction) and ``Y_h``/``Y_c`` as LAST_VALUE outputs.

RNN and GRU read ``layout`` 1 too (batch first: ``X [batch, seq, input]``, the initial and last states
``[batch, directions, hidden]``, ``Y [batch, seq, directions, hidden]``) as Shuffle layers that transpose
``X`` and the initial states to layout 0 before the loop and the outputs back after it (UNCONFIRMED:
the parser source read here reads no ``layout``; TensorRT 10's support matrix lists RNN and GRU without
the restriction it states for LSTM, ``layout=1`` unsupported, which the importer keeps). It reads
activations that are the
same for both directions (the parser applies the first direction's to both) among Sigmoid, Tanh and
Relu, and ``sequence_lens`` only where it is a build-time constant equal to the sequence length for
every batch item (no masking is built); other settings are refused.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from trtdsl.backends.onnx.importing import ImportContext, imports
from trtdsl.ir.tensor import Tensor
from trtdsl.layers.activation import activation
from trtdsl.layers.concat import concatenate
from trtdsl.layers.gather import gather
from trtdsl.layers.matmul import matmul
from trtdsl.layers.shape import shape_of
from trtdsl.layers.shuffle import reshape, transpose
from trtdsl.layers.slice import slice
from trtdsl.layers.squeeze import unsqueeze
from trtdsl.loops import Loop

_ACTIVATIONS = {"Sigmoid": "sigmoid", "Tanh": "tanh", "Relu": "relu"}

class _Recurrent:
    """The settings and weights of one RNN, GRU or LSTM node with ``gates`` gates per direction."""

    def __init__(self, ctx: ImportContext, gates: int, defaults: Sequence[str], layouts: Sequence[int] = (0,)
                 ) -> None:
        self.ctx = ctx
        self.x, self.w, self.r = ctx.input(0), ctx.input(1), ctx.input(2)
        self.layout = int(ctx.attr("layout", 0))
        ctx.one_of("layout", self.layout, tuple(layouts))
        ctx.check(len(self.x.shape) == 3, f"X has shape {self.x.shape}; expected "
                  f"{'[batch, seq, input]' if self.layout else '[seq, batch, input]'}")
        if self.layout:
            self.x = transpose(self.x, (1, 0, 2))
        self.direction = ctx.attr("direction", "forward")
        ctx.one_of("direction", self.direction, ("forward", "reverse", "bidirectional"))
        self.d = 2 if self.direction == "bidirectional" else 1
        self.hidden = int(ctx.attr("hidden_size"))
        self.gates = gates
        names = ctx.attr("activations", list(defaults) * self.d)
        ctx.check(len(names) == len(defaults) * self.d,
                  f"activations {names}: expected {len(defaults)} per direction")
        first = names[:len(defaults)]
        ctx.check(names == first * self.d, f"activations {names} differ between the directions; TensorRT's "
                  "parser applies the first direction's to both")
        for name in first:
            ctx.one_of("activations", name, tuple(_ACTIVATIONS))
        self.activations = [_ACTIVATIONS[n] for n in first]
        self.seq, self.batch = self.x.shape[0], self.x.shape[1]
        lengths = ctx.optional_static(4, "sequence_lens")
        ctx.check(lengths is None or bool(np.all(lengths == self.seq)),
                  f"sequence_lens {lengths} differ from the sequence length {self.seq}; masking shorter "
                  "sequences is not supported by the importer")

    def act(self, i: int, x: Tensor) -> Tensor:
        return activation(x, self.activations[i])

    def part(self, t: Tensor, k: int, count: int = 1) -> Tensor:
        """Gates ``k`` to ``k + count`` (of ``hidden`` features each) along the last axis of ``t``."""
        start = (0,) * (len(t.shape) - 1) + (k * self.hidden,)
        return slice(t, start, t.shape[:-1] + (count * self.hidden,))

    def bias(self, index: int) -> tuple[Tensor, Tensor] | None:
        """The W and R biases ``[D, 1, G*H]`` of input ``index`` ``[D, 2*G*H]``, None when absent."""
        b = self.ctx.optional(index)
        if b is None:
            return None
        size = self.gates * self.hidden
        halves = [reshape(slice(b, (0, k * size), (self.d, size)), (self.d, 1, size)) for k in (0, 1)]
        return halves[0], halves[1]

    def initial(self, index: int) -> Tensor:
        """Input ``index`` ``[D, B, H]``, zeros where it is absent."""
        given = self.ctx.optional(index)
        if given is not None:
            return transpose(given, (1, 0, 2)) if self.layout else given
        self.ctx.check(isinstance(self.batch, int), "a zero initial state of a dynamic batch size is not "
                       "supported by the importer; give the initial state")
        return self.ctx.constant(np.zeros((self.d, self.batch, self.hidden), self.x.dtype.numpy))

    def run(self, states: list[Tensor], step: Callable[[Tensor, list[Tensor]], list[Tensor]]
            ) -> list[Tensor | None]:
        """The loop: ``step(x_t [D, B, I], states) -> next states``; returns Y (None when unused) and
        each state's last value."""
        ctx, x = self.ctx, self.x
        count = self.seq if isinstance(self.seq, int) else \
            gather(shape_of(x), ctx.constant(np.asarray(0, np.int64)))
        with Loop(count, network=ctx.network) as loop:
            steps = []
            if self.direction in ("forward", "bidirectional"):
                steps.append(unsqueeze(loop.iterate(x), 0))
            if self.direction in ("reverse", "bidirectional"):
                steps.append(unsqueeze(loop.iterate(x, reverse=True), 0))
            x_t = steps[0] if len(steps) == 1 else concatenate(steps, 0)
            carries = [loop.carry(s) for s in states]
            nexts = step(x_t, list(carries))
            for carry, value in zip(carries, nexts):
                carry.update(value)
            ys: list[Tensor] = []
            h = nexts[0]
            if ctx.output_used(0) and self.direction == "bidirectional":
                halves = [slice(h, (k, 0, 0), (1,) + h.shape[1:]) for k in (0, 1)]
                ys = [loop.collect(halves[0]), loop.collect(halves[1], reverse=True)]
            elif ctx.output_used(0):
                ys = [loop.collect(h, reverse=self.direction == "reverse")]
            lasts = [loop.last(c) for c in carries]
        y = None if not ys else ys[0] if len(ys) == 1 else concatenate(ys, 1)
        if not self.layout:
            return [y, *lasts]
        return [None if y is None else transpose(y, (2, 0, 1, 3)), *(transpose(t, (1, 0, 2)) for t in lasts)]

    def gates_of(self, x_t: Tensor, h: Tensor, bias: tuple[Tensor, Tensor] | None) -> tuple[Tensor, Tensor]:
        """``X(t) W^T + Wb`` and ``H(t-1) R^T + Rb`` (``[D, B, G*H]``)."""
        xw = matmul(x_t, self.w, transpose_b=True)
        hr = matmul(h, self.r, transpose_b=True)
        if bias is not None:
            xw, hr = xw + bias[0], hr + bias[1]
        return xw, hr


@imports("RNN", since=7)
def _import_rnn(ctx: ImportContext) -> list[Tensor | None]:
    """``H(t) = f(X(t) W^T + H(t-1) R^T + Wb + Rb)`` in a loop (f: tanh by default)."""
    rnn = _Recurrent(ctx, 1, ["Tanh"], layouts=(0, 1))
    bias = rnn.bias(3)

    def step(x_t: Tensor, states: list[Tensor]) -> list[Tensor]:
        xw, hr = rnn.gates_of(x_t, states[0], bias)
        return [rnn.act(0, xw + hr)]

    return rnn.run([rnn.initial(5)], step)


@imports("GRU", since=7)
def _import_gru(ctx: ImportContext) -> list[Tensor | None]:
    """Gates z, r, h: ``z = f(..)``, ``r = f(..)``, ``h~ = g(X Wh^T + (r * H) Rh^T + Rbh + Wbh)`` (or
    ``g(X Wh^T + r * (H Rh^T + Rbh) + Wbh)`` with ``linear_before_reset``), ``H' = (1 - z) * h~ + z * H``;
    f sigmoid and g tanh by default."""
    gru = _Recurrent(ctx, 3, ["Sigmoid", "Tanh"], layouts=(0, 1))
    bias = gru.bias(3)
    linear_before_reset = bool(ctx.attr("linear_before_reset", 0))
    r_h = slice(gru.r, (0, 2 * gru.hidden, 0), (gru.d, gru.hidden, gru.hidden))  # Rh: [D, H, H]
    one = ctx.constant(np.ones((), gru.x.dtype.numpy))

    def step(x_t: Tensor, states: list[Tensor]) -> list[Tensor]:
        h = states[0]
        xw, hr = gru.gates_of(x_t, h, bias)
        z = gru.act(0, gru.part(xw, 0) + gru.part(hr, 0))
        r = gru.act(0, gru.part(xw, 1) + gru.part(hr, 1))
        if linear_before_reset:
            candidate = gru.part(xw, 2) + r * gru.part(hr, 2)
        else:
            candidate = gru.part(xw, 2) + matmul(r * h, r_h, transpose_b=True)
            if bias is not None:
                candidate = candidate + gru.part(bias[1], 2)
        h_new = gru.act(1, candidate)
        return [(one - z) * h_new + z * h]

    return gru.run([gru.initial(5)], step)


@imports("LSTM", since=7)
def _import_lstm(ctx: ImportContext) -> list[Tensor | None]:
    """Gates i, o, f, c with peepholes P (i, o, f): ``i = f(.. + Pi * C)``, ``f = f(.. + Pf * C)``,
    ``C' = f * C + i * g(..)``, ``o = f(.. + Po * C')``, ``H' = o * h(C')``; f sigmoid, g and h tanh by
    default. ``input_forget`` is refused (the parser reads it as 0)."""
    lstm = _Recurrent(ctx, 4, ["Sigmoid", "Tanh", "Tanh"])
    ctx.one_of("input_forget", int(ctx.attr("input_forget", 0)), (0,))
    bias = lstm.bias(3)
    peepholes = ctx.optional(7)
    p = None if peepholes is None else \
        [reshape(lstm.part(peepholes, k), (lstm.d, 1, lstm.hidden)) for k in range(3)]

    def step(x_t: Tensor, states: list[Tensor]) -> list[Tensor]:
        h, c = states
        xw, hr = lstm.gates_of(x_t, h, bias)
        pre = [lstm.part(xw, k) + lstm.part(hr, k) for k in range(4)]  # i, o, f, c
        if p is not None:
            pre[0], pre[2] = pre[0] + p[0] * c, pre[2] + p[2] * c
        i, f = lstm.act(0, pre[0]), lstm.act(0, pre[2])
        c_new = f * c + i * lstm.act(1, pre[3])
        o = lstm.act(0, pre[1] + p[1] * c_new if p is not None else pre[1])
        return [o * lstm.act(2, c_new), c_new]

    return lstm.run([lstm.initial(5), lstm.initial(6)], step)
