"""docs/layers.md has a row for every op of every layer family, and names only ops that exist; the code
blocks of README.md, docs/onnx.md and docs/tensorrt.md run (the TensorRT one as far as TensorRT is
there)."""

import re

import pytest
from support import ROOT, python_blocks, run_blocks

from trtdsl.ir.table import all_op_types


LAYERS_MD = ROOT / "docs" / "layers.md"
TABLE_START = "<!-- layer table: generated from each op's docs_row (tests/examples/test_docs.py) -->"
TABLE_END = "<!-- end of layer table -->"


def layer_ops() -> list[type]:
    """The op classes of the layer families, by module, each module's in the order it defines them."""
    return [cls for cls in all_op_types() if cls.__module__.startswith("trtdsl.layers.")]


def layer_table() -> str:
    """docs/layers.md's table of ops, from each op class's ``docs_row``."""
    lines = [TABLE_START, "| Op (`kind`) | DSL functions | TensorRT layer | Semantics that differ from NumPy | Sources |",
             "|---|---|---|---|---|"]
    for cls in sorted(layer_ops(), key=lambda c: c.__module__):
        lines.append("| " + " | ".join([f"`{cls.kind}`", *cls.docs_row]) + " |")
    return "\n".join(lines + [TABLE_END])


DTYPES_START = "<!-- input dtypes: generated from each op's input_dtypes (tests/examples/test_docs.py) -->"
DTYPES_END = "<!-- end of input dtypes -->"


def dtype_table() -> str:
    """The table of the dtypes each op's inputs accept, from the ops' ``input_dtypes`` declarations (the
    same sets ``Op.output_types`` checks)."""
    lines = [DTYPES_START, "", "| Op | Input | Dtypes |", "|---|---|---|"]
    for cls in sorted(all_op_types(), key=lambda c: c.kind):
        if not cls.__module__.startswith("trtdsl.layers."):
            continue
        declared = [(n, cls.input_dtypes[n.rstrip("?")]) for n in cls.input_names or ()
                    if n.rstrip("?") in cls.input_dtypes]
        for name, allowed in declared:
            lines.append(f"| {cls.kind} | {name} | {', '.join(d.name for d in allowed)} |")
        if cls.input_names == ():
            lines.append(f"| {cls.kind} | | (no inputs) |")
        elif not declared:
            lines.append(f"| {cls.kind} | | set by the op's parameters or other inputs (see its module) |")
    return "\n".join(lines + ["", DTYPES_END])


def generated(text: str) -> str:
    """``text`` (docs/layers.md) with its generated tables as the ops declare them."""
    for start, end, table in ((TABLE_START, TABLE_END, layer_table()), (DTYPES_START, DTYPES_END, dtype_table())):
        i, j = text.index(start), text.index(end) + len(end)
        text = text[:i] + table + text[j:]
    return text


def test_every_layer_op_has_a_row_with_sources():
    for cls in layer_ops():
        assert cls.docs_row is not None, f"{cls.__name__} has no docs_row (its row in docs/layers.md)"
        assert len(cls.docs_row) == 4 and cls.docs_row[3].strip(), f"{cls.__name__}: no sources in its docs_row"


def test_the_layer_reference_tables_agree_with_the_ops():
    text = LAYERS_MD.read_text()
    assert text == generated(text), "docs/layers.md's tables differ from the ops: run PYTHONPATH=tests python tests/examples/test_docs.py"


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


if __name__ == "__main__":  # PYTHONPATH=tests python tests/examples/test_docs.py: write docs/layers.md's generated tables
    LAYERS_MD.write_text(generated(LAYERS_MD.read_text()))
