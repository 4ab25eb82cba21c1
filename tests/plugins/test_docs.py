"""docs/plugins.md: its complete code blocks (those that start unindented) run, in order, in a fresh
interpreter (its plugin names are the example's, so it must not share a process with the example)."""

from support import run_doc


def test_code_blocks_run():
    run_doc("plugins.md", min_blocks=5)
