"""The code of docs/modules.md runs and prints what its comments say (the TensorRT block needs TensorRT)."""

from support import python_blocks, run_blocks


def test_the_modules_doc_code_runs_and_prints_what_it_says():
    blocks = python_blocks("docs/modules.md")
    assert len(blocks) == 4 and "net.build(refittable=True)" in blocks[3]
    done = run_blocks(blocks[:3])
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:2] == ["['embed.weight', 'block.norm1.weight', 'block.attn.q_proj.weight']", "(1, 3)"]
    assert lines[2] == "load_state_dict: the checkpoint does not fit Sequential (8 mismatches):"
    assert "  wrong dtype: 1.bias is float16; expected float32" in lines
    assert lines[-2:] == ["[[1.]]", "[[11.]]"]
