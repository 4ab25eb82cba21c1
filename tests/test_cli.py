"""The trtdsl command line on a network defined in a temporary file."""

import re
from pathlib import Path

import numpy as np
import pytest
from support import expect_error

from trtdsl.cli import load_network, main
from trtdsl.errors import InputError

ROOT = Path(__file__).resolve().parents[1]

MODEL = """
import numpy as np
import trtdsl as td

def build_network():
    net = td.Network("cli")
    x = net.input("x", td.float32, ("batch", 3))
    net.output("y", td.relu(x) * 2.0)
    return net

if __name__ == "__main__":
    raise SystemExit("main must not run when loaded by trtdsl")
"""


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(MODEL)
    return path


def test_inspect_prints_the_ir(model, capsys):
    assert main(["inspect", str(model), "--no-locations"]) == 0
    out = capsys.readouterr().out
    assert out.startswith('network "cli" {') and "Activation[RELU](%x)" in out


def test_run_with_given_input_and_save(model, tmp_path, capsys):
    x = np.array([[-1.0, 0.5, 2.0]], np.float32)
    np.save(tmp_path / "x.npy", x)
    saved = tmp_path / "out.npz"
    assert main(["run", str(model), "--input", f"x={tmp_path / 'x.npy'}", "--save", str(saved)]) == 0
    assert "y: float32[1, 3]  min 0  max 4  mean 1.66667" in capsys.readouterr().out
    np.testing.assert_array_equal(np.load(saved)["y"], [[0.0, 1.0, 4.0]])


def test_run_random_inputs_use_dim_sizes(model, capsys):
    assert main(["run", str(model), "--dim", "batch=5"]) == 0
    assert capsys.readouterr().out.startswith("y: float32[5, 3]")


def test_draw_dot(model, tmp_path):
    target = tmp_path / "net.dot"
    assert main(["draw", str(model), "-o", str(target)]) == 0
    text = target.read_text()
    assert text.startswith('digraph "cli"') and '"in:x" -> "n0" [label="f32[batch,3]"];' in text


def test_errors_are_reported_not_raised(model, tmp_path, capsys):
    np.save(tmp_path / "bad.npy", np.ones((1, 3)))
    assert main(["run", str(model), "--input", f"x={tmp_path / 'bad.npy'}"]) == 1
    err = capsys.readouterr().err
    assert "trtdsl run: error:" in err and "input 'x' has dtype float64; expected float32" in err


def test_load_network_by_name(model):
    assert load_network(f"{model}:build_network").name == "cli"


def invalid_calls(tmp_path):
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    needs = tmp_path / "needs.py"
    needs.write_text("def build_network(width, *, depth):\n    pass\n")
    return [
        (f"no such file {str(tmp_path / 'nope.py')!r}", lambda: load_network(str(tmp_path / "nope.py"))),
        (
            f"{empty} has 0 Network objects and no build_network(); name one as {empty}:NAME",
            lambda: load_network(str(empty)),
        ),
        (f"{empty} defines no 'nope'", lambda: load_network(f"{empty}:nope")),
        (f"{empty}:x is a int, not a trtdsl Network", lambda: load_network(f"{empty}:x")),
        (
            f"{needs}:build_network takes arguments (width, depth); name a Network or a function called "
            "without arguments",
            lambda: load_network(str(needs)),
        ),
    ]


def test_invalid_networks(tmp_path):
    for message, call in invalid_calls(tmp_path):
        expect_error(InputError, "trtdsl: " + message, call)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["run", "{model}", "--dim", "batch=x"], "--dim batch=x must look like NAME=SIZE, with ints >= 0"),
        (["run", "{model}", "--dim", "batch"], "--dim 'batch' must look like NAME=SIZE"),
        (["run", "{model}", "--dim", "batch=-1"], "--dim batch=-1 must look like NAME=SIZE, with ints >= 0"),
        (
            ["run", "{model}", "--input", "x={tmp}/none.npy"],
            "--input x={tmp}/none.npy: cannot read an array from it ([Errno 2] No such file or directory: "
            "'{tmp}/none.npy')",
        ),
        (
            ["build", "{model}", "-o", "{tmp}/m.plan"],
            "network 'cli' has named dims; give their ranges: --dim batch=MIN,OPT,MAX",
        ),
        (
            ["build", "{model}", "-o", "{tmp}/m.plan", "--dim", "batch=1,2"],
            "--dim batch=1,2 must look like NAME=MIN,OPT,MAX, with ints >= 0",
        ),
        (
            ["export", "{model}", "-o", "{tmp}/no/such/folder/m.onnx"],
            "to_onnx: cannot write '{tmp}/no/such/folder/m.onnx': folder '{tmp}/no/such/folder' does not exist",
        ),
    ],
)
def test_command_line_errors_say_what_to_type(model, tmp_path, capsys, argv, message):
    args = [a.format(model=model, tmp=tmp_path) for a in argv]
    assert main(args) == 1
    err = capsys.readouterr().err
    # (an error raised while the test runs names the test's line; from a shell it names none)
    assert re.fullmatch(
        f"trtdsl {args[0]}: error: (\\S+:\\d+: )?{re.escape(message.format(tmp=tmp_path))}\n", err
    )


def test_build_takes_the_profile_from_the_command_line(model, tmp_path, capsys, monkeypatch):
    from trtdsl.ir.network import Network

    seen = {}
    monkeypatch.setattr(Network, "build", lambda self, **options: seen.update(options) or FakeEngine())
    assert main(["build", str(model), "-o", str(tmp_path / "m.plan"), "--dim", "batch=1,8,64"]) == 0
    assert seen == {"profiles": {"batch": (1, 8, 64)}}
    assert (tmp_path / "m.plan").read_bytes() == b"plan"
    assert capsys.readouterr().out == f"wrote {tmp_path / 'm.plan'}\n"


class FakeEngine:
    def save(self, path):
        with open(path, "wb") as f:
            f.write(b"plan")


EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.py") if "def build_network(" in p.read_text())


def test_most_examples_work_with_the_command_line():
    assert {p.name for p in EXAMPLES} >= {
        "mnist_from_scratch.py",
        "char_rnn_lstm.py",
        "early_exit.py",
        "sum_even.py",
        "custom_plugin.py",
    }


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_examples_inspect_and_run_from_the_command_line(example, capsys):
    network = load_network(str(example))
    assert main(["inspect", str(example)]) == 0
    assert capsys.readouterr().out.startswith(f'network "{network.name}" {{')
    assert main(["run", str(example)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == list(network.outputs)
