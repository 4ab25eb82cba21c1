"""docs/quantization.md: its complete code blocks (those that start unindented) run, in order, in a fresh
interpreter, and the placement rules it lists are the ones check() implements."""

import pathlib
import re
import subprocess
import sys

import importlib

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "quantization.md"


def test_code_blocks_run():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.DOTALL)
    runnable = [b for b in blocks if not b.startswith((" ", "\t"))]
    assert len(runnable) >= 4
    result = subprocess.run([sys.executable, "-c", "\n".join(runnable)], capture_output=True, text=True,
                            timeout=300, cwd=DOC.parents[1])
    assert result.returncode == 0, result.stderr
    assert "no Q/DQ placement findings" in result.stdout
    assert "warning[residual-not-quantized] layer sum_0" in result.stdout


def test_the_rule_tables_agree():
    documented = re.findall(r"^\| `([a-z0-9-]+)` \| (error|warning|info) \|", DOC.read_text(), re.MULTILINE)
    table = importlib.import_module("trtdsl.quantization.check").__doc__
    implemented = re.findall(r"^([a-z0-9-]+) +(error|warning|info) ", table, re.MULTILINE)
    assert documented == implemented and len(documented) == 16
