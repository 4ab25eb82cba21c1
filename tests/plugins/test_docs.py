"""docs/plugins.md: its complete code blocks (those that start unindented) run, in order, in a fresh
interpreter (its plugin names are the example's, so it must not share a process with the example)."""

import pathlib
import re
import subprocess
import sys

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "plugins.md"


def test_code_blocks_run():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.DOTALL)
    runnable = [b for b in blocks if not b.startswith((" ", "\t"))]
    assert len(runnable) >= 5
    result = subprocess.run(
        [sys.executable, "-c", "\n".join(runnable)],
        capture_output=True,
        check=False,
        text=True,
        timeout=300,
        cwd=DOC.parents[1],
    )
    assert result.returncode == 0, result.stderr
