"""The trtdsl command line on a network defined in a temporary file."""

import numpy as np
import pytest

from trtdsl.cli import load_network, main

MODEL = '''
import numpy as np
import trtdsl as td

def build_network():
    net = td.Network("cli")
    x = net.input("x", td.float32, ("batch", 3))
    net.output("y", td.relu(x) * 2.0)
    return net

if __name__ == "__main__":
    raise SystemExit("main must not run when loaded by trtdsl")
'''


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


def test_load_network_by_name_and_errors(model, tmp_path):
    assert load_network(f"{model}:build_network").name == "cli"
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    with pytest.raises(Exception, match="has 0 Network objects and no build_network"):
        load_network(str(empty))
    with pytest.raises(Exception, match="defines no 'nope'"):
        load_network(f"{model}:nope")
