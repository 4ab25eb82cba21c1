"""The DOT picture of a network."""

import shutil

import pytest

import trtdsl as td
from trtdsl.ir.dot import draw, to_dot


def small():
    net = td.Network('n"q')
    x = net.input("x", td.float32, (2,))
    y = net.input("y", td.float32, (2,))
    net.output("z", td.exp(x) + y)
    return net


def test_every_layer_and_edge_is_drawn():
    text = to_dot(small())
    assert text.startswith('digraph "n\\"q" {')
    assert '"n0" [label="Unary[EXP]\\nexp_0"];' in text
    assert '"in:x" -> "n0" [label="f32[2]"];' in text
    assert '"n0" -> "n1" [label="f32[2]"];' in text and '"in:y" -> "n1" [label="f32[2]"];' in text
    assert '"n1" -> "out:z" [label="f32[2]"];' in text


def test_unknown_format_is_an_error(tmp_path):
    with pytest.raises(td.BackendError, match=r"expected a \.dot, \.svg, \.png or \.pdf file"):
        draw(small(), tmp_path / "n.jpg")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")
def test_render_svg(tmp_path):
    assert draw(small(), tmp_path / "n.svg").read_text().lstrip().startswith("<?xml")


@pytest.mark.skipif(shutil.which("dot") is not None, reason="Graphviz is installed here")
def test_render_without_graphviz_says_how_to_get_it(tmp_path):
    with pytest.raises(td.BackendError, match="needs Graphviz's 'dot' program"):
        draw(small(), tmp_path / "n.svg")
