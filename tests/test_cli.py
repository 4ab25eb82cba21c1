"""The trtdsl command line on a network defined in a temporary file, and on every example."""

import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
from support import expect_error

import trtdsl
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


def test_run_saves_every_output_by_name_and_widens_what_npz_lacks(tmp_path, capsys):
    """Outputs named like np.savez's own arguments are saved, and bfloat16 ones as float32 (exactly)."""
    path = tmp_path / "names.py"
    path.write_text(MODEL.replace('net.output("y", td.relu(x) * 2.0)', 'net.output("file", x * 2.0)\n'
                                  '    net.output("allow_pickle", td.cast(x, td.bfloat16))'))
    saved = tmp_path / "out.npz"
    np.save(tmp_path / "x.npy", np.array([[1.0, 2.5, -3.0]], np.float32))
    assert main(["run", str(path), "--input", f"x={tmp_path / 'x.npy'}", "--save", str(saved)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-2] == "allow_pickle: bfloat16[1, 3]  min -3  max 2.5  mean 0.166667"
    assert out[-1] == f"saved 2 outputs to {saved} (allow_pickle as float32, which .npz holds)"
    with np.load(saved) as archive:
        assert sorted(archive.files) == ["allow_pickle", "file"]
        assert archive["allow_pickle"].dtype == np.float32
        np.testing.assert_array_equal(archive["allow_pickle"], [[1.0, 2.5, -3.0]])
        np.testing.assert_array_equal(archive["file"], [[2.0, 5.0, -6.0]])


def test_dims_and_inputs_that_disagree_or_repeat_are_errors(model, tmp_path, capsys):
    np.save(tmp_path / "x.npy", np.ones((2, 3), np.float32))
    given = f"x={tmp_path / 'x.npy'}"
    assert main(["run", str(model), "--input", given, "--dim", "batch=3"]) == 1
    assert capsys.readouterr().err == (f"trtdsl run: error: --dim batch=3 but input x from "
                                       f"{tmp_path / 'x.npy'} has batch=2 (its dim 0); give one size\n")
    assert main(["run", str(model), "--dim", "batch=2", "--dim", "batch=3"]) == 1
    assert capsys.readouterr().err == ("trtdsl run: error: --dim gives batch twice (batch=2 and batch=3); "
                                       "give it once\n")
    assert main(["run", str(model), "--input", given, "--dim", "batch=2"]) == 0


def test_import_of_a_model_with_plugins_reads_their_definitions_from_a_file(tmp_path):
    plugins = tmp_path / "plugins.py"
    plugins.write_text(
        "import numpy as np\nimport trtdsl as td\n\n"
        "@td.plugin('clitest::positives')\nclass Positives:\n"
        "    def shape(self, x):\n        return td.TensorType(x.dtype, "
        "(td.data_dependent_dim(x.shape[0]),))\n"
        "    def reference(self, x):\n        return x[x > 0]\n\n"
        "def build_network():\n    net = td.Network('p')\n"
        "    net.output('y', Positives()(net.input('x', td.float32, (4,))))\n    return net\n")
    model = tmp_path / "p.onnx"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))

    def cli(*argv):  # a fresh process, which knows only the plugins it is given
        return subprocess.run([sys.executable, "-m", "trtdsl", *argv], capture_output=True, text=True,
                              env=env, timeout=120, check=False)

    assert cli("export", str(plugins), "-o", str(model)).returncode == 0
    done = cli("import", str(model))
    assert done.returncode == 1
    assert done.stderr.endswith("(for the command line: --plugins FILE.py, a file defining it)\n")
    done = cli("import", str(model), "--plugins", str(plugins), "--run")
    assert done.returncode == 0 and "y: float32[" in done.stdout, done.stderr


def test_inspect_python_says_which_file_defines_a_plugin(tmp_path, capsys):
    """The command line runs the file as a module of no importable name: the script names the file."""
    source = tmp_path / "scaled.py"
    source.write_text(
        "import numpy as np\nimport trtdsl as td\n\n"
        "@td.plugin('clitest::scale')\nclass Scale:\n"
        "    def shape(self, x):\n        return x\n"
        "    def reference(self, x):\n        return x * np.float32(2)\n\n"
        "def build_network():\n    net = td.Network('s')\n"
        "    net.output('y', Scale()(net.input('x', td.float32, (4,))))\n    return net\n")
    assert main(["inspect", str(source), "--python"]) == 0
    assert (f"# needs the plugin's definition: Scale, defined at {source}:4 (run or import that code before "
            "building)") in capsys.readouterr().out


def test_inspect_prints_the_ir(model, capsys):
    assert main(["inspect", str(model), "--no-locations"]) == 0
    out = capsys.readouterr().out
    assert out.startswith('network "cli" {') and "Activation[RELU](%x)" in out


def test_run_with_given_input_and_save(model, tmp_path, capsys):
    x = np.array([[-1.0, 0.5, 2.0]], np.float32)
    np.save(tmp_path / "x.npy", x)
    saved = tmp_path / "out.npz"
    assert main(["run", str(model), "--input", f"x={tmp_path / 'x.npy'}", "--save", str(saved)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == [
        f"inputs: batch=1; x from {tmp_path / 'x.npy'}",
        "y: float32[1, 3]  min 0  max 4  mean 1.66667",
    ]
    np.testing.assert_array_equal(np.load(saved)["y"], [[0.0, 1.0, 4.0]])


def test_run_random_inputs_use_dim_sizes_and_say_the_sizes_and_seed(model, capsys):
    assert main(["run", str(model), "--dim", "batch=5", "--seed", "3"]) == 0
    first, second = capsys.readouterr().out.splitlines()
    assert first == "inputs: batch=5; x drawn with --seed 3" and second.startswith("y: float32[5, 3]")


def test_run_says_the_sizes_it_drew(model, capsys):
    assert main(["run", str(model)]) == 0
    first, second = capsys.readouterr().out.splitlines()
    size = re.fullmatch(r"inputs: batch=(\d+); x drawn with --seed 0", first).group(1)
    assert second.startswith(f"y: float32[{size}, 3]")


def test_version():
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert trtdsl.__version__ == project["version"]


def test_export_writes_the_opset_asked_for(model, tmp_path, capsys):
    import onnx

    for opset in (17, 21):
        target = tmp_path / f"m{opset}.onnx"
        assert main(["export", str(model), "-o", str(target), "--opset", str(opset)]) == 0
        assert onnx.load(target).opset_import[0].version == opset
    assert capsys.readouterr().out.splitlines() == [f"wrote {tmp_path / f'm{v}.onnx'}" for v in (17, 21)]


def test_draw_dot(model, tmp_path):
    target = tmp_path / "net.dot"
    assert main(["draw", str(model), "-o", str(target)]) == 0
    text = target.read_text()
    assert text.startswith('digraph "cli"') and '"in:x" -> "n0" [label="f32[batch,3]"];' in text


def test_errors_are_reported_not_raised(model, tmp_path, capsys):
    np.save(tmp_path / "bad.npy", np.ones((1, 4), np.float32))
    assert main(["run", str(model), "--input", f"x={tmp_path / 'bad.npy'}"]) == 1
    # no line of the user's made the error, so it names the network's file
    assert capsys.readouterr().err == (
        f"trtdsl run: error: {model}: run: input 'x' has shape (1, 4); dim 1 must be 3 (f32[batch,3])\n"
    )


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
        (f"{empty}:x is an int, not a trtdsl Network", lambda: load_network(f"{empty}:x")),
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
            ["export", "{model}", "-o", "{tmp}/m.onnx", "--opset", "16"],
            "--opset 16: expected an ONNX opset from 17 to 25",
        ),
        (
            ["export", "{model}", "-o", "{tmp}/no/such/folder/m.onnx"],
            "cannot write '{tmp}/no/such/folder/m.onnx': folder '{tmp}/no/such/folder' does not exist",
        ),
        (
            ["run", "{model}", "--input", "x={tmp}/inputs.npz"],
            "--input x={tmp}/inputs.npz is an .npz archive (of x); give one array as a .npy file (np.save)",
        ),
        (
            ["run", "{model}", "--save", "{tmp}/new/"],
            "cannot write '{tmp}/new/outputs.npz': folder '{tmp}/new' does not exist",
        ),
        (["run", "{model}", "--save", ""], "--save is empty; give a file (FILE.npz) or a folder"),
        (["run", "{model}", "--dim", "bat=3"],
         "--dim bat=... names no dim of network 'cli'; its named dims are batch"),
        (["build", "{model}", "-o", "{tmp}/m.plan", "--dim", "bat=1,2,3"],
         "--dim bat=... names no dim of network 'cli'; its named dims are batch"),
        (
            ["run", "{model}", "--input", "x={tmp}/x64.npy"],
            "--input x={tmp}/x64.npy holds float64 values but input x is f32[batch,3]; save the array as "
            "float32 (np.save(path, a.astype('float32')))",
        ),
    ],
)
def test_command_line_errors_say_what_to_type(model, tmp_path, capsys, argv, message):
    np.savez(tmp_path / "inputs.npz", x=np.zeros((2, 3), np.float32))
    np.save(tmp_path / "x64.npy", np.zeros((2, 3)))
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


def test_build_takes_a_shape_tensor_inputs_range_from_the_command_line(tmp_path, monkeypatch):
    """A profile gives each shape-tensor input its range too (a run takes only named dims)."""
    from trtdsl.ir.network import Network

    path = tmp_path / "shaped.py"
    path.write_text(MODEL.replace('net.output("y", td.relu(x) * 2.0)',
                                  'k = net.input("k", td.int32, (), shape_tensor=True)\n'
                                  '    net.output("y", td.topk(x, k, axis=1)[0])'))
    seen = {}
    monkeypatch.setattr(Network, "build", lambda self, **options: seen.update(options) or FakeEngine())
    assert main(["build", str(path), "-o", str(tmp_path / "m.plan"), "--dim", "batch=1,2,4",
                 "--dim", "k=1,2,3"]) == 0
    assert seen == {"profiles": {"batch": (1, 2, 4), "k": (1, 2, 3)}}


class FakeEngine:
    def save(self, path):
        with open(path, "wb") as f:
            f.write(b"plan")


EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


def test_every_example_defines_build_network():
    assert len(EXAMPLES) >= 8
    for example in EXAMPLES:
        assert re.search(r"^def build_network\(", example.read_text(), re.MULTILINE), example.name


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_examples_inspect_and_run_from_the_command_line(example, capsys):
    assert main(["inspect", str(example)]) == 0
    text = capsys.readouterr().out
    assert re.match(r'network "\w+" \{\n', text)
    outputs = re.findall(r"^  output %(\w+) :", text, re.MULTILINE)
    assert outputs
    assert main(["run", str(example)]) == 0
    first, *lines = capsys.readouterr().out.splitlines()
    assert first.startswith("inputs: ") and "drawn with --seed 0" in first
    assert [line.split(":")[0] for line in lines] == outputs


COMMANDS = ["inspect", "run", "export", "draw", "import", "build", "fuzz"]


def help_text(capsys, *argv):
    with pytest.raises(SystemExit) as done:
        main([*argv, "--help"])
    assert done.value.code == 0
    return capsys.readouterr().out


def test_every_command_has_a_description_and_an_example_that_runs(tmp_path, monkeypatch, capsys):
    from trtdsl.ir.network import Network

    listed = re.findall(r"^    (\w+) +\w", help_text(capsys), re.MULTILINE)
    assert listed == COMMANDS
    monkeypatch.setattr(Network, "build", lambda self, **options: FakeEngine())
    monkeypatch.chdir(tmp_path)  # where the examples' output files go
    for name in COMMANDS:
        text = help_text(capsys, name)
        description = re.search(r"\n\n(.+?)\n\npositional arguments:", text, re.DOTALL).group(1)
        assert len(description.split()) >= 15, (name, description)
        example = re.search(r"\nexample:\n  (trtdsl .+)\n$", text).group(1)
        argv = [str(ROOT / a) if a.startswith("examples/") else a for a in shlex.split(example)[1:]]
        assert argv[0] == name and main(argv) == 0, (example, capsys.readouterr().err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["char_rnn.plan", "early_exit.onnx", "sum_even.dot"]


def test_errors_name_the_users_file_not_the_installed_script(model, tmp_path):
    """Run as the installed ``trtdsl`` script runs it: a launcher file outside trtdsl calling main()."""
    launcher = tmp_path / "trtdsl"
    launcher.write_text("import sys\nfrom trtdsl.cli import main\nsys.exit(main())\n")
    np.save(tmp_path / "bad.npy", np.ones((1, 4), np.float32))
    bad_model = tmp_path / "bad_model.py"
    bad_model.write_text('import trtdsl as td\nnet = td.Network("b")\nx = net.input("x", td.float32, (2,))\n'
                         'net.output("y", td.leaky_relu(x, alpha=float("nan")))\n')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))

    def stderr(*argv):
        done = subprocess.run([sys.executable, str(launcher), *argv], capture_output=True, text=True,
                              env=env, timeout=120, check=False)
        assert done.returncode == 1 and str(launcher) not in done.stderr
        return done.stderr

    assert stderr("run", str(model), "--input", f"x={tmp_path / 'bad.npy'}") == (
        f"trtdsl run: error: {model}: run: input 'x' has shape (1, 4); dim 1 must be 3 (f32[batch,3])\n"
    )
    assert stderr("inspect", str(bad_model)) == (
        f"trtdsl inspect: error: {bad_model}:4: leaky_relu: argument 'alpha' is nan; expected a finite "
        "float\n"
    )


def test_a_reader_that_stops_early_ends_the_command_quietly(tmp_path):
    """trtdsl inspect model.py | head -c 1, on more text than a pipe holds: no "Broken pipe" error printed,
    a failing status."""
    import subprocess
    import sys

    path = tmp_path / "long.py"
    path.write_text(MODEL.replace('net.output("y", td.relu(x) * 2.0)',
                                  'for _ in range(3000):\n        x = td.relu(x)\n    net.output("y", x)'))
    done = subprocess.run(f"set -o pipefail; {sys.executable} -m trtdsl inspect {path} | head -c 1",
                          shell=True, text=True, capture_output=True, executable="/bin/bash")
    assert (done.returncode, done.stdout, done.stderr) == (1, "n", "")
