"""docs/testing.md: its Python code blocks run, in order, in a fresh interpreter (the worked example's
property test included)."""

import pathlib
import re
import subprocess
import sys

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "testing.md"


def test_code_blocks_run():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.DOTALL)
    assert len(blocks) >= 4
    result = subprocess.run(
        [sys.executable, "-c", "\n".join(blocks)],
        capture_output=True,
        check=False,
        text=True,
        timeout=300,
        cwd=DOC.parents[1],
    )
    assert result.returncode == 0, result.stderr
    assert "forgot_the_scale vs reference: 32 of 32 elements out of tolerance" in result.stdout
