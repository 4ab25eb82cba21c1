"""Building a TensorRT engine from a trtdsl network: optimization profiles from the named dynamic dims,
memory pool limits, optimization level, timing cache, TF32, version-compatible and refit flags, a
progress bar through ``IProgressMonitor`` and TensorRT's log routed to Python's ``logging``.

``engine = net.build(profiles=[{"batch": (1, 8, 64)}], workspace=1 << 30, timing_cache="model.cache")``

Each profile maps every named dim of the network's inputs to ``(min, opt, max)``; one profile may be
given as a dict. A network without named dims needs no profile.
"""

from __future__ import annotations

import inspect
import logging
import os
import sys
import threading
from typing import Any, Callable, Iterable, Mapping, Sequence, TextIO, Union

import attrs
import numpy as np

from trtdsl._files import atomic_write, writable
from trtdsl.backends.tensorrt.api import TensorRT, import_tensorrt
from trtdsl.errors import ArgumentError, BackendError, bad_argument, shown
from trtdsl.ir.network import Network

LOG = logging.getLogger("trtdsl.tensorrt")
_LEVELS = {
    "INTERNAL_ERROR": logging.CRITICAL,
    "ERROR": logging.ERROR,
    "WARNING": logging.WARNING,
    "INFO": logging.INFO,
    "VERBOSE": logging.DEBUG,
}

Profile = Mapping[str, Sequence[int]]
Progress = Union[bool, TextIO, Callable[[str, int, int], None], None]


# -- logging ---------------------------------------------------------------------------------------------
_logger_classes: dict[int, type] = {}


def LoggingLogger(trt: Any) -> Any:  # noqa: N802  (a class factory: TensorRT's ILogger depends on the module)
    """A ``trt.ILogger`` that sends TensorRT's messages to the ``trtdsl.tensorrt`` logger (VERBOSE as
    DEBUG, INTERNAL_ERROR as CRITICAL) and keeps the errors, which a failed build reports.

    >>> from trtdsl.backends.tensorrt import standin
    >>> trt = standin.module("11.4")
    >>> logger = LoggingLogger(trt)
    >>> logger.log(trt.ILogger.ERROR, "network has no outputs")
    >>> logger.errors
    ['network has no outputs']
    """
    cls = _logger_classes.get(id(trt))
    if cls is None:
        base = trt.ILogger

        class _Logger(base):  # type: ignore[misc, valid-type]
            def __init__(self) -> None:
                base.__init__(self)
                self.errors: list[str] = []

            def log(self, severity: Any, msg: str) -> None:
                level = _LEVELS.get(getattr(severity, "name", ""), logging.INFO)
                if level >= logging.ERROR:
                    self.errors.append(msg)
                LOG.log(level, "%s", msg)

        cls = _logger_classes[id(trt)] = _Logger
    return cls()


# -- progress --------------------------------------------------------------------------------------------
class ProgressBar:
    """Renders TensorRT's build phases: one line per phase, redrawn in place on a terminal.

    >>> import io
    >>> out = io.StringIO()
    >>> bar = ProgressBar(out, width=10)
    >>> bar.start("Building engine", None, 4)
    >>> bar.step("Building engine", 1)       # True: go on building
    True
    >>> bar.finish("Building engine")
    >>> print(out.getvalue().strip())
    Building engine [          ] 0/4
    Building engine [#####     ] 2/4
    Building engine [##########] 4/4 done
    """

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self.stream = stream
        self.width = width
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.phases: dict[str, tuple[str | None, int, int]] = {}
        self.lock = threading.Lock()

    def _path(self, name: str) -> str:
        parts = [name]
        parent = self.phases.get(name, (None, 0, 0))[0]
        while parent is not None and parent in self.phases:
            parts.append(parent)
            parent = self.phases[parent][0]
        return " > ".join(reversed(parts))

    def _draw(self, name: str, done: int, total: int, final: bool) -> None:
        filled = self.width * done // max(total, 1)
        line = f"{self._path(name)} [{'#' * filled}{' ' * (self.width - filled)}] {done}/{total}"
        if final:
            line += " done"
        if self.tty:
            self.stream.write("\r\x1b[K" + line + ("\n" if final else ""))
        elif final or done == 0 or done * 2 == total:
            self.stream.write(line + "\n")
        self.stream.flush()

    def start(self, name: str, parent: str | None, steps: int) -> None:
        with self.lock:
            self.phases[name] = (parent, 0, steps)
            self._draw(name, 0, steps, False)

    def step(self, name: str, step: int) -> bool:
        with self.lock:
            parent, _, total = self.phases.get(name, (None, 0, 1))
            self.phases[name] = (parent, step + 1, total)
            self._draw(name, step + 1, total, False)
        return True

    def finish(self, name: str) -> None:
        with self.lock:
            _, _, total = self.phases.get(name, (None, 0, 1))
            self._draw(name, total, total, True)
            self.phases.pop(name, None)


_monitor_classes: dict[int, type] = {}


def progress_monitor(trt: Any, progress: Progress) -> Any:
    """A ``trt.IProgressMonitor`` reporting to ``progress``: True (a bar on stderr), a text stream, or
    a function ``f(phase, done, total)``; None for no monitor.

    >>> from trtdsl.backends.tensorrt import standin
    >>> show = lambda phase, done, total: print(phase, done, total)
    >>> monitor = progress_monitor(standin.module("11.4"), show)
    >>> monitor.phase_start("Building engine", None, 2); monitor.step_complete("Building engine", 0)
    Building engine 0 2
    Building engine 1 2
    True
    """
    if progress is None or progress is False:
        return None
    if progress is True:
        sink: Any = ProgressBar(sys.stderr)
    elif hasattr(progress, "write"):
        sink = ProgressBar(progress)  # type: ignore[arg-type]
    elif callable(progress):
        sink = _CallbackProgress(progress)
    else:
        raise bad_argument(
            "build", "progress", progress, "True, False, a text stream or a function(phase, done, total)"
        )
    cls = _monitor_classes.get(id(trt))
    if cls is None:
        base = trt.IProgressMonitor

        class _Monitor(base):  # type: ignore[misc, valid-type]
            def __init__(self, sink: Any) -> None:
                base.__init__(self)
                self.sink = sink

            def phase_start(self, phase_name: str, parent_phase: str | None, num_steps: int) -> None:
                self.sink.start(phase_name, parent_phase, num_steps)

            def step_complete(self, phase_name: str, step: int) -> bool:
                return self.sink.step(phase_name, step)

            def phase_finish(self, phase_name: str) -> None:
                self.sink.finish(phase_name)

        cls = _monitor_classes[id(trt)] = _Monitor
    return cls(sink)


@attrs.define
class _CallbackProgress:
    fn: Callable[[str, int, int], None]
    totals: dict[str, int] = attrs.field(factory=dict)

    def start(self, name: str, parent: str | None, steps: int) -> None:
        self.totals[name] = steps
        self.fn(name, 0, steps)

    def step(self, name: str, step: int) -> bool:
        self.fn(name, step + 1, self.totals.get(name, step + 1))
        return True

    def finish(self, name: str) -> None:
        total = self.totals.pop(name, 0)
        self.fn(name, total, total)


# -- options ---------------------------------------------------------------------------------------------
@attrs.frozen
class BuildOptions:
    """The validated options of a build (see :func:`build`)."""

    profiles: tuple[dict[str, tuple[int, int, int]], ...] = ()
    memory_pools: tuple[tuple[str, int], ...] = ()
    optimization_level: int | None = None
    timing_cache: str | None = None
    version_compatible: bool = False
    exclude_lean_runtime: bool = False
    refit: bool = False
    tf32: bool = True
    refittable: tuple[str, ...] = ()


def build_options(
    network: Network,
    *,
    profiles: Profile | Sequence[Profile] | None = None,
    workspace: int | None = None,
    memory_pools: Mapping[str, int] | None = None,
    optimization_level: int | None = None,
    timing_cache: str | os.PathLike[str] | None = None,
    version_compatible: bool = False,
    exclude_lean_runtime: bool = False,
    refit: bool = False,
    refittable: bool | Iterable[str] = False,
    tf32: bool = True,
) -> BuildOptions:
    """Check the build options against the network and TensorRT's rules.

    >>> import trtdsl as td
    >>> net = td.Network("n")
    >>> x = net.input("x", td.float32, ("batch", 4))
    >>> net.output("y", td.relu(x))
    >>> build_options(net, profiles={"batch": (1, 8, 32)}, workspace=1 << 20).profiles
    ({'batch': (1, 8, 32)},)
    >>> try:
    ...     build_options(net)
    ... except td.ArgumentError as e:
    ...     print(e.message[:72])
    build: network 'n' has dynamic dims batch; give profiles={'batch': (min,
    """
    dims = sorted({str(d) for t in network.inputs.values() for d in t.shape if not isinstance(d, int)})
    if profiles is None:  # the profiles declared with net.add_profile
        profiles = [p.as_dict() for p in network.profiles]
    given = [profiles] if isinstance(profiles, Mapping) else list(profiles or [])
    if dims and not given:
        example = ", ".join(f"{d!r}: (min, opt, max)" for d in dims)
        raise ArgumentError(
            f"build: network {network.name!r} has dynamic dims {', '.join(dims)}; give "
            f"profiles={{{example}}} (or a list of such dicts, one per optimization profile)"
        )
    checked = tuple(_profile(i, p, dims, network) for i, p in enumerate(given))
    pools = dict(memory_pools or {})
    if workspace is not None:
        pools["WORKSPACE"] = workspace
    for pool, size in pools.items():
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise bad_argument(
                "build",
                f"memory_pools[{pool!r}]" if pool != "WORKSPACE" or workspace is None else "workspace",
                size,
                "a size in bytes (an int >= 0)",
            )
    if optimization_level is not None and (
        isinstance(optimization_level, bool) or optimization_level not in range(6)
    ):
        raise bad_argument(
            "build", "optimization_level", optimization_level, "an int from 0 to 5 (TensorRT's default is 3)"
        )
    if exclude_lean_runtime and not version_compatible:
        raise ArgumentError("build: exclude_lean_runtime=True needs version_compatible=True")
    if not isinstance(tf32, bool):
        raise bad_argument(
            "build", "tf32", tf32, "True (TensorRT's default: float32 matmuls and convolutions may use TF32) "
            "or False"
        )
    # read before and written after the build: a path that cannot be written fails now, not after it
    cache = os.fspath(writable(timing_cache, fn="build: timing_cache")) if timing_cache is not None else None
    names = _refittable(network, refittable)
    if names and refit:
        # NvInfer.h, BuilderFlag::kREFIT_INDIVIDUAL: "This flag cannot be used together with kREFIT or
        # kREFIT_IDENTICAL."
        raise ArgumentError(
            "build: refit=True makes every weight refittable and refittable= only the named ones; give one"
        )
    return BuildOptions(
        checked,
        tuple(sorted(pools.items())),
        optimization_level,
        cache,
        bool(version_compatible),
        bool(exclude_lean_runtime),
        bool(refit),
        tf32,
        names,
    )


def named_constants(network: Network) -> list[str]:
    """The names of the constants the user named (the parameters of :mod:`trtdsl.nn` modules), whose
    weights the lowering names after them."""
    return [node.name for node in network.nodes if node.user_named and node.op.kind == "Constant"]


def _refittable(network: Network, refittable: Any) -> tuple[str, ...]:
    """The names of the weights ``refittable`` marks: every named constant for True, none for False, else
    the names given, each of which must be a named constant."""
    if isinstance(refittable, (bool, np.bool_)):
        if not refittable:
            return ()
        names = named_constants(network)
        if not names:
            raise ArgumentError(
                f"build: refittable=True, but network {network.name!r} has no named constants (the "
                "parameters of td.nn modules, or net.constant(values, name=...)) to refit"
            )
        return tuple(names)
    if isinstance(refittable, str) or not isinstance(refittable, Iterable):
        raise bad_argument(
            "build", "refittable", refittable,
            "True (every named constant), False, or a list of constant names"
        )
    given = list(refittable)
    known = set(named_constants(network))
    unknown = [shown(n) for n in given if not isinstance(n, str) or n not in known]
    if unknown:
        raise ArgumentError(
            f"build: refittable names {', '.join(unknown)}, which {'is' if len(unknown) == 1 else 'are'} not "
            f"named constants of network {network.name!r} ({', '.join(sorted(known)) or 'it has none'})"
        )
    return tuple(dict.fromkeys(given))


def _profile(index: int, profile: Any, dims: list[str], network: Network) -> dict[str, tuple]:
    where = f"profiles[{index}]"
    if not isinstance(profile, Mapping):
        raise bad_argument("build", where, profile, "a dict of dim name -> (min, opt, max)")
    out: dict[str, tuple] = _shape_values(where, profile, network)
    unknown = sorted(set(profile) - set(dims) - set(out))
    if unknown:
        raise ArgumentError(
            f"build: {where} names {unknown[0]!r}, which is not a dynamic dim of the network's "
            f"inputs ({', '.join(dims) or 'it has none'})"
        )
    missing = [d for d in dims if d not in profile]
    if missing:
        raise ArgumentError(
            f"build: {where} has no range for dim {missing[0]!r}; every profile gives (min, opt, max) "
            "for every dynamic dim"
        )
    for name in dims:
        value = profile[name]
        ok = (
            isinstance(value, (tuple, list))
            and len(value) == 3
            and all(isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) and v >= 0
                    for v in value)
        )
        if not ok or not value[0] <= value[1] <= value[2]:
            raise bad_argument(
                "build", f"{where}[{name!r}]", value, "(min, opt, max) ints with 0 <= min <= opt <= max"
            )
        out[name] = (int(value[0]), int(value[1]), int(value[2]))
    return out


def _shape_values(where: str, profile: Mapping[str, Any], network: Network) -> dict[str, tuple]:
    """The (min, opt, max) values of every shape-tensor input (see ``net.input(shape_tensor=True)``)."""
    from trtdsl.ir.profiles import value_ranges

    out = {}
    for name in sorted(network.shape_inputs):
        if name not in profile:
            raise ArgumentError(
                f"build: {where} has no (min, opt, max) values for shape-tensor input {name!r}"
            )
        ranges = value_ranges(f"build: {where}", network.inputs[name], profile[name])
        out[name] = tuple([getattr(r, k) for r in ranges] for k in ("min", "opt", "max"))
    return out


# -- building --------------------------------------------------------------------------------------------
def configure(
    api: TensorRT, builder: Any, network: Network, options: BuildOptions, progress: Progress
) -> Any:
    """A builder config with ``options`` applied (profiles set for every input with a named dim).

    >>> import trtdsl as td
    >>> from trtdsl.backends.tensorrt import standin, lower
    >>> net = td.Network("n")
    >>> net.output("y", td.relu(net.input("x", td.float32, ("batch", 4))))
    >>> lowered = lower(net, standin.module("11.4"))
    >>> options = build_options(net, profiles={"batch": (1, 8, 64)}, optimization_level=4)
    >>> config = configure(lowered.api, lowered.builder, net, options, progress=None)
    >>> config.builder_optimization_level, config.num_optimization_profiles
    (4, 1)
    """
    trt = api.trt
    config = builder.create_builder_config()
    for pool, size in options.memory_pools:
        if not hasattr(trt.MemoryPoolType, pool):
            names = ", ".join(n for n in dir(trt.MemoryPoolType) if n.isupper())
            raise ArgumentError(
                f"build: memory pool {pool!r} is not a MemoryPoolType of TensorRT {api.version} ({names})"
            )
        config.set_memory_pool_limit(getattr(trt.MemoryPoolType, pool), size)
    if options.optimization_level is not None:
        config.builder_optimization_level = options.optimization_level
    if options.version_compatible:
        config.set_flag(trt.BuilderFlag.VERSION_COMPATIBLE)
    if options.exclude_lean_runtime:
        config.set_flag(trt.BuilderFlag.EXCLUDE_LEAN_RUNTIME)
    if options.refit:
        config.set_flag(trt.BuilderFlag.REFIT)
    if options.refittable:
        # NvInfer.h, BuilderFlag::kREFIT_INDIVIDUAL: "By default, all weights are non-refittable when this
        # flag is enabled": build() marks the chosen ones with markWeightsRefittable
        config.set_flag(trt.BuilderFlag.REFIT_INDIVIDUAL)
    if not options.tf32:
        # NvInfer.h, BuilderFlag::kTF32: "Enabled by default"; TF32 rounds the inputs of float32 inner
        # products to 10-bit mantissas
        config.clear_flag(trt.BuilderFlag.TF32)
    for ranges in options.profiles:
        profile = builder.create_optimization_profile()
        for name, tensor in network.inputs.items():
            if tensor.type.is_static:
                continue
            shapes = [
                api.dims([d if isinstance(d, int) else ranges[str(d)][k] for d in tensor.shape])
                for k in range(3)
            ]
            profile.set_shape(name, *shapes)
        for name in sorted(network.shape_inputs):
            profile.set_shape_input(name, *ranges[name])
        config.add_optimization_profile(profile)
    if options.timing_cache is not None:
        data = b""
        if os.path.exists(options.timing_cache):
            with open(options.timing_cache, "rb") as f:
                data = f.read()
        config.set_timing_cache(config.create_timing_cache(data), False)
    monitor = progress_monitor(trt, progress)
    if monitor is not None:
        config.progress_monitor = monitor
    return config


def build(network: Network, *, trt: Any = None, progress: Progress = None, **options: Any) -> Any:
    """Build a TensorRT engine (an :class:`~trtdsl.backends.tensorrt.runtime.Engine`) of ``network``.

    Options: ``profiles`` (a dict, or a list of dicts, of dim name -> (min, opt, max)), ``workspace``
    (bytes), ``memory_pools`` ({MemoryPoolType name: bytes}), ``optimization_level`` (0-5),
    ``timing_cache`` (a file read before and written after the build), ``version_compatible``,
    ``exclude_lean_runtime``, ``refit`` (every weight refittable), ``refittable`` (True: the named
    constants, the parameters of :mod:`trtdsl.nn` modules, or a list of their names, are refittable and
    the rest optimized as constants: ``BuilderFlag.REFIT_INDIVIDUAL``; see ``Engine.refit``), ``tf32``
    (True, TensorRT's default, lets float32 matrix multiplications and convolutions round their inputs to
    TF32's 10-bit mantissa; False gives float32 accuracy); ``progress`` shows the build's phases (True: a
    bar on stderr).
    TensorRT's messages go to the ``trtdsl.tensorrt`` logger.

    >>> import trtdsl as td
    >>> from trtdsl.backends.tensorrt import standin
    >>> trt = standin.module("10.16")              # a stand-in whose builder returns a made-up plan
    >>> trt.implement("Builder", "build_serialized_network",
    ...               lambda builder, network, config: f"{network.num_layers} layers".encode())
    >>> net = td.Network("n")
    >>> net.output("y", td.relu(net.input("x", td.float32, (2, 4))))
    >>> build(net, trt=trt).plan
    b'1 layers'
    """
    from trtdsl.backends.tensorrt.lower import lower
    from trtdsl.backends.tensorrt.runtime import Engine

    known = [name for name in inspect.signature(build_options).parameters if name != "network"]
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise ArgumentError(
            f"build: unknown option {unknown[0]!r}; the options are {', '.join(known + ['progress', 'trt'])}"
        )
    checked = build_options(network, **options)
    api = TensorRT(trt if trt is not None else import_tensorrt())
    logger = LoggingLogger(api.trt)
    try:
        builder = api.trt.Builder(logger)
    except TypeError as exc:  # pybind11's error when TensorRT returns no builder (no GPU, no driver)
        detail = "; ".join(logger.errors[-3:]) or str(exc)
        raise BackendError(f"tensorrt: TensorRT {api.version} could not create a builder: {detail}") from None
    lowered = lower(network, api.trt, builder=builder)
    for name in checked.refittable:
        if not lowered.network.mark_weights_refittable(name):
            raise BackendError(f"tensorrt: TensorRT {api.version} could not mark weights {name!r} refittable")
    config = configure(api, builder, network, checked, progress)
    LOG.info(
        "building a TensorRT %s engine for network %r (%d layers)",
        api.version,
        network.name,
        lowered.network.num_layers,
    )
    try:
        plan = builder.build_serialized_network(lowered.network, config)
    except NotImplementedError as exc:  # the stand-in's builder: lowering is checked, nothing is built
        raise BackendError(f"tensorrt: {exc}; the network was lowered and checked against the API, but no "
                           "engine was built (build with the TensorRT package installed)") from None
    if plan is None:
        detail = "; ".join(logger.errors[-5:]) or "no error was logged"
        raise BackendError(f"tensorrt: building network {network.name!r} failed: {detail}")
    if checked.timing_cache is not None:
        cache = bytes(memoryview(config.get_timing_cache().serialize()))
        atomic_write(checked.timing_cache, cache, fn="build")
    return Engine(
        bytes(memoryview(plan)), api.trt, network=network, version_compatible=checked.version_compatible
    )
