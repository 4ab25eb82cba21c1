"""docs/layers.md has a row for every op of every layer family, and names only ops that exist; the code
blocks of README.md, docs/onnx.md and docs/tensorrt.md run (the TensorRT one as far as TensorRT is
there)."""

import re

import pytest
from support import ROOT, python_blocks, run_blocks

from trtdsl.ir.table import all_op_types


def layer_kinds() -> set[str]:
    return {cls.kind for cls in all_op_types() if cls.__module__.startswith("trtdsl.layers.")}


def test_every_layer_op_has_a_row_in_the_layer_reference():
    rows = set(re.findall(r"^\| `(\w+)` \|", (ROOT / "docs" / "layers.md").read_text(), re.MULTILINE))
    kinds = layer_kinds()
    assert not kinds - rows, f"ops without a row in docs/layers.md: {sorted(kinds - rows)}"
    assert not rows - kinds, f"rows in docs/layers.md for ops that do not exist: {sorted(rows - kinds)}"


def test_the_readme_code_runs_and_prints_what_it_says():
    blocks = python_blocks("README.md")
    assert len(blocks) == 2
    done = run_blocks(blocks)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith('network "demo" {\n  input %x : f32[batch,4]\n')
    assert "%y : f32[batch,3] = Activation[RELU](%sum_0)" in done.stdout
    assert done.stdout.endswith("(3, 8)\n")  # the tour's comment


def test_the_onnx_doc_code_runs():
    blocks = python_blocks("docs/onnx.md")
    assert len(blocks) == 3
    done = run_blocks(blocks)
    assert done.returncode == 0, done.stderr
    assert "= TopK[MAX](%x, k=1, axis=1, indices_dtype=i64)" in done.stdout  # the import section's ArgMax


def test_the_tensorrt_doc_example_runs_up_to_what_needs_tensorrt():
    """Where TensorRT cannot be imported, the example stops at ``net.build`` with a BackendError that says
    so; where it can, the example needs a GPU too and is run by tests/backends/tensorrt instead."""
    first = python_blocks("docs/tensorrt.md")[0]
    try:
        import tensorrt  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("tensorrt imports here: the example would build an engine (needs a GPU)")
    done = run_blocks([first])
    assert done.returncode == 1
    build_line = next(
        i for i, line in enumerate(first.splitlines(), 1) if line.startswith("engine = net.build(")
    )
    assert f'File "<string>", line {build_line}, in <module>' in done.stderr
    assert done.stderr.splitlines()[-1].startswith("trtdsl.errors.BackendError: ")
    assert "the TensorRT backend needs the tensorrt package and its libraries" in done.stderr


def test_every_layer_row_names_its_sources():
    text = (ROOT / "docs" / "layers.md").read_text()
    for line in re.findall(r"^\| `\w+` \|.*$", text, re.MULTILINE):
        cells = re.split(r"(?<!\\)\|", line)[1:-1]
        assert len(cells) == 5 and cells[4].strip(), f"no sources in: {line[:60]}"


def test_documents_link_only_to_files_of_the_repository():
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        text = path.read_text()
        # links in prose: code (fenced, indented, inline) left out
        unfenced = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
        prose = re.sub(r"`[^`\n]*`", "", re.sub(r"^(    |\t).*$", "", unfenced, flags=re.MULTILINE))
        for target in re.findall(r"\]\(([^)#\s]+)", prose):
            if "://" in target:
                continue
            resolved = (path.parent / target).resolve()
            assert resolved.is_relative_to(ROOT) and resolved.exists(), f"{path.name} links to {target}"
        assert "../" not in re.sub(r"\]\(\S*?\)", "", text), f"{path.name} names a path outside the repository"
