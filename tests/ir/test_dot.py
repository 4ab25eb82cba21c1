"""The DOT picture of a network."""

import html
import re
import shutil

import numpy as np
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
    assert '"n0" [label="Unary[EXP]\\nexp_0\\nf32[2]"];' in text
    assert '"in:x" -> "n0" [label="f32[2]"];' in text
    assert '"n0" -> "n1" [label="f32[2]"];' in text and '"in:y" -> "n1" [label="f32[2]"];' in text
    assert '"n1" -> "out:z" [label="f32[2]"];' in text


def nested():
    """A loop inside the true branch of a conditional, and a second loop after it; returns the network
    and the names of the layers made in each place, by where the code made them (boundary layers by their
    region; constants, which depend on nothing, at the top level, as TensorRT's data-flow rule puts
    them)."""
    net = td.Network("nested")
    xs = net.input("xs", td.float32, (3, 2))
    flag = net.input("flag", td.float32, ())
    marks = {}
    positive = flag > 0
    with td.If(positive) as branch:
        with branch.then_():
            marks["loop"] = len(net.nodes)
            with td.Loop(trip_count=3) as loop:
                x = loop.iterate(xs)
                acc = loop.carry(np.zeros(2, np.float32))
                acc.update(td.exp(acc + x))
                total = loop.last(acc)
            marks["then"] = len(net.nodes)
            doubled = total * 2.0
        marks["else"] = len(net.nodes)
        with branch.else_():
            negated = -td.sum(xs, axis=0)
        marks["if"] = len(net.nodes)
        out = branch.output(doubled, negated)
    marks["after"] = len(net.nodes)
    with td.Loop(trip_count=2) as after:
        c = after.carry(out)
        c.update(td.relu(c))
        final = after.last(c)
    marks["top"] = len(net.nodes)
    net.output("y", final)
    made: dict[str, list[str]] = {place: [] for place in marks}
    bounds = sorted((start, place) for place, start in marks.items())
    for i, node in enumerate(net.nodes):
        if node.op.kind in ("Condition", "ConditionalInput", "ConditionalOutput"):
            place = "if"
        elif node.op.kind in ("TripLimit", "Iterator", "Recurrence", "LoopOutput"):
            place = "loop" if node.op.region.name == "loop_0" else "after"
        elif node.op.kind == "Constant" or i < bounds[0][0]:
            place = "top"
        else:
            place = [p for start, p in bounds if start <= i][-1]
        made[place].append(node.name)
    return net, made


def clusters_of_layers(text: str) -> tuple[dict[str, list[str]], dict[str, str]]:
    """From DOT text: the path of cluster labels holding each layer (by its name, the second line of its
    label), and each cluster's label by its id."""
    stack: list[str] = []
    labels: dict[str, str] = {}
    where: dict[str, list[str]] = {}
    for line in text.splitlines()[1:]:
        opened = re.match(r'\s*subgraph "(cluster_[^"]+)" \{', line)
        if opened:
            stack.append(opened.group(1))
            continue
        label = re.match(r'\s*label="([^"]+)";', line)
        if label and stack and stack[-1] not in labels:
            labels[stack[-1]] = label.group(1)
        if line.strip() == "}":
            if stack:
                stack.pop()
            continue
        layer = re.match(r'\s*"n\d+" \[label="[^"\\]*\\n([^"\\]+)', line)
        if layer:
            where[layer.group(1)] = [labels[c] for c in stack]
    return where, labels


def test_each_loop_and_conditional_is_one_cluster_holding_its_layers():
    net, made = nested()
    where, labels = clusters_of_layers(to_dot(net))
    assert sorted(labels.values()) == ["else", "if if_0", "loop loop_0", "loop loop_1", "then"]
    expected_path = {
        "top": [], "if": ["if if_0"], "then": ["if if_0", "then"], "else": ["if if_0", "else"],
        "loop": ["if if_0", "then", "loop loop_0"], "after": ["loop loop_1"],
    }
    assert sorted(where) == sorted(n.name for n in net.nodes)
    for place, names in made.items():
        assert names, f"no layer made in {place}"
        for name in names:
            assert where[name] == expected_path[place], f"{name} drawn in {where[name]}, made in {place}"


def test_recurrences_and_branch_outputs_are_labelled_edges():
    net, _ = nested()
    text = to_dot(net)
    ids = {n.name: f"n{i}" for i, n in enumerate(net.nodes)}
    rec = next(n for n in net.nodes if n.op.kind == "Recurrence")
    nxt = rec.inputs[1].producer
    assert (f'"{ids[nxt.name]}" -> "{ids[rec.name]}" [label="next: f32[2]", style=dashed, constraint=false'
            in text)
    out = next(n for n in net.nodes if n.op.kind == "ConditionalOutput")
    then_src, else_src = (ids[t.producer.name] for t in out.inputs)
    assert f'"{then_src}" -> "{ids[out.name]}" [label="then: f32[2]"];' in text
    assert f'"{else_src}" -> "{ids[out.name]}" [label="else: f32[2]"];' in text


def test_trip_limit_and_condition_are_drawn_in_their_region_with_their_types():
    net, _ = nested()
    where, _ = clusters_of_layers(to_dot(net))
    trip = next(n for n in net.nodes if n.op.kind == "TripLimit")
    cond = next(n for n in net.nodes if n.op.kind == "Condition")
    assert where[trip.name] == ["if if_0", "then", "loop loop_0"] and where[cond.name] == ["if if_0"]
    assert "\\nf32[2]" in next(line for line in to_dot(net).splitlines()
                               if f"\\n{net.nodes[-1].name}\\n" in line)


def test_a_network_draws_itself_in_a_notebook_with_or_without_graphviz(monkeypatch):
    net = small()
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert net._repr_svg_() is None  # no broken image
    assert net._repr_html_() == "<pre>" + html.escape(net.format(locations=False)) + "</pre>"


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")
def test_a_network_shows_its_picture_in_a_notebook_where_graphviz_is_installed():
    net = small()
    assert "<svg" in net._repr_svg_() and net._repr_html_() is None


def test_network_draw_writes_the_dot_text(tmp_path):
    net = small()
    assert net.draw(tmp_path / "n.dot").read_text() == net.to_dot() + "\n"


def test_unknown_format_is_an_error(tmp_path):
    with pytest.raises(td.BackendError, match=r"expected a \.dot, \.svg, \.png or \.pdf file"):
        draw(small(), tmp_path / "n.jpg")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")
def test_render_svg(tmp_path):
    assert draw(small(), tmp_path / "n.svg").read_text().lstrip().startswith("<?xml")


@pytest.mark.skipif(shutil.which("dot") is not None, reason="Graphviz is installed here")
def test_render_without_graphviz_says_how_to_get_it(tmp_path):
    with pytest.raises(td.BackendError, match=r"needs Graphviz's 'dot' program, which is not installed "
                                              r"\(install it with 'apt-get install graphviz'"):
        draw(small(), tmp_path / "n.svg")
    assert not (tmp_path / "n.svg").exists()
