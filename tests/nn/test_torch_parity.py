"""td.nn modules against the same PyTorch modules with the same state dict: PyTorch's ``state_dict()``,
converted to NumPy, loads strictly into the td.nn module, and both compute the same outputs (PyTorch on
the CPU, in float32, so no TF32). Needs torch (not a dependency of trtdsl: the test skips without it);
the ResNet-18 case also needs torchvision."""

from __future__ import annotations

import importlib.util
import math

import numpy as np
import pytest
from support import ROOT

import trtdsl as td
from trtdsl import nn

torch = pytest.importorskip("torch")
F = torch.nn.functional


def numpy_state(module) -> dict[str, np.ndarray]:
    return {k: v.detach().cpu().numpy() for k, v in module.state_dict().items()}


def randomize(module, seed: int) -> None:
    """Random values in every float parameter and buffer of a PyTorch module (running variances > 0)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, value in module.state_dict().items():
            if value.is_floating_point():
                drawn = torch.randn(value.shape, generator=generator)
                value.copy_(drawn.abs() + 0.5 if name.endswith("running_var") else drawn)


def compare(ours: nn.Module, theirs, *inputs: np.ndarray, rtol: float = 1e-4, atol: float = 1e-4, **kwargs):
    theirs.eval()
    ours.load_state_dict(numpy_state(theirs))
    net = td.Network("parity")
    tensors = [net.input(f"x{i}", td.dtype(x.dtype), x.shape) for i, x in enumerate(inputs)]
    net.output("y", ours(*tensors, **kwargs))
    got = net.run({f"x{i}": x for i, x in enumerate(inputs)})["y"]
    with torch.no_grad():
        want = theirs(*(torch.from_numpy(x) for x in inputs), **kwargs).numpy()
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def x_of(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


CLASSIC = {
    "Linear": (lambda: nn.Linear(5, 3), lambda: torch.nn.Linear(5, 3), (2, 4, 5)),
    "Conv2d": (lambda: nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2),
               lambda: torch.nn.Conv2d(4, 6, 3, stride=2, padding=1, groups=2), (2, 4, 7, 6)),
    "Conv2d same": (lambda: nn.Conv2d(2, 3, (2, 3), padding="same", dilation=2),
                    lambda: torch.nn.Conv2d(2, 3, (2, 3), padding="same", dilation=2), (1, 2, 6, 7)),
    "ConvTranspose2d": (lambda: nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1, groups=2),
                        lambda: torch.nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1,
                                                         groups=2),
                        (1, 4, 3, 5)),
    "BatchNorm2d": (lambda: nn.BatchNorm2d(3), lambda: torch.nn.BatchNorm2d(3), (2, 3, 4, 4)),
    "LayerNorm": (lambda: nn.LayerNorm((3, 4)), lambda: torch.nn.LayerNorm((3, 4)), (2, 3, 4)),
    "GroupNorm": (lambda: nn.GroupNorm(2, 4), lambda: torch.nn.GroupNorm(2, 4), (2, 4, 3, 3)),
}


@pytest.mark.parametrize("name", CLASSIC)
def test_classic_modules_match_pytorch(name):
    ours, theirs, shape = CLASSIC[name]
    module = theirs()
    randomize(module, 0)
    compare(ours(), module, x_of(*shape))


def test_rms_norm_matches_pytorch():
    if not hasattr(torch.nn, "RMSNorm"):
        pytest.skip("torch.nn.RMSNorm came in PyTorch 2.4")
    module = torch.nn.RMSNorm(4)
    randomize(module, 1)
    compare(nn.RMSNorm(4), module, x_of(2, 3, 4))


def test_embedding_matches_pytorch():
    module = torch.nn.Embedding(7, 3)
    ours = nn.Embedding(7, 3)
    ours.load_state_dict(numpy_state(module))
    ids = np.array([[0, 6, 2]], np.int64)
    net = td.Network("emb")
    net.output("y", ours(net.input("ids", td.int64, ids.shape)))
    np.testing.assert_array_equal(net.run({"ids": ids})["y"], module(torch.from_numpy(ids)).detach().numpy())


class TorchAttention(torch.nn.Module):
    """td.nn.MultiHeadAttention's structure in PyTorch, with F.scaled_dot_product_attention."""

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (torch.nn.Linear(dim, dim) for _ in range(4))

    def forward(self, x, causal: bool = False):
        b, s, d = x.shape

        def split(t):
            return t.view(b, s, self.heads, d // self.heads).transpose(1, 2)

        q, k, v = (split(proj(x)) for proj in (self.q_proj, self.k_proj, self.v_proj))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
        return self.out_proj(y.transpose(1, 2).reshape(b, s, d))


class TorchBlock(torch.nn.Module):
    def __init__(self, dim: int, heads: int, hidden: int, swiglu: bool, causal: bool) -> None:
        super().__init__()
        self.causal = causal
        self.norm1 = torch.nn.RMSNorm(dim, eps=1e-5) if swiglu else torch.nn.LayerNorm(dim)
        self.attn = TorchAttention(dim, heads)
        self.norm2 = torch.nn.RMSNorm(dim, eps=1e-5) if swiglu else torch.nn.LayerNorm(dim)
        self.mlp = TorchSwiGLU(dim, hidden) if swiglu else TorchMLP(dim, hidden)

    def forward(self, x):
        x = x + self.attn(self.norm1(x), self.causal)
        return x + self.mlp(self.norm2(x))


class TorchMLP(torch.nn.Module):
    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.fc1, self.fc2 = torch.nn.Linear(dim, hidden), torch.nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


class TorchSwiGLU(torch.nn.Module):
    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.gate_proj, self.up_proj = (torch.nn.Linear(dim, hidden, bias=False) for _ in range(2))
        self.down_proj = torch.nn.Linear(hidden, dim, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


@pytest.mark.parametrize("causal", [False, True])
def test_multi_head_attention_matches_pytorch_sdpa(causal):
    module = TorchAttention(8, 2)
    randomize(module, 2)
    compare(nn.MultiHeadAttention(8, 2), module, x_of(2, 5, 8), causal=causal)


def test_a_pytorch_multihead_attention_checkpoint_loads_split():
    module = torch.nn.MultiheadAttention(8, 2, batch_first=True)
    randomize(module, 3)
    module.eval()
    state = numpy_state(module)
    ours = nn.MultiHeadAttention(8, 2)
    weights, biases = np.split(state["in_proj_weight"], 3), np.split(state["in_proj_bias"], 3)
    converted = {}
    for p, w, b in zip("qkv", weights, biases):
        converted.update({f"{p}_proj.weight": w, f"{p}_proj.bias": b})
    converted.update({k: v for k, v in state.items() if k.startswith("out_proj.")})
    ours.load_state_dict(converted)
    x = x_of(2, 4, 8)
    net = td.Network("mha")
    net.output("y", ours(net.input("x", td.float32, x.shape)))
    with torch.no_grad():
        want = module(*(torch.from_numpy(x),) * 3, need_weights=False)[0].numpy()
    np.testing.assert_allclose(net.run({"x": x})["y"], want, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("swiglu, causal", [(False, False), (True, True)])
def test_transformer_block_matches_pytorch(swiglu, causal):
    if swiglu and not hasattr(torch.nn, "RMSNorm"):
        pytest.skip("torch.nn.RMSNorm came in PyTorch 2.4")
    module = TorchBlock(8, 2, 16, swiglu, causal)
    randomize(module, 4)
    ours = nn.TransformerBlock(8, 2, 16, norm="rms" if swiglu else "layer",
                               mlp="swiglu" if swiglu else "gelu", causal=causal)
    compare(ours, module, x_of(2, 5, 8))


def test_resnet18_example_matches_torchvision():
    torchvision = pytest.importorskip("torchvision")
    path = ROOT / "examples" / "resnet18_from_checkpoint.py"
    spec = importlib.util.spec_from_file_location("resnet18_example", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    module = torchvision.models.resnet18(num_classes=10)
    randomize(module, 5)
    image = x_of(1, 3, 32, 32)
    compare(example.ResNet18(num_classes=10), module, image, rtol=1e-3, atol=1e-3)
    assert math.isfinite(float(module(torch.from_numpy(image)).sum()))
