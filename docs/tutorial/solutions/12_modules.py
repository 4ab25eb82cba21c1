"""Lesson 12's exercise: an MLP module with a layer norm, loaded from a .npz checkpoint and checked
against NumPy; a checkpoint missing a parameter, refused, then loaded with strict=False."""

import os
import tempfile

import numpy as np

import trtdsl as td
from trtdsl import nn


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 16)
        self.norm = nn.LayerNorm(16)
        self.fc2 = nn.Linear(16, 3)

    def forward(self, x):
        return self.fc2(td.relu(self.norm(self.fc1(x))))


model = Mlp()
net = td.Network("mlp")
net.output("y", model(net.input("x", td.float32, ("batch", 6))))

rng = np.random.default_rng(12)
trained = {name: rng.normal(size=values.shape).astype(values.dtype)
           for name, values in model.state_dict().items()}
assert sorted(trained) == ["fc1.bias", "fc1.weight", "fc2.bias", "fc2.weight", "norm.bias", "norm.weight"]
path = os.path.join(tempfile.mkdtemp(), "mlp.npz")
nn.save(path, trained)
model.load_state_dict(path)


def by_numpy(x, w):
    h = x.astype(np.float64) @ w["fc1.weight"].T + w["fc1.bias"]
    h = (h - h.mean(-1, keepdims=True)) / np.sqrt(h.var(-1, keepdims=True) + 1e-5)
    h = np.maximum(h * w["norm.weight"] + w["norm.bias"], 0)
    return h @ w["fc2.weight"].T + w["fc2.bias"]


x = rng.normal(size=(4, 6)).astype(np.float32)
assert np.allclose(net.run({"x": x})["y"], by_numpy(x, trained), atol=1e-4)

partial = {name: values for name, values in trained.items() if name != "norm.bias"}
try:
    model.load_state_dict(partial)
except td.ArgumentError as e:
    assert "missing: norm.bias" in e.message, e.message
    print(e.message)
else:
    raise SystemExit("a checkpoint without norm.bias was loaded")
partial["fc2.bias"] = np.zeros(3, np.float32)
skipped = model.load_state_dict(partial, strict=False)
print(skipped)
assert list(skipped.missing_keys) == ["norm.bias"] and not skipped.unexpected_keys
# norm.bias kept its loaded value; fc2.bias is now zero
assert np.allclose(net.run({"x": x})["y"], by_numpy(x, dict(trained, **{"fc2.bias": partial["fc2.bias"]})),
                   atol=1e-4)
print("the module network matches NumPy with the checkpoint loaded")
