"""Every script in examples/ runs to completion, quickly, and prints what it promises.

Each example is run as a user would run it (``python examples/<name>.py``, with the repository on the
path as after ``pip install .``). Scripts added to examples/ are picked up automatically; the ones listed
in EXPECTED are also checked for what they print."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
TIME_LIMIT_S = 60  # examples are meant to take a few seconds; the limit only stops a runaway


def mnist_accuracy(out: str) -> None:
    assert 'network "mnist" {' in out
    for layer in ("Convolution", "Pooling[MAX]", "MatrixMultiply", "Activation[RELU]", "SoftMax"):
        assert layer in out, f"{layer} missing from the printed network"
    assert re.search(r"says \d \(\d+%\)", out), "no predictions printed"
    found = re.search(r"Accuracy on (\d+) fresh noisy digits: ([\d.]+)%", out)
    assert found, "no accuracy line"
    assert int(found.group(1)) >= 100 and float(found.group(2)) >= 90.0, found.group(0)


# What particular examples must print, beyond running cleanly.
EXPECTED = {"mnist_from_scratch.py": mnist_accuracy}


def test_there_are_examples():
    assert any(p.name == "mnist_from_scratch.py" for p in EXAMPLES)


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, str(script)], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=False, timeout=TIME_LIMIT_S)
    assert done.returncode == 0, f"{script.name} exited with {done.returncode}:\n{done.stderr[-3000:]}"
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert done.stdout.strip(), f"{script.name} printed nothing"
    check = EXPECTED.get(script.name)
    if check is not None:
        check(done.stdout)
