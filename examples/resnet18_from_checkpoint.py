"""ResNet-18 built from td.nn modules, with its weights loaded from a checkpoint file.

The modules have torchvision's names and layouts (``conv1``, ``bn1``, ``layer1.0.conv1``, ...,
``layer2.0.downsample.0``, ``fc``), so a ``torchvision.models.resnet18`` state dict, converted to NumPy
arrays, loads as it is. Here nothing is downloaded: the example draws the weights itself (a fixed seed,
He-scaled convolutions, batch-norm statistics away from the identity), writes them to a ``.safetensors``
file (an ``.npz`` file where the ``safetensors`` package is missing), loads that file into the model
with ``load_state_dict`` (strict: every name, shape and dtype is checked), and runs the network on the
NumPy reference. A small input resolution (32 x 32) keeps it quick; the network is the full ResNet-18.

Run it:  python examples/resnet18_from_checkpoint.py
"""

from __future__ import annotations

import importlib.util
import os
import tempfile

import numpy as np

import trtdsl as td
from trtdsl import nn


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with batch norms, and the shortcut (a strided 1x1 convolution and batch norm
    where the shape changes)."""

    def __init__(self, cin: int, cout: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
        else:
            self.downsample = None

    def forward(self, x: td.Tensor) -> td.Tensor:
        y = td.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return td.relu(y + (x if self.downsample is None else self.downsample(x)))


class ResNet18(nn.Module):
    """torchvision's ResNet-18: a 7x7 stem, a max pool, four stages of two basic blocks (64, 128, 256 and
    512 channels), global average pooling and a linear classifier."""

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        channels = 64
        for stage, width in enumerate((64, 128, 256, 512), 1):
            stride = 1 if stage == 1 else 2
            setattr(self, f"layer{stage}", nn.Sequential(BasicBlock(channels, width, stride),
                                                        BasicBlock(width, width, 1)))
            channels = width
        self.fc = nn.Linear(512, num_classes)

    def forward(self, x: td.Tensor) -> td.Tensor:
        x = td.max_pool(td.relu(self.bn1(self.conv1(x))), 3, 2, padding=1)
        for stage in (self.layer1, self.layer2, self.layer3, self.layer4):
            x = stage(x)
        return self.fc(td.mean(x, (2, 3)))


def random_checkpoint(model: nn.Module, seed: int = 0) -> dict[str, np.ndarray]:
    """Weights for every parameter of ``model``: He-scaled convolutions and linears, batch norms with
    scales, shifts and running statistics drawn around their identity values."""
    rng = np.random.default_rng(seed)
    state = {}
    for name, value in model.state_dict().items():
        kind = name.rsplit(".", 1)[-1]
        if value.ndim >= 2:  # a convolution's or linear layer's weight: fan-in is all but dim 0
            fan_in = int(np.prod(value.shape[1:]))
            drawn = rng.standard_normal(value.shape) * np.sqrt(2.0 / fan_in)
        elif kind in ("weight", "running_var"):
            drawn = rng.uniform(0.5, 1.5, value.shape)
        elif kind in ("bias", "running_mean"):
            drawn = rng.normal(0.0, 0.1, value.shape)
        else:  # num_batches_tracked
            drawn = value
        state[name] = np.asarray(drawn).astype(value.dtype)
    return state


def checkpoint_path(folder: str) -> str:
    """A .safetensors file in ``folder`` where the safetensors package is installed, else an .npz file."""
    has_safetensors = importlib.util.find_spec("safetensors") is not None
    return os.path.join(folder, "resnet18." + ("safetensors" if has_safetensors else "npz"))


def resnet18_network(model: nn.Module) -> td.Network:
    """The network of ``model`` on 32 x 32 RGB images."""
    net = td.Network("resnet18")
    net.output("logits", model(net.input("image", td.float32, ("batch", 3, 32, 32))))
    return net


def build_network() -> td.Network:
    """The network with this example's weights, for the command line (``trtdsl inspect/run/export``)."""
    model = ResNet18(num_classes=10)
    model.load_state_dict(random_checkpoint(model, seed=0))
    return resnet18_network(model)


def main() -> None:
    model = ResNet18(num_classes=10)
    with tempfile.TemporaryDirectory() as folder:
        path = checkpoint_path(folder)
        nn.save(path, random_checkpoint(model, seed=0))
        print(f"Wrote {len(model.state_dict())} tensors ({os.path.getsize(path) / 1e6:.1f} MB) to "
              f"{os.path.basename(path)}")
        model.load_state_dict(path)
    count = sum(p.value.size for p in model.parameters() if p.dtype is td.float32)
    print(f"Loaded them into ResNet18: {count:,} float32 parameters, names as torchvision's, e.g. "
          f"{', '.join(list(model.state_dict())[1:4])}")
    net = resnet18_network(model)
    constants = [n.name for n in net.nodes if n.op.kind == "Constant" and n.user_named]
    print(f"The network has {len(net.nodes)} layers; its {len(constants)} weight constants are named after "
          f"the parameters ({constants[0]}, ..., {constants[-1]})")
    images = np.random.default_rng(1).standard_normal((2, 3, 32, 32)).astype(np.float32)
    logits = net.run({"image": images})["logits"]
    for i, row in enumerate(logits):
        print(f"image {i}: class {int(row.argmax())}, logits {np.array2string(row, precision=2)}")


if __name__ == "__main__":
    main()
