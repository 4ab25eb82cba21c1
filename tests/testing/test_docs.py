"""docs/testing.md: its Python code blocks run, in order, in a fresh interpreter (the worked example's
property test included)."""

from support import run_doc


def test_code_blocks_run():
    result = run_doc("testing.md", min_blocks=4)
    assert "forgot_the_scale vs reference: 32 of 32 elements out of tolerance" in result.stdout
