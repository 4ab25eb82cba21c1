"""docs/conditionals.md: its complete code blocks (those that start unindented) run, in order, in a fresh
interpreter."""

from support import run_doc


def test_code_blocks_run():
    run_doc("conditionals.md", min_blocks=4)
