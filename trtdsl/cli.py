"""The ``trtdsl`` command line: inspect, run, export, draw and build networks defined in Python files.

A network is named as ``FILE.py[:NAME]``: NAME is a Network or a function returning one; without NAME,
the file's ``build_network()`` function, or its only Network object, is used. The file is run as a module
(not as ``__main__``), so example scripts can be loaded without running their ``main()``.
"""

from __future__ import annotations

import argparse
import runpy
import sys
from typing import Any, Sequence

import numpy as np

from trtdsl.errors import DSLError, InputError
from trtdsl.ir.network import Network


def load_network(spec: str) -> Network:
    """The Network named by ``FILE.py[:NAME]``."""
    path, _, name = spec.partition(":") if not spec.endswith(".py") else (spec, "", "")
    try:
        namespace = runpy.run_path(path, run_name="__trtdsl__")
    except FileNotFoundError:
        raise InputError(f"trtdsl: no such file {path!r}") from None
    if name:
        if name not in namespace:
            raise InputError(f"trtdsl: {path} defines no {name!r}")
        candidate = namespace[name]
    elif callable(namespace.get("build_network")):
        candidate = namespace["build_network"]
    else:
        found = [v for v in namespace.values() if isinstance(v, Network)]
        if len(found) != 1:
            raise InputError(
                f"trtdsl: {path} has {len(found)} Network objects and no build_network(); name one as {path}:NAME"
            )
        candidate = found[0]
    network = candidate() if callable(candidate) and not isinstance(candidate, Network) else candidate
    if not isinstance(network, Network):
        raise InputError(f"trtdsl: {spec} is a {type(network).__name__}, not a trtdsl Network")
    return network


def random_inputs(network: Network, dims: dict[str, int], seed: int) -> dict[str, np.ndarray]:
    """Inputs for ``network`` drawn from a seeded generator; named dims take their size from ``dims``
    (default 2). Floats are standard normal, integers in [0, 10), bools fair coins."""
    rng = np.random.default_rng(seed)
    feeds = {}
    for name, tensor in network.inputs.items():
        shape = tuple(d if isinstance(d, int) else d.evaluate({**{s: 2 for s in d.symbols()}, **dims})
                      for d in tensor.shape)
        dt = tensor.dtype
        if dt.is_float:
            value = rng.standard_normal(shape).astype(dt.numpy)
        elif dt.is_bool:
            value = rng.random(shape) < 0.5
        else:
            value = rng.integers(0, 10, shape).astype(dt.numpy)
        feeds[name] = value
    return feeds


def _parse_pairs(items: Sequence[str], what: str) -> dict[str, str]:
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InputError(f"trtdsl: {what} {item!r} must look like name=value")
        pairs[key] = value
    return pairs


def _summary(name: str, array: np.ndarray) -> str:
    if array.size and array.dtype.kind in "fiub":
        values = array.astype(np.float64)
        stats = f"min {np.nanmin(values):.6g}  max {np.nanmax(values):.6g}  mean {np.nanmean(values):.6g}"
    else:
        stats = "empty" if not array.size else ""
    return f"{name}: {array.dtype}{list(array.shape)}  {stats}"


def _cmd_inspect(args: argparse.Namespace) -> None:
    print(load_network(args.network).format(locations=not args.no_locations))


def _cmd_run(args: argparse.Namespace) -> None:
    network = load_network(args.network)
    dims = {k: int(v) for k, v in _parse_pairs(args.dim, "--dim").items()}
    feeds = random_inputs(network, dims, args.seed)
    for key, path in _parse_pairs(args.input, "--input").items():
        feeds[key] = np.load(path)
    outputs = network.run(feeds, backend=args.backend)
    for key, value in outputs.items():
        print(_summary(key, value))
    if args.save:
        np.savez(args.save, **outputs)
        print(f"saved {len(outputs)} outputs to {args.save}")


def _cmd_export(args: argparse.Namespace) -> None:
    network = load_network(args.network)
    network.to_onnx(args.output)  # type: ignore[attr-defined]
    print(f"wrote {args.output}")


def _cmd_draw(args: argparse.Namespace) -> None:
    from trtdsl.ir.dot import draw

    print(f"wrote {draw(load_network(args.network), args.output)}")


def _cmd_build(args: argparse.Namespace) -> None:
    network = load_network(args.network)
    engine = network.build()  # type: ignore[attr-defined]
    engine.save(args.output)
    print(f"wrote {args.output}")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="trtdsl", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help: str, fn: Any) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help)
        p.add_argument("network", help="FILE.py[:NAME]")
        p.set_defaults(fn=fn)
        return p

    p = command("inspect", "print the network's textual IR", _cmd_inspect)
    p.add_argument("--no-locations", action="store_true", help="leave out the # file:line comments")
    p = command("run", "run the network on random (or given) inputs and summarise the outputs", _cmd_run)
    p.add_argument("--backend", default="reference", help="reference (default), onnxruntime or tensorrt")
    p.add_argument("--input", action="append", default=[], metavar="NAME=FILE.npy", help="an input from a .npy file")
    p.add_argument("--dim", action="append", default=[], metavar="NAME=SIZE", help="size of a named dynamic dim")
    p.add_argument("--seed", type=int, default=0, help="seed for the random inputs")
    p.add_argument("--save", metavar="FILE.npz", help="save the outputs")
    p = command("export", "export the network to ONNX", _cmd_export)
    p.add_argument("-o", "--output", required=True, metavar="FILE.onnx")
    p = command("draw", "draw the network (.dot, or .svg/.png/.pdf with Graphviz)", _cmd_draw)
    p.add_argument("-o", "--output", required=True, metavar="FILE")
    p = command("build", "build a TensorRT engine (needs TensorRT and a GPU)", _cmd_build)
    p.add_argument("-o", "--output", required=True, metavar="FILE.plan")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (errors are printed, not raised)."""
    args = make_parser().parse_args(argv)
    try:
        args.fn(args)
    except DSLError as exc:
        print(f"trtdsl {args.command}: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
