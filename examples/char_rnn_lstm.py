"""A character-level LSTM language model written with td.Loop, as TensorRT's sampleCharRNN builds it
with ILoop (SampleCharRNNLoop::addLSTMCell): two stacked LSTM layers, an embedding in front and a
linear layer with softmax behind.

Two networks share the cell:

* ``char_rnn`` reads a text of any length (a dynamic dim ``T``) and gives, for every position, the
  probabilities of the next character. Each LSTM layer is one loop over the sequence: an iterator
  slices the inputs, two recurrences carry ``h`` and ``c``, and a CONCATENATE loop output stacks the
  ``h`` of every step.
* ``char_rnn_generate`` writes text from a first character, feeding each prediction back as the next
  input: the character itself is a recurrence, the loop has both a COUNT limit (at most 40 characters)
  and a WHILE limit (stop after a '.'), and the generated characters are collected with a length of 40,
  so the unused tail is padding.

The weights are deterministic pseudo-random numbers (the model is untrained, so its text is not
English); what the example shows is the loops, and that the NumPy reference of each network agrees
with the same LSTM written as a plain Python loop.

Run: python examples/char_rnn_lstm.py
"""

from __future__ import annotations

import numpy as np

import trtdsl as td

VOCAB = "_abcdefghijklmnopqrstuvwxyz ."  # '_' is padding
EMBED, HIDDEN, LAYERS, MAX_LENGTH = 16, 32, 2, 40


def make_weights(seed: int = 2043) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)

    def rand(*shape: int, scale: float = 0.4) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    w = {"embedding": rand(len(VOCAB), EMBED, scale=1.0), "out_w": rand(HIDDEN, len(VOCAB)),
         "out_b": rand(len(VOCAB))}
    for layer in range(LAYERS):
        inputs = EMBED if layer == 0 else HIDDEN
        # sampleCharRNN's layout: one matrix for [input, hidden] -> the gates i, f, c, o
        w[f"w{layer}"] = rand(inputs + HIDDEN, 4 * HIDDEN)
        w[f"b{layer}"] = rand(4 * HIDDEN)
    return w


def lstm_cell(x: td.Tensor, h: td.Tensor, c: td.Tensor, w: td.Tensor,
              b: td.Tensor) -> tuple[td.Tensor, td.Tensor]:
    """One LSTM step on vectors: gates = [x, h] @ w + b, then the usual gate arithmetic."""
    gates = td.concatenate([x, h], axis=0) @ w + b
    i, f, g, o = (gates[k * HIDDEN:(k + 1) * HIDDEN] for k in range(4))
    c_next = td.sigmoid(f) * c + td.sigmoid(i) * td.tanh(g)
    return td.sigmoid(o) * td.tanh(c_next), c_next


def reader(w: dict[str, np.ndarray]) -> td.Network:
    net = td.Network("char_rnn")
    k = {name: net.constant(value, name=name) for name, value in w.items()}
    text = net.input("text", td.int32, ("T",))
    xs = td.take(k["embedding"], text)  # (T, EMBED)
    steps = td.take(td.shape_of(text), 0)
    for layer in range(LAYERS):
        with td.Loop(trip_count=steps, name=f"lstm{layer}") as loop:
            x = loop.iterate(xs)
            h = loop.carry(np.zeros(HIDDEN, np.float32))
            c = loop.carry(np.zeros(HIDDEN, np.float32))
            h_next, c_next = lstm_cell(x, h, c, k[f"w{layer}"], k[f"b{layer}"])
            h.update(h_next)
            c.update(c_next)
            xs = loop.collect(h_next)  # (T, HIDDEN): the next layer's input
    net.output("probs", td.softmax(xs @ k["out_w"] + k["out_b"], axis=-1))
    return net


def generator(w: dict[str, np.ndarray]) -> td.Network:
    net = td.Network("char_rnn_generate")
    k = {name: net.constant(value, name=name) for name, value in w.items()}
    first = net.input("first", td.int32, ())
    with td.Loop(trip_count=MAX_LENGTH, name="generate") as loop:
        char = loop.carry(first)
        count = loop.carry(np.int32(0))
        loop.while_(char != VOCAB.index("."))  # checked before each step: stop after a '.'
        x = td.take(k["embedding"], char)
        for layer in range(LAYERS):
            h = loop.carry(np.zeros(HIDDEN, np.float32))
            c = loop.carry(np.zeros(HIDDEN, np.float32))
            x, c_next = lstm_cell(x, h, c, k[f"w{layer}"], k[f"b{layer}"])
            h.update(x)
            c.update(c_next)
        _, best = td.topk(x @ k["out_w"] + k["out_b"], 1)
        nxt = best.reshape(())
        char.update(nxt)
        count.update(count + 1)
        text = loop.collect(nxt, length=MAX_LENGTH)
        length = loop.last(count)
    net.output("text", text)
    net.output("length", length)
    return net


# The same model as plain NumPy, for comparison.
def np_cell(x: np.ndarray, h: np.ndarray, c: np.ndarray, w: np.ndarray,
            b: np.ndarray) -> tuple[np.ndarray, ...]:
    def sigmoid(v: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.exp(-v))

    gates = np.concatenate([x, h]) @ w + b
    i, f, g, o = np.split(gates, 4)
    c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    return sigmoid(o) * np.tanh(c), c


def build_network() -> td.Network:
    """The text reader with this example's weights, for the command line (``trtdsl inspect/run/export``)."""
    return reader(make_weights())


def np_read(w: dict[str, np.ndarray], text: np.ndarray) -> np.ndarray:
    xs = w["embedding"][text]
    for layer in range(LAYERS):
        h, c, hs = np.zeros(HIDDEN, np.float32), np.zeros(HIDDEN, np.float32), []
        for x in xs:
            h, c = np_cell(x, h, c, w[f"w{layer}"], w[f"b{layer}"])
            hs.append(h)
        xs = np.array(hs, np.float32).reshape(len(text), HIDDEN)
    logits = xs @ w["out_w"] + w["out_b"]
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def np_generate(w: dict[str, np.ndarray], first: int) -> list[int]:
    states = [(np.zeros(HIDDEN, np.float32), np.zeros(HIDDEN, np.float32)) for _ in range(LAYERS)]
    char, out = first, []
    while len(out) < MAX_LENGTH and char != VOCAB.index("."):
        x = w["embedding"][char]
        for layer in range(LAYERS):
            x, c = np_cell(x, *states[layer], w[f"w{layer}"], w[f"b{layer}"])
            states[layer] = (x, c)
        char = int(np.argmax(x @ w["out_w"] + w["out_b"]))
        out.append(char)
    return out


def main() -> None:
    w = make_weights()
    net = reader(w)
    print(net.format(locations=False))

    text = "the quick brown fox."
    ids = np.array([VOCAB.index(ch) for ch in text], np.int32)
    probs = net.run({"text": ids})["probs"]
    print(f"\nread {text!r}: probabilities of shape {probs.shape}")
    print("most likely next characters:", "".join(VOCAB[i] for i in probs.argmax(axis=-1)))
    diff = np.abs(probs - np_read(w, ids)).max()
    print(f"reference vs the same LSTM as a Python loop over NumPy: max |difference| = {diff:.1e}")
    assert diff < 1e-5

    gen = generator(w)
    for first in "td":  # one stops at a period, one at the length limit
        out = gen.run({"first": np.int32(VOCAB.index(first))})
        n = int(out["length"])
        chars = out["text"][:n].tolist()
        assert chars == np_generate(w, VOCAB.index(first)), "the generator disagrees with NumPy"
        assert not out["text"][n:].any(), "the collected text is padded with zeros after the last step"
        print(f"generated from {first!r} ({n} steps, stops at '.' or {MAX_LENGTH}): "
              f"{first + ''.join(VOCAB[i] for i in chars)!r}  (same as the NumPy loop)")


if __name__ == "__main__":
    main()
