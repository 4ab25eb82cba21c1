"""docs/quantization.md: its complete code blocks (those that start unindented) run, in order, in a fresh
interpreter, and the placement rules it lists are the ones check() implements."""

import importlib
import pathlib
import re

from support import run_doc

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "quantization.md"


def test_code_blocks_run():
    result = run_doc("quantization.md", min_blocks=4)
    assert "no Q/DQ placement findings" in result.stdout
    assert "warning[residual-not-quantized] layer sum_0" in result.stdout


def test_the_rule_tables_agree():
    documented = re.findall(r"^\| `([a-z0-9-]+)` \| (error|warning|info) \|", DOC.read_text(), re.MULTILINE)
    table = importlib.import_module("trtdsl.quantization.check").__doc__
    implemented = re.findall(r"^([a-z0-9-]+) +(error|warning|info) ", table, re.MULTILINE)
    assert documented == implemented and len(documented) == 16
