"""Parameter names and checkpoints: state_dict/load_state_dict round trips, every mismatch named, files,
constants bound to parameters, and the names in the IR and in ONNX."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import expect_error, line_of

import trtdsl as td
from trtdsl import nn
from trtdsl.ir.types import Weights


class Encoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(5, 4)
        self.layers = nn.Sequential(nn.TransformerBlock(4, 2, 8), nn.TransformerBlock(4, 2, 8, mlp="swiglu"))
        self.norm = nn.LayerNorm(4)

    def forward(self, ids):
        return self.norm(self.layers(self.embed(ids)))


def random_state(module: nn.Module, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {k: rng.standard_normal(v.shape).astype(v.dtype) for k, v in module.state_dict().items()}


def test_parameter_names_are_paths_from_the_root_in_pytorch_order():
    names = list(Encoder().state_dict())
    assert names[:2] == ["embed.weight", "layers.0.norm1.weight"]
    assert "layers.0.attn.q_proj.weight" in names
    assert "layers.1.mlp.down_proj.weight" in names
    assert names[-2:] == ["norm.weight", "norm.bias"]
    assert len(names) == len(set(names)) == 1 + 16 + 15 + 2


def test_a_module_attached_later_takes_its_path():
    block = nn.TransformerBlock(4, 2, 8)
    assert block.attn.q_proj.weight.name == "attn.q_proj.weight"
    outer = nn.Sequential(nn.Linear(4, 4), block)
    assert block.attn.q_proj.weight.name == "1.attn.q_proj.weight"
    assert list(block.state_dict())[0] == "norm1.weight"  # relative to the module asked, as in PyTorch
    assert outer[1] is block


@given(st.integers(0, 2**32 - 1))
def test_load_state_dict_of_state_dict_is_exact(seed):
    model = Encoder()
    state = random_state(model, seed)
    model.load_state_dict(state)
    got = model.state_dict()
    assert list(got) == list(state)
    for name, value in state.items():
        assert got[name].dtype == value.dtype and np.array_equal(got[name], value), name
    other = Encoder()
    other.load_state_dict(model.state_dict())
    assert all(np.array_equal(other.state_dict()[k], v) for k, v in state.items())


def test_a_checkpoint_that_does_not_fit_names_every_mismatch():
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm2d(2))
    state = random_state(model, 0)
    del state["0.bias"], state["1.running_var"]
    state["0.weight"] = np.zeros((2, 4), np.float32)
    state["1.weight"] = state["1.weight"].astype(np.float16)
    state["1.running_mean"] = [[1, 2]]
    state["extra.weight"] = np.zeros(1, np.float32)
    state["2.bias"] = np.zeros(1, np.float32)
    expect_error(td.ArgumentError, (
        "load_state_dict: the checkpoint does not fit Sequential (7 mismatches):\n"
        "  missing: 0.bias, f32[2]\n"
        "  missing: 1.running_var, f32[2]\n"
        "  unexpected: 2.bias\n"
        "  unexpected: extra.weight\n"
        "  wrong shape: 0.weight is (2, 4); expected (2, 3)\n"
        "  wrong dtype: 1.weight is float16; expected float32\n"
        "  wrong shape: 1.running_mean is (1, 2); expected (2,)"
    ), lambda: model.load_state_dict(state))
    assert np.array_equal(model.state_dict()["1.weight"], [1, 1]), "nothing loads when something does not fit"


def test_strict_false_skips_missing_and_unexpected_keys_but_not_bad_arrays():
    fc = nn.Linear(2, 2)
    result = fc.load_state_dict({"weight": np.eye(2, dtype=np.float32), "other": np.ones(1)}, strict=False)
    assert result == nn.IncompatibleKeys(("bias",), ("other",))
    assert np.array_equal(fc.weight.value, np.eye(2))
    expect_error(td.ArgumentError, "load_state_dict: the checkpoint does not fit Linear (1 mismatch):\n"
                                   "  wrong dtype: bias is float64; expected float32",
                 lambda: fc.load_state_dict({"bias": np.ones(2)}, strict=False))


def test_a_pytorch_batch_norm_checkpoint_loads_strictly():
    bn = nn.BatchNorm2d(3)
    state = {"weight": np.ones(3, np.float32), "bias": np.zeros(3, np.float32),
             "running_mean": np.zeros(3, np.float32), "running_var": np.ones(3, np.float32),
             "num_batches_tracked": np.array(7, np.int64)}
    assert repr(bn.load_state_dict(state)) == "<All keys matched successfully>"


def test_loading_changes_the_constants_of_networks_built_before():
    fc = nn.Linear(2, 1, bias=False)
    nets = []
    for name in ("a", "b"):
        net = td.Network(name)
        net.output("y", fc(net.input("x", td.float32, (1, 2))))
        nets.append(net)
    x = np.float32([[1, 2]])
    assert nets[0].run({"x": x})["y"].item() == 0
    onnx_before = nets[0].to_onnx()
    fc.load_state_dict({"weight": np.float32([[3, 4]])})
    assert [n.run({"x": x})["y"].item() for n in nets] == [11, 11]
    fc.weight.assign(np.float32([[1, 1]]))
    assert nets[1].run({"x": x})["y"].item() == 3
    onnx_after = nets[0].to_onnx()  # exported again: the network forgot its old export
    assert onnx_after is not onnx_before
    assert [list(i.float_data) or np.frombuffer(i.raw_data, np.float32).tolist()
            for i in onnx_after.graph.initializer] == [[1.0, 1.0]]


def test_a_module_called_twice_on_a_network_makes_its_constants_once():
    fc = nn.Linear(2, 2)
    net = td.Network("twice")
    x = net.input("x", td.float32, (1, 2))
    net.output("y", fc(fc(x)))
    assert [n.name for n in net.nodes if n.op.kind == "Constant"] == ["weight", "bias"]


def test_constants_carry_parameter_paths_into_the_ir_and_onnx():
    pytest.importorskip("onnx")
    model = Encoder()
    model.load_state_dict(random_state(model, 1))
    net = td.Network("encoder")
    net.output("y", model(net.input("ids", td.int32, (1, 3))))
    constants = {n.name: n.op.weights.array for n in net.nodes if n.op.kind == "Constant" and n.user_named}
    state = model.state_dict()
    del state["layers.0.attn.q_proj.bias"]  # not a constant name check: every parameter is one
    assert set(state) <= set(constants)
    assert "%layers.0.attn.q_proj.weight : f32[4,4] = Constant" in net.format(locations=False)
    from onnx import numpy_helper

    initializers = {i.name: numpy_helper.to_array(i) for i in net.to_onnx().graph.initializer}
    for name, value in model.state_dict().items():
        assert np.array_equal(initializers[name], value), name


def test_checkpoint_files_round_trip_as_npz(tmp_path):
    model = nn.Sequential(Encoder(), nn.BatchNorm2d(2))  # num_batches_tracked: a 0-d int64
    state = random_state(model, 2)
    nn.save(tmp_path / "w.npz", state)
    model.load_state_dict(tmp_path / "w.npz")
    assert all(np.array_equal(model.state_dict()[k], v) for k, v in state.items())


def test_npz_checkpoints_keep_every_name_and_refuse_what_they_cannot_hold(tmp_path):
    state = {"allow_pickle": np.ones(2, np.float32), "file": np.arange(3), "args": np.float16(1.5)}
    nn.save(tmp_path / "w.npz", state)
    loaded = nn.load(tmp_path / "w.npz")
    assert loaded.keys() == state.keys()
    for k, v in state.items():
        assert loaded[k].dtype == np.asarray(v).dtype and np.array_equal(loaded[k], v), k
    expect_error(td.ArgumentError, "save: 'w' has dtype bfloat16, which an .npz file cannot hold (NumPy "
                 "would read it back as raw bytes); save to a .safetensors file, or cast it to float32 first",
                 lambda: nn.save(tmp_path / "b.npz", {"w": np.zeros(2, td.bfloat16.numpy)}))
    assert not (tmp_path / "b.npz").exists()
    expect_error(td.ArgumentError, "save: argument 'state_dict['w']' is array([0.+1.j]); expected an array "
                 "of real numbers", lambda: nn.save(tmp_path / "c.npz", {"w": np.array([1j])}))


def test_checkpoint_files_round_trip_as_safetensors(tmp_path):
    pytest.importorskip("safetensors")
    state = random_state(nn.Sequential(Encoder(), nn.BatchNorm2d(2)), 3)
    nn.save(str(tmp_path / "w.safetensors"), state)
    loaded = nn.load(tmp_path / "w.safetensors")
    assert loaded.keys() == state.keys()
    assert all(loaded[k].dtype == v.dtype and np.array_equal(loaded[k], v) for k, v in state.items())


def test_bad_checkpoint_files_are_argument_errors(tmp_path):
    (tmp_path / "bad.npz").write_bytes(b"not a zip file")
    message = "load: checkpoint {} is not a valid .npz file: it is no zip archive (of .npy arrays)"
    expect_error(td.ArgumentError, message.format(tmp_path / "bad.npz"),
                 lambda: nn.load(tmp_path / "bad.npz"))
    expect_error(td.ArgumentError, f"load: cannot read checkpoint {tmp_path / 'none.npz'}: No such file or "
                                   "directory", lambda: nn.load(tmp_path / "none.npz"))
    expect_error(td.ArgumentError, "load: argument 'path' is 'model.pt'; expected a file ending in "
                                   ".safetensors or .npz (convert a PyTorch .pt file with "
                                   "safetensors.torch.save_file)",
                 lambda: nn.load("model.pt"))


def test_without_safetensors_a_safetensors_file_says_what_to_install(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "safetensors", None)
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    expect_error(td.ArgumentError, "load: .safetensors files need the safetensors package: pip install "
                                   "'trtdsl[safetensors]' (or use an .npz file)",
                 lambda: nn.load("w.safetensors"))


def test_module_mistakes_are_argument_errors():
    class Forgetful(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(2)  # forgot super().__init__()  # forgot

    expect_error(td.ArgumentError, "Forgetful: attribute 'w' set before Module.__init__ ran; call "
                                   "super().__init__() first in __init__", Forgetful, line=line_of("forgot"))
    expect_error(td.ArgumentError, "Module: a Module subclass defines forward(...), which calling it runs; "
                                   "this one has none", lambda: nn.Module()(1))
    expect_error(td.ArgumentError, "Linear: argument 'in_features' is 0; expected an int >= 1",
                 lambda: nn.Linear(0, 2))
    expect_error(td.ArgumentError, "Conv2d: argument 'groups' is 2; expected a divisor of in_channels (3)",
                 lambda: nn.Conv2d(3, 4, 1, groups=2))
    expect_error(td.ArgumentError, "ConvTranspose2d: argument 'output_padding' is 1; expected at most "
                                   "padding (0, 0) (TensorRT's deconvolution trims, it cannot add)",
                 lambda: nn.ConvTranspose2d(1, 1, 2, stride=2, output_padding=1))
    net = td.Network("n")
    expect_error(td.ArgumentError, "LayerNorm: x has shape (2, 3); expected its trailing dims to be the "
                                   "normalized_shape (4,)",
                 lambda: nn.LayerNorm(4)(net.input("x", td.float32, (2, 3))))
    expect_error(td.ArgumentError, "BatchNorm2d: x has shape (1, 3, 8, 8); expected 4 channels (dim 1), this "
                                   "module's num_features",
                 lambda: nn.BatchNorm2d(4)(net.input("y", td.float32, (1, 3, 8, 8))))
    expect_error(td.DTypeError, "Linear: argument 'x' is [1.0, 2.0]; expected a trtdsl Tensor; turn an array "
                                "or a number into one with net.constant(...)",
                 lambda: nn.Linear(2, 2)([1.0, 2.0]))
    expect_error(td.ArgumentError, "Parameter.assign: the values for bias have shape (3,); expected (2,)",
                 lambda: nn.Linear(2, 2).bias.assign(np.zeros(3, np.float32)))
    expect_error(td.ArgumentError, "Parameter: the values are 'abc'; expected an array of shape (2,) and "
                                   "dtype float32", lambda: nn.Parameter(2, values="abc"))


def test_replace_op_keeps_the_layer_kind_and_its_output_types():
    net = td.Network("r")
    c = net.constant(np.zeros(2, np.float32), name="c")
    relu = td.relu(net.input("x", td.float32, (2,)))
    expect_error(td.ArgumentError, "replace_op: argument 'op' is Activation(type=<ActivationType.RELU: "
                                   "'relu'>, alpha=0.0, beta=0.0); expected a Constant op, the kind of "
                                   "layer c",
                 lambda: net.replace_op(c.producer, relu.producer.op))
    wider = td.ops.Constant(Weights.of(np.zeros(3, np.float32)))
    expect_error(td.ShapeError, "Constant: replace_op would change layer c's output types from f32[2] to "
                                "f32[3]", lambda: net.replace_op(c.producer, wider))
    expect_error(td.ArgumentError, "replace_op: argument 'node' is Node(c: Constant); expected a layer of "
                                   "network 'o' (a tensor's .producer)",
                 lambda: td.Network("o").replace_op(c.producer, c.producer.op))
    net.output("y", c + relu)
    net.replace_op(c.producer, td.ops.Constant(Weights.of(np.float32([1, 2]))))
    assert net.run({"x": np.float32([-1, 1])})["y"].tolist() == [1, 3]


def test_a_module_list_registers_its_modules_and_a_plain_list_is_refused():
    class Stack(nn.Module):
        def __init__(self, layers):
            super().__init__()
            self.layers = layers

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    stack = Stack(nn.ModuleList(nn.Linear(2, 2) for _ in range(2)))
    assert list(stack.state_dict()) == ["layers.0.weight", "layers.0.bias", "layers.1.weight",
                                        "layers.1.bias"]
    stack.layers.append(nn.Linear(2, 2))
    assert len(stack.layers) == 3 and stack.layers[-1].weight.name == "layers.2.weight"
    expect_error(td.ArgumentError, "Stack: attribute 'layers' is a list of modules, whose parameters the "
                 "module would not hold (state_dict, loading, names); use td.nn.ModuleList([...]) (or "
                 "td.nn.Sequential)",
                 lambda: Stack([nn.Linear(2, 2)]))
    # a dict of modules and a list of parameters would vanish from the state_dict alike
    expect_error(td.ArgumentError, "Stack: attribute 'layers' is a dict holding modules, which the module would "
                 "not hold (state_dict, loading, names); give each an attribute of its own (self.layers_a = "
                 "...), or put the modules in a td.nn.ModuleList([...])",
                 lambda: Stack({"seg": nn.Linear(2, 2)}))
    expect_error(td.ArgumentError, "Stack: attribute 'layers' is a list holding parameters, which the module "
                 "would not hold (state_dict, loading, names); give each an attribute of its own "
                 "(self.layers_a = ...)", lambda: Stack([nn.Parameter((1, 4))]))
    assert list(Stack({"scale": 2.0}).state_dict()) == []  # containers of other values are kept as they are


def test_modules_without_a_common_parent_share_a_network():
    """Two modules that no parent names apart both have a 'weight': the second's constants get free names,
    and loading each module's weights changes its own."""
    net = td.Network("pair")
    x = net.input("x", td.float32, ("b", 2))
    first, second = nn.Linear(2, 2), nn.Linear(2, 2)
    net.output("y", second(first(x)))
    names = [n.name for n in net.nodes if n.op.kind == "Constant"]
    assert names == ["weight", "bias", "weight_1", "bias_1"]
    first.load_state_dict({"weight": 2 * np.eye(2, dtype=np.float32), "bias": np.zeros(2, np.float32)})
    second.load_state_dict({"weight": 3 * np.eye(2, dtype=np.float32), "bias": np.ones(2, np.float32)})
    feeds = {"x": np.array([[1.0, -2.0]], np.float32)}
    np.testing.assert_array_equal(net.run(feeds)["y"], 6 * feeds["x"] + 1)


def test_big_endian_arrays_load_and_a_data_parallel_checkpoint_is_named():
    linear = nn.Linear(2, 2)
    linear.load_state_dict({"weight": np.array([[1, 2], [3, 4]], ">f4"), "bias": np.zeros(2, ">f4")})
    assert linear.weight.value.dtype == np.float32 and linear.weight.value.tolist() == [[1, 2], [3, 4]]
    expect_error(td.ArgumentError, "load_state_dict: the checkpoint does not fit Linear (4 mismatches):\n"
                 "  missing: weight, f32[2, 2]\n  missing: bias, f32[2]\n  unexpected: module.bias\n"
                 "  unexpected: module.weight\nThe checkpoint's keys start with 'module.' "
                 "(torch.nn.DataParallel's): load {k.removeprefix('module.'): v for k, v in "
                 "checkpoint.items()}",
                 lambda: linear.load_state_dict({"module.weight": np.eye(2, dtype=np.float32),
                                                 "module.bias": np.zeros(2, np.float32)}))
