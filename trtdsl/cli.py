"""The ``trtdsl`` command line: inspect, run, export, draw and build networks defined in Python files.

A network is named as ``FILE.py[:NAME]``: NAME is a Network or a function returning one; without NAME,
the file's ``build_network()`` function, or its only Network object, is used. The file is run as a module
(not as ``__main__``), so example scripts can be loaded without running their ``main()``.
"""

from __future__ import annotations

import argparse
import inspect
import os
import runpy
import sys
import tempfile
import textwrap
import traceback
from typing import Any, Sequence

import numpy as np

from trtdsl._files import atomic_write, npz_bytes, writable
from trtdsl._version import __version__
from trtdsl.errors import DSLError, InputError, Location, entry_point
from trtdsl.ir.dims import MAX_DIM, Dim
from trtdsl.ir.network import Network


def load_network(spec: str) -> Network:
    """The Network named by ``FILE.py[:NAME]``. The file runs as a script does (its folder first on
    ``sys.path``, so it can import the modules beside it), under the name ``__trtdsl__``.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "model.py")
    >>> with open(path, "w") as f:
    ...     _ = f.write("import trtdsl as td\\n"
    ...                 "net = td.Network('m')\\n"
    ...                 "net.output('y', net.input('x', td.int32, (2,)))\\n")
    >>> load_network(path).name, load_network(f"{path}:net").name
    ('m', 'm')
    """
    path, name = _split_spec(spec)
    if os.path.isdir(path):
        raise InputError(f"trtdsl: {path!r} is a folder; name a Python file (FILE.py[:NAME])")
    if not os.path.isfile(path):
        raise InputError(f"trtdsl: no such file {path!r}")
    if not path.endswith(".py"):
        raise InputError(f"trtdsl: {path!r} is not a Python file; trtdsl reads networks defined in Python "
                         f"(FILE.py[:NAME]){_NOT_PYTHON.get(os.path.splitext(path)[1].lower(), '')}")
    namespace = _run_file(path)
    if name:
        if name not in namespace:
            raise InputError(f"trtdsl: {path} defines no {name!r}")
        candidate, shown = namespace[name], f"{path}:{name}"
    elif callable(namespace.get("build_network")):
        candidate, shown = namespace["build_network"], f"{path}:build_network"
    else:
        found = [v for v in namespace.values() if isinstance(v, Network)]
        if len(found) != 1:
            raise InputError(
                f"trtdsl: {path} has {len(found)} Network objects and no build_network(); "
                f"name one as {path}:NAME"
            )
        candidate, shown = found[0], path
    if callable(candidate) and not isinstance(candidate, Network):
        needed = _required_parameters(candidate)
        if needed:
            raise InputError(
                f"trtdsl: {shown} takes arguments ({', '.join(needed)}); name a Network or a function "
                "called without arguments"
            )
        candidate = _call(shown, candidate)
    if not isinstance(candidate, Network):
        kind = type(candidate).__name__
        article = "an" if kind[0] in "aeiouAEIOU" else "a"
        raise InputError(f"trtdsl: {shown} is {article} {kind}, not a trtdsl Network")
    return candidate


def _split_spec(spec: str) -> tuple[str, str]:
    """``FILE.py[:NAME]`` as (FILE.py, NAME or "")."""
    path, _, name = spec.partition(":") if not spec.endswith(".py") else (spec, "", "")
    return path, name


_NOT_PYTHON = {
    ".onnx": " (an ONNX model is read with 'trtdsl import FILE.onnx')",
    ".plan": " (an engine plan is loaded with trtdsl.backends.tensorrt.Engine.load where TensorRT runs)",
    ".engine": " (an engine plan is loaded with trtdsl.backends.tensorrt.Engine.load where TensorRT runs)",
}


def _run_file(path: str) -> dict[str, Any]:
    """The namespace of the Python file ``path``, run with its folder first on ``sys.path``. A file that
    is not Python, or that raises, is an InputError at the line that failed; trtdsl errors it raises pass
    as they are (they name their line already)."""
    with open(path, "rb") as f:
        if b"\0" in f.read():
            raise InputError(f"trtdsl: {path} is not valid Python: it holds NUL bytes (a binary file?)",
                             location=Location(path, 1))
    folder = os.path.dirname(os.path.abspath(path))
    sys.path.insert(0, folder)
    try:
        return runpy.run_path(path, run_name="__trtdsl__")
    except SyntaxError as exc:
        where = Location(exc.filename or path, exc.lineno or 1)
        raise InputError(f"trtdsl: {path} is not valid Python: {exc.msg}", location=where) from None
    except DSLError:
        raise
    except (Exception, SystemExit) as exc:
        raise _failure(f"running {path}", exc) from None
    finally:
        if folder in sys.path:
            sys.path.remove(folder)


def _call(shown: str, fn: Any) -> Any:
    """``fn()``, a function of the user's file; what it raises is reported as :func:`_run_file` does."""
    try:
        return fn()
    except DSLError:
        raise
    except (Exception, SystemExit) as exc:
        raise _failure(f"calling {shown}()", exc) from None


def _failure(doing: str, exc: BaseException) -> InputError:
    """An InputError for ``exc``, raised while ``doing`` something with the user's code, located at the
    innermost line of the traceback outside trtdsl, with those lines of the traceback as its context."""
    package = os.path.dirname(os.path.abspath(__file__)) + os.sep
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if not f.filename.startswith((package, "<frozen")) and f.filename != runpy.__file__]
    where = Location(frames[-1].filename, frames[-1].lineno or 0) if frames else None
    shown = traceback.format_list(frames[-5:])
    return InputError(f"trtdsl: {doing} raised {type(exc).__name__}: {exc}", location=where,
                      context="".join(shown).rstrip())


def _required_parameters(fn: Any) -> list[str]:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # no signature to read: the call itself says what is missing
        return []
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [p.name for p in params if p.default is p.empty and (p.kind in kinds or p.kind is p.KEYWORD_ONLY)]


def _parse_pairs(items: Sequence[str], what: str, form: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InputError(f"trtdsl: {what} {item!r} must look like {form}")
        if key in pairs:
            raise InputError(f"trtdsl: {what} gives {key} twice ({key}={pairs[key]} and {item}); give it "
                             "once")
        pairs[key] = value
    return pairs


def _parse_sizes(items: Sequence[str], what: str, count: int, network: Network) -> dict[str, tuple[int, ...]]:
    """``NAME=INT[,INT,...]`` items as {name: ``count`` ints >= 0}, each name a named dim of ``network``."""
    form = "NAME=SIZE" if count == 1 else "NAME=MIN,OPT,MAX"
    parsed = {}
    for key, text in _parse_pairs(items, what, form).items():
        try:
            values = tuple(int(v) for v in text.split(","))
        except ValueError:
            values = ()
        if len(values) != count or any(v < 0 for v in values):
            raise InputError(f"trtdsl: {what} {key}={text} must look like {form}, with ints >= 0")
        if any(v > MAX_DIM for v in values):
            raise InputError(f"trtdsl: {what} {key}={text}: a dim is at most {MAX_DIM}")
        parsed[key] = values
    # a profile also gives each shape-tensor input its range (make_profile), a run only named dims
    names = network.dim_names() + (list(network.shape_inputs) if count == 3 else [])
    unknown = [key for key in parsed if key not in names]
    if unknown:
        raise InputError(f"trtdsl: {what} {unknown[0]}=... names no dim of network {network.name!r}; its "
                         f"named dims are {', '.join(names) or 'none'}")
    return parsed


def _load_array(name: str, path: str) -> np.ndarray:
    try:
        loaded = np.load(path)
    except (OSError, ValueError) as exc:
        raise InputError(f"trtdsl: --input {name}={path}: cannot read an array from it ({exc})") from None
    if isinstance(loaded, np.lib.npyio.NpzFile):  # an archive of arrays, not one
        keys = sorted(loaded.files)
        loaded.close()
        held = ", ".join(keys) or "nothing"
        raise InputError(f"trtdsl: --input {name}={path} is an .npz archive (of {held}); give one array as "
                         "a .npy file (np.save)")
    return loaded


def _summary(name: str, array: np.ndarray) -> str:
    if array.size and array.dtype.kind in "fiubV":  # V: bfloat16, fp8, int4 (ml_dtypes': numbers too)
        values = array.astype(np.float64)
        stats = f"min {np.nanmin(values):.6g}  max {np.nanmax(values):.6g}  mean {np.nanmean(values):.6g}"
    else:
        stats = "empty" if not array.size else ""
    return f"{name}: {array.dtype}{list(array.shape)}  {stats}"


def _cmd_inspect(args: argparse.Namespace) -> None:
    network = load_network(args.network)
    print(network.to_python() if args.python else network.format(locations=not args.no_locations), end="\n"
          if not args.python else "")


def _cmd_fuzz(args: argparse.Namespace) -> None:
    # hypothesis caches what it learns under .hypothesis in the working folder: keep it out of the user's
    os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", os.path.join(tempfile.gettempdir(), "trtdsl-fuzz"))
    from trtdsl.testing.fuzz import BACKENDS, fuzz, write_failure
    from trtdsl.testing.networks import OPS, networks

    for name in args.backends:
        if name not in BACKENDS:
            raise InputError(f"trtdsl: backend {name!r} is unknown; expected one of {', '.join(BACKENDS)}")
        missing = BACKENDS[name].missing()
        if missing is not None:
            raise InputError(f"trtdsl: backend {name!r} cannot run here: {missing}; choose another "
                             f"(available: {', '.join(n for n, e in BACKENDS.items() if e.missing() is None)})")
    ops = args.ops.split(",") if args.ops is not None else list(OPS)
    unknown = [o for o in ops if o not in OPS]
    if unknown:
        raise InputError(f"trtdsl: --ops names {unknown[0]!r}; expected some of {','.join(OPS)} (leave "
                         "--ops out for all of them)")
    writable(args.output, fn="trtdsl")
    count = args.count if args.count is not None or args.time is not None else 200
    strategy = networks(ops=ops, max_layers=args.max_layers)
    progress = sys.stderr if sys.stderr.isatty() and not args.no_progress else None
    result = fuzz(args.backends[0], args.backends[1], count=count, seconds=args.time, seed=args.seed,
                  strategy=strategy, progress=progress)
    if result.failure is None:
        print(f"{result.count} networks: {args.backends[0]} and {args.backends[1]} agree")
        return
    write_failure(result.failure, args.output)
    print(f"{args.backends[0]} and {args.backends[1]} disagree after {result.count} networks that agreed; "
          f"the smallest network found ({len(result.failure.network.nodes)} layers) is in {args.output}\n")
    print(result.failure.report)
    raise SystemExit(1)


def _feeds(args: argparse.Namespace, network: Network) -> dict[str, np.ndarray]:
    """The inputs of ``run`` and ``import``: random ones drawn with ``--seed`` at the ``--dim`` sizes, those
    given with ``--input`` read from their files; the line saying which is which is printed."""
    from trtdsl.testing import random_inputs

    sizes = {name: values[0] for name, values in _parse_sizes(args.dim, "--dim", 1, network).items()}
    feeds = random_inputs(network, dims=sizes, seed=args.seed)
    given = _parse_pairs(args.input, "--input", "NAME=FILE.npy")
    for key, path in given.items():
        feeds[key] = _load_array(key, path)
        tensor = network.inputs.get(key)
        if tensor is not None and feeds[key].dtype.newbyteorder("=") != tensor.dtype.numpy:
            raise InputError(f"trtdsl: --input {key}={path} holds {feeds[key].dtype} values but input {key} "
                             f"is {tensor.type}; save the array as {tensor.dtype.numpy} (np.save(path, "
                             f"a.astype({tensor.dtype.numpy.name!r})))")
        for axis, d in enumerate(tensor.shape if tensor is not None else ()):
            size = sizes.get(str(d)) if isinstance(d, Dim) and d.is_symbol else None
            if size is not None and axis < feeds[key].ndim and feeds[key].shape[axis] != size:
                raise InputError(f"trtdsl: --dim {d}={size} but input {key} from {path} has {d}="
                                 f"{feeds[key].shape[axis]} (its dim {axis}); give one size")
    print(_inputs_line(network, feeds, given, args.seed))
    return feeds


def _cmd_run(args: argparse.Namespace) -> None:
    target = _outputs_file(args.save) if args.save is not None else None
    network = load_network(args.network)
    feeds = _feeds(args, network)
    outputs = network.run(feeds, backend=args.backend)
    for key, value in outputs.items():
        print(_summary(key, value))
    if target is not None:
        # the dtypes NumPy's format lacks (bfloat16, fp8, int4: ml_dtypes') are saved widened, exactly
        widened = [key for key, value in outputs.items() if value.dtype.kind == "V"]
        saved = {key: value.astype(np.float32) if key in widened else value for key, value in outputs.items()}
        atomic_write(target, npz_bytes("trtdsl run --save", saved), fn="trtdsl")
        also = f" ({', '.join(widened)} as float32, which .npz holds)" if widened else ""
        print(f"saved {len(outputs)} outputs to {target}{also}")


def _outputs_file(path: str) -> str:
    """Where ``--save path`` writes: ``path`` (``.npz`` added if missing, as NumPy does), or
    ``outputs.npz`` inside ``path`` when it is a folder (or ends with a separator, as a folder to be);
    checked before the network runs."""
    if not path:
        raise InputError("trtdsl: --save is empty; give a file (FILE.npz) or a folder")
    folder = os.path.isdir(path) or path.endswith((os.sep, "/"))
    target = os.path.join(path, "outputs.npz") if folder else path
    return str(writable(target if target.endswith(".npz") else target + ".npz", fn="trtdsl"))


def _inputs_line(network: Network, feeds: dict[str, np.ndarray], given: dict[str, str], seed: int) -> str:
    """What ``run`` fed the network, enough to run it again: the named dims' sizes, the inputs drawn with
    the seed, and those read from files."""
    sizes: dict[str, int] = {}
    for name, tensor in network.inputs.items():
        for dim, size in zip(tensor.shape, np.shape(feeds[name])):
            if not isinstance(dim, int):
                sizes.setdefault(str(dim), size)
    drawn = [name for name in network.inputs if name not in given]
    parts = [", ".join(f"{dim}={size}" for dim, size in sizes.items())] if sizes else []
    if drawn:
        parts.append(f"{', '.join(drawn)} drawn with --seed {seed}")
    parts += [f"{name} from {path}" for name, path in given.items()]
    return f"inputs: {'; '.join(parts) or 'none'}"


def _cmd_export(args: argparse.Namespace) -> None:
    from trtdsl.backends.onnx import MAX_OPSET, MIN_OPSET

    if args.opset is not None and not MIN_OPSET <= args.opset <= MAX_OPSET:
        raise InputError(f"trtdsl: --opset {args.opset}: expected an ONNX opset from {MIN_OPSET} to "
                         f"{MAX_OPSET}")
    writable(args.output, fn="trtdsl")
    network = load_network(args.network)
    network.to_onnx(args.output, opset=args.opset, check=True)
    print(f"wrote {args.output}")


def _cmd_draw(args: argparse.Namespace) -> None:
    from trtdsl.ir.dot import draw

    writable(args.output, fn="trtdsl")
    print(f"wrote {draw(load_network(args.network), args.output)}")


def _cmd_import(args: argparse.Namespace) -> None:
    """Import an ONNX model as TensorRT's parser reads it: print its IR, draw it, run it, or compare two
    backends on it (with the first layer where they part ways on a mismatch)."""
    from trtdsl.backends.onnx.reader import from_onnx

    if args.draw:
        writable(args.draw, fn="trtdsl")
    for path in args.plugins:  # their @td.plugin definitions register the model's custom ops
        if not (os.path.isfile(path) and path.endswith(".py")):
            raise InputError(f"trtdsl: --plugins {path!r} is not a Python file defining plugins")
        _run_file(path)
    try:
        network = from_onnx(args.network)
    except DSLError as e:
        if "@td.plugin" in e.message and not args.plugins:
            raise InputError(f"{e.message} (for the command line: --plugins FILE.py, a file defining it)",
                             location=e.location) from None
        raise
    if not (args.draw or args.run or args.compare) or args.print:
        print(network.format(locations=not args.no_locations))
    if args.draw:
        from trtdsl.ir.dot import draw

        print(f"wrote {draw(network, args.draw)}")
    if not (args.run or args.compare):
        return
    feeds = _feeds(args, network)
    if args.run:
        for key, value in network.run(feeds, backend=args.backend).items():
            print(_summary(key, value))
    if args.compare:
        _compare(network, feeds, tuple(args.compare))


def _compare(network: Network, feeds: dict[str, np.ndarray], backends: tuple[str, ...]) -> None:
    from trtdsl.testing import compare, first_divergence

    report = compare(network, feeds, backends=backends)
    print(report)
    if report.ok:
        return
    found = first_divergence(network, feeds, backends=backends)
    if found is not None:
        print(found)
    raise InputError(f"trtdsl: {backends[0]} and {backends[1]} disagree on {len(report.failures)} "
                     "output(s)")


def _cmd_build(args: argparse.Namespace) -> None:
    writable(args.output, fn="trtdsl")
    network = load_network(args.network)
    ranges = _parse_sizes(args.dim, "--dim", 3, network)
    dims = sorted({str(d) for t in network.inputs.values() for d in t.shape if not isinstance(d, int)})
    if dims and not ranges and not network.profiles:
        example = " ".join(f"--dim {d}=MIN,OPT,MAX" for d in dims)
        raise InputError(f"trtdsl: network {network.name!r} has named dims; give their ranges: {example}")
    engine = network.build(**({"profiles": ranges} if ranges else {}))
    engine.save(args.output)
    print(f"wrote {args.output}")


def make_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``trtdsl`` command.

    >>> make_parser().parse_args(["run", "model.py", "--dim", "batch=4"]).dim
    ['batch=4']
    """
    parser = argparse.ArgumentParser(
        prog="trtdsl",
        description=_paragraph(
            "Inspect, run, export, draw and build networks defined in Python files, and import ONNX models. "
            "A network is named as "
            "FILE.py[:NAME]: NAME is a Network or a function returning one; without NAME, the file's "
            "build_network() function, or its only Network object."
        ),
        epilog="example:\n  trtdsl inspect examples/mnist_from_scratch.py\n\n"
        "'trtdsl COMMAND --help' describes each command, with an example.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"trtdsl {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str, description: str, example: str, fn: Any) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            help=summary,
            description=_paragraph(f"{summary[0].upper()}{summary[1:]}. {description}"),
            epilog=f"example:\n  {example}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.add_argument("network", help="FILE.py[:NAME]: the file's build_network(), its one Network, or NAME")
        p.set_defaults(fn=fn)
        return p

    p = command(
        "inspect",
        "print the network's textual IR",
        "One line per layer: its output's name and type, the layer and its parameters, and the file:line "
        "that made it.",
        "trtdsl inspect examples/sum_even.py --no-locations",
        _cmd_inspect,
    )
    p.add_argument("--no-locations", action="store_true", help="leave out the # file:line comments")
    p.add_argument("--python", action="store_true",
                   help="print runnable trtdsl code that rebuilds the network instead (net.to_python())")
    p = command(
        "run",
        "run the network on random (or given) inputs and summarise the outputs",
        "Inputs not given with --input are drawn at random with --seed; named dims take the sizes given "
        "with --dim, else their opt size in the network's first optimization profile (or the default). "
        "The first line printed says the sizes and the seed, to run the same again; then one line per "
        "output: dtype, shape, min, max and mean.",
        "trtdsl run examples/dynamic_shapes.py --dim batch=2 --dim seq=12 --seed 7",
        _cmd_run,
    )
    p.add_argument("--backend", default="reference", help="reference (default), onnxruntime or tensorrt")
    p.add_argument("--input", action="append", default=[], metavar="NAME=FILE.npy", help="an input array")
    p.add_argument("--dim", action="append", default=[], metavar="NAME=SIZE", help="a named dim's size")
    p.add_argument("--seed", type=int, default=0, help="seed for the random inputs (default 0)")
    p.add_argument("--save", metavar="FILE.npz", help="save the outputs (in FOLDER/outputs.npz if a folder)")
    p = command(
        "export",
        "export the network to ONNX",
        "The model reproduces TensorRT's semantics (see docs/onnx.md) and is checked by the ONNX checker "
        "before it is written.",
        "trtdsl export examples/early_exit.py -o early_exit.onnx --opset 17",
        _cmd_export,
    )
    p.add_argument("-o", "--output", required=True, metavar="FILE.onnx")
    p.add_argument("--opset", type=int, help="the ONNX opset (default: the lowest expressing every layer)")
    p = command(
        "draw",
        "draw the network (.dot, or .svg/.png/.pdf with Graphviz)",
        "One box per layer, edges labelled with the tensors' types, loops and conditionals as clusters. "
        "Without Graphviz's dot program only .dot files can be written.",
        "trtdsl draw examples/sum_even.py -o sum_even.dot",
        _cmd_draw,
    )
    p.add_argument("-o", "--output", required=True, metavar="FILE")
    p = sub.add_parser(
        "import",
        help="import an ONNX model as TensorRT's ONNX parser reads it",
        description=_paragraph(
            "Import an ONNX model as TensorRT's ONNX parser reads it, and print its textual IR (each layer "
            "says the ONNX node it comes from). --draw draws it, --run runs it on a backend, --compare runs "
            "it on two backends and, where they disagree, finds the first layer whose output differs while "
            "its inputs agree. Inputs are drawn at random with --seed unless given with --input."
        ),
        epilog="example:\n  trtdsl import early_exit.onnx --compare reference onnxruntime",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("network", metavar="model", help="FILE.onnx (external data is read from its folder)")
    p.set_defaults(fn=_cmd_import)
    p.add_argument("--print", action="store_true", help="print the IR also with --draw, --run or --compare")
    p.add_argument("--plugins", action="append", default=[], metavar="FILE.py",
                   help="a Python file defining the plugins of the model's custom ops (td.plugin), run first")
    p.add_argument("--no-locations", action="store_true", help="leave out the # model: node comments")
    p.add_argument("--draw", metavar="FILE", help="draw the network (.dot, or .svg/.png/.pdf with Graphviz)")
    p.add_argument("--run", action="store_true", help="run the network and summarise the outputs")
    p.add_argument("--backend", default="reference", help="the backend of --run: reference (default), "
                   "onnxruntime or tensorrt")
    p.add_argument("--compare", nargs=2, metavar=("A", "B"), help="compare two backends on the same inputs")
    p.add_argument("--input", action="append", default=[], metavar="NAME=FILE.npy", help="an input array")
    p.add_argument("--dim", action="append", default=[], metavar="NAME=SIZE", help="a named dim's size")
    p.add_argument("--seed", type=int, default=0, help="seed for the random inputs (default 0)")
    p = command(
        "build",
        "build a TensorRT engine (needs TensorRT and a GPU)",
        "The engine is serialized to the output file. A network with named dims needs their ranges: "
        "with --dim, or the profiles the network declares.",
        "trtdsl build examples/char_rnn_lstm.py -o char_rnn.plan --dim T=1,16,64",
        _cmd_build,
    )
    p.add_argument("-o", "--output", required=True, metavar="FILE.plan")
    p.add_argument(
        "--dim",
        action="append",
        default=[],
        metavar="NAME=MIN,OPT,MAX",
        help="a named dim's range in the optimization profile (default: the network's declared profiles)",
    )
    p = sub.add_parser(
        "fuzz",
        help="run random networks on two backends until they disagree",
        description=_paragraph(
            "Run random valid networks (trtdsl.testing.networks) on two backends and compare their outputs. "
            "The first disagreement is shrunk to the smallest network that still shows it, written as a "
            "Python file (--output) that rebuilds it and holds the failing inputs. Backends: "
            "reference, onnxruntime, tensorrt (needs TensorRT and a GPU), lower-raise-10.16 and "
            "lower-raise-11.4 (lowered into the TensorRT stand-in, raised back and run on the reference), "
            "export-import (where trtdsl has an ONNX importer). The exit status is 1 when they disagree."),
        epilog="example:\n  trtdsl fuzz reference lower-raise-11.4 --count 20 --seed 3",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(fn=_cmd_fuzz, network="")
    p.add_argument("backends", nargs=2, metavar="BACKEND", help="the two backends to compare")
    p.add_argument("--count", type=_positive, help="stop after this many networks (default 200)")
    p.add_argument("--time", type=_positive_seconds, metavar="SECONDS", help="stop after this many seconds")
    p.add_argument("--seed", type=int, default=0, help="seed of the drawn networks (default 0)")
    p.add_argument("--ops", help="comma-separated layer kinds to draw (default: all of trtdsl.testing.networks.OPS)")
    p.add_argument("--max-layers", type=_positive, default=8, help="layers per network at most (default 8)")
    p.add_argument("-o", "--output", default="fuzz_failure.py", metavar="FILE.py",
                   help="where the smallest failing network is written (default fuzz_failure.py)")
    p.add_argument("--no-progress", action="store_true", help="no progress line (off anyway when not a terminal)")
    return parser


def _positive(text: str, kind: type[int] | type[float] = int, what: str = "an int") -> Any:
    """``text`` as a finite ``kind`` > 0, else argparse's error saying it is not ``what`` > 0."""
    try:
        value = kind(text)
    except ValueError:
        value = 0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} is not {what} > 0")
    return value


def _positive_seconds(text: str) -> float:
    return float(_positive(text, float, "a number of seconds"))


def _paragraph(text: str) -> str:
    return textwrap.fill(text, 79)


@entry_point
def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (errors are printed, not raised).

    >>> main(["inspect", "no_such_model.py"])
    1
    """
    args = make_parser().parse_args(argv)
    try:
        args.fn(args)
    except BrokenPipeError:  # the reader stopped (trtdsl inspect model.py | head): said by the status alone
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # Python's flush at exit fails no more
        return 1
    except (DSLError, OSError) as exc:  # OSError: an output file that cannot be written
        print(f"trtdsl {args.command}: error: {_error_text(exc, args.network)}", file=sys.stderr)
        return 1
    return 0


def _error_text(exc: DSLError | OSError, spec: str) -> str:
    """The error as the command line shows it: at the user's file:line where it has one, else (an error of
    the network found while running it, e.g. an input that does not fit) at the network's file. The
    command line's own checks ("trtdsl: ..." messages) name what to fix themselves."""
    if not isinstance(exc, DSLError):
        return str(exc)
    message = exc.message.removeprefix("trtdsl: ")  # the command's name is printed already
    if exc.location is not None:
        message = f"{exc.location}: {message}"
    elif message == exc.message and not message.startswith(f"{_split_spec(spec)[0]}: "):
        message = f"{_split_spec(spec)[0]}: {message}"
    return f"{message}\n{exc.context}" if exc.context else message


if __name__ == "__main__":
    sys.exit(main())
