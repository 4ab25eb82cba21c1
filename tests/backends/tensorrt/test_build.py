"""Build options and their effect on TensorRT's builder config, checked on the stand-in: optimization
profiles from named dims, memory pools, optimization level, flags, timing cache, progress monitor, and
TensorRT's log routed to Python logging."""

from __future__ import annotations

import io
import logging

import numpy as np
import pytest

import trtdsl as td
from support import expect_error
from trtdsl.backends.tensorrt import LoggingLogger, ProgressBar, build, build_options, lower, standin
from trtdsl.backends.tensorrt.build import configure, progress_monitor


def dynamic_net() -> td.Network:
    net = td.Network("dyn")
    x = net.input("x", td.float32, ("batch", "seq", 4))
    y = net.input("y", td.float32, ("batch", 4))
    net.output("z", x.sum(axis=1) + y)
    return net


def static_net() -> td.Network:
    net = td.Network("static")
    x = net.input("x", td.float32, (2, 4))
    net.output("y", td.relu(x))
    return net


INVALID = [
    (
        td.ArgumentError,
        "build: network 'dyn' has dynamic dims batch, seq; give profiles={'batch': (min, opt, max), "
        "'seq': (min, opt, max)} (or a list of such dicts, one per optimization profile)",
        {},
    ),
    (
        td.ArgumentError,
        "build: argument 'profiles[0]' is 3; expected a dict of dim name -> (min, opt, max)",
        {"profiles": [3]},
    ),
    (
        td.ArgumentError,
        "build: profiles[0] names 'tokens', which is not a dynamic dim of the network's inputs (batch, seq)",
        {"profiles": {"batch": (1, 1, 1), "seq": (1, 1, 1), "tokens": (1, 2, 3)}},
    ),
    (
        td.ArgumentError,
        "build: profiles[1] has no range for dim 'seq'; every profile gives (min, opt, max) for every "
        "dynamic dim",
        {"profiles": [{"batch": (1, 1, 1), "seq": (1, 1, 1)}, {"batch": (1, 2, 3)}]},
    ),
    (
        td.ArgumentError,
        "build: argument 'profiles[0]['batch']' is (4, 2, 8); expected (min, opt, max) ints with "
        "0 <= min <= opt <= max",
        {"profiles": {"batch": (4, 2, 8), "seq": (1, 1, 1)}},
    ),
    (
        td.ArgumentError,
        "build: argument 'profiles[0]['seq']' is (1, 2); expected (min, opt, max) ints with "
        "0 <= min <= opt <= max",
        {"profiles": {"batch": (1, 1, 1), "seq": (1, 2)}},
    ),
    (
        td.ArgumentError,
        "build: argument 'workspace' is -1; expected a size in bytes (an int >= 0)",
        {"profiles": {"batch": (1, 1, 1), "seq": (1, 1, 1)}, "workspace": -1},
    ),
    (
        td.ArgumentError,
        "build: argument 'memory_pools['TACTIC_DRAM']' is 1.5; expected a size in bytes (an int >= 0)",
        {"profiles": {"batch": (1, 1, 1), "seq": (1, 1, 1)}, "memory_pools": {"TACTIC_DRAM": 1.5}},
    ),
    (
        td.ArgumentError,
        "build: argument 'optimization_level' is 6; expected an int from 0 to 5 (TensorRT's default is 3)",
        {"profiles": {"batch": (1, 1, 1), "seq": (1, 1, 1)}, "optimization_level": 6},
    ),
    (
        td.ArgumentError,
        "build: exclude_lean_runtime=True needs version_compatible=True",
        {"profiles": {"batch": (1, 1, 1), "seq": (1, 1, 1)}, "exclude_lean_runtime": True},
    ),
    (
        td.ArgumentError,
        "build: timing_cache: cannot write '/': it is a folder; give a file path",
        {"profiles": {"batch": (1, 1, 1), "seq": (1, 1, 1)}, "timing_cache": "/"},
    ),
    (
        td.ArgumentError,
        "build: argument 'tf32' is 0; expected True (TensorRT's default: float32 matmuls and convolutions "
        "may use TF32) or False",
        {"profiles": {"batch": (1, 1, 1), "seq": (1, 1, 1)}, "tf32": 0},
    ),
]


@pytest.mark.parametrize("cls, message, options", INVALID, ids=[m[:60] for _, m, _ in INVALID])
def test_invalid_options(cls, message, options):
    expect_error(cls, message, lambda: build_options(dynamic_net(), **options))


def test_an_unknown_option_is_named_before_tensorrt_is_needed():
    expect_error(
        td.ArgumentError,
        "build: unknown option 'workspace_size'; the options are profiles, workspace, memory_pools, "
        "optimization_level, timing_cache, version_compatible, exclude_lean_runtime, refit, refittable, tf32, "
        "progress, trt",
        lambda: static_net().build(workspace_size=1 << 20),
    )


@pytest.mark.parametrize("version", ["10.16", "11.4"])
def test_building_with_the_stand_in_says_no_engine_was_built(version):
    """The stand-in checks the lowering against TensorRT's API; it has no builder, and says so as a
    BackendError at the user's line (never a fake engine)."""
    net, trt = static_net(), standin.module(version)
    expect_error(td.BackendError, f"tensorrt: the TensorRT {trt.__version__} stand-in cannot build engines: "
                 "that needs the TensorRT library; the network was lowered and checked against the API, but no "
                 "engine was built (build with the TensorRT package installed)", lambda: net.build(trt=trt))


def test_unknown_memory_pool_is_named():
    trt = standin.module("11.4")
    net = static_net()
    lowered = lower(net, trt)
    options = build_options(net, memory_pools={"SCRATCH": 1})
    expect_error(
        td.ArgumentError,
        "build: memory pool 'SCRATCH' is not a MemoryPoolType of TensorRT 11.4.0.106 "
        "(DLA_GLOBAL_DRAM, DLA_LOCAL_DRAM, DLA_MANAGED_SRAM, TACTIC_DRAM, TACTIC_SHARED_MEMORY, WORKSPACE)",
        lambda: configure(lowered.api, lowered.builder, net, options, None),
    )


@pytest.mark.parametrize("version", ["10.16", "11.4"])
def test_configure_sets_profiles_pools_level_and_flags(version, tmp_path):
    trt = standin.module(version)
    net = dynamic_net()
    lowered = lower(net, trt)
    cache = tmp_path / "timing.cache"
    cache.write_bytes(b"cached timings")
    options = build_options(
        net,
        profiles=[{"batch": (1, 4, 8), "seq": (2, 16, 64)},
                  {"batch": tuple(np.int64([16, 16, 16])), "seq": (np.int32(1), 1, 128)}],  # NumPy ints too
        workspace=1 << 30,
        memory_pools={"TACTIC_SHARED_MEMORY": 48 << 10},
        optimization_level=5,
        timing_cache=str(cache),
        version_compatible=True,
        refit=True,
    )
    config = configure(lowered.api, lowered.builder, net, options, progress=None)
    assert config.get_memory_pool_limit(trt.MemoryPoolType.WORKSPACE) == 1 << 30
    assert config.get_memory_pool_limit(trt.MemoryPoolType.TACTIC_SHARED_MEMORY) == 48 << 10
    assert config.builder_optimization_level == 5
    assert config.get_flag(trt.BuilderFlag.VERSION_COMPATIBLE) and config.get_flag(trt.BuilderFlag.REFIT)
    assert not config.get_flag(trt.BuilderFlag.EXCLUDE_LEAN_RUNTIME)
    assert config.num_optimization_profiles == 2
    first, second = config._state["profiles"]
    assert [tuple(d) for d in first.get_shape("x")] == [(1, 2, 4), (4, 16, 4), (8, 64, 4)]
    assert [tuple(d) for d in first.get_shape("y")] == [(1, 4), (4, 4), (8, 4)]
    assert [tuple(d) for d in second.get_shape("x")] == [(16, 1, 4), (16, 1, 4), (16, 128, 4)]
    assert config.get_timing_cache()._state["data"] == b"cached timings"


@pytest.mark.parametrize("version", ["10.16", "11.4"])
def test_tf32_is_left_on_by_default_and_cleared_when_off(version):
    net = static_net()
    for tf32 in (True, False):
        trt = standin.module(version)
        lowered = lower(net, trt)
        config = configure(lowered.api, lowered.builder, net, build_options(net, tf32=tf32), None)
        assert config.get_flag(trt.BuilderFlag.TF32) is tf32


def test_static_networks_need_no_profile():
    trt = standin.module("11.4")
    net = static_net()
    lowered = lower(net, trt)
    config = configure(lowered.api, lowered.builder, net, build_options(net), None)
    assert config.num_optimization_profiles == 0


def test_build_hands_the_plan_to_an_engine_and_saves_the_timing_cache(tmp_path):
    trt = standin.module("11.4")
    built = {}

    def build_serialized_network(builder, network, config):
        built["layers"] = network.num_layers
        built["monitor"] = config.progress_monitor
        return b"a plan"

    trt.implement("Builder", "build_serialized_network", build_serialized_network)
    trt.implement("ITimingCache", "serialize", lambda cache: b"new timings")
    cache = tmp_path / "timing.cache"
    engine = build(static_net(), trt=trt, timing_cache=cache, progress=io.StringIO())
    assert engine.plan == b"a plan" and built["layers"] == 1
    assert isinstance(built["monitor"], trt.IProgressMonitor)
    assert cache.read_bytes() == b"new timings"


def test_a_failed_build_reports_tensorrt_errors():
    trt = standin.module("10.16")

    def fail(builder, network, config):
        builder._state["logger"].log(trt.ILogger.ERROR, "Network validation failed.")
        return None  # what TensorRT returns when the build fails

    trt.implement("Builder", "build_serialized_network", fail)
    expect_error(
        td.BackendError,
        "tensorrt: building network 'static' failed: Network validation failed.",
        lambda: build(static_net(), trt=trt),
    )


def test_tensorrt_log_goes_to_python_logging(caplog):
    trt = standin.module("11.4")
    logger = LoggingLogger(trt)
    with caplog.at_level(logging.DEBUG, logger="trtdsl.tensorrt"):
        for severity in ("VERBOSE", "INFO", "WARNING", "ERROR", "INTERNAL_ERROR"):
            logger.log(getattr(trt.ILogger, severity), f"a {severity.lower()} message")
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.DEBUG, "a verbose message"),
        (logging.INFO, "a info message"),
        (logging.WARNING, "a warning message"),
        (logging.ERROR, "a error message"),
        (logging.CRITICAL, "a internal_error message"),
    ]
    assert logger.errors == ["a error message", "a internal_error message"]
    assert isinstance(logger, trt.ILogger)


def test_progress_bar_draws_nested_phases_in_place_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    out = Terminal()
    bar = ProgressBar(out, width=4)
    bar.start("Building", None, 2)
    bar.start("Tactics", "Building", 4)
    assert bar.step("Tactics", 0) is True
    bar.finish("Tactics")
    bar.step("Building", 0)
    bar.finish("Building")
    frames = out.getvalue().split("\r\x1b[K")[1:]
    assert frames == [
        "Building [    ] 0/2",
        "Building > Tactics [    ] 0/4",
        "Building > Tactics [#   ] 1/4",
        "Building > Tactics [####] 4/4 done\n",
        "Building [##  ] 1/2",
        "Building [####] 2/2 done\n",
    ]


def test_progress_callbacks_and_monitor_forms():
    trt = standin.module("11.4")
    seen = []
    monitor = progress_monitor(trt, lambda phase, done, total: seen.append((phase, done, total)))
    monitor.phase_start("Build", None, 3)
    monitor.step_complete("Build", 0)
    monitor.phase_finish("Build")
    assert seen == [("Build", 0, 3), ("Build", 1, 3), ("Build", 3, 3)]
    assert progress_monitor(trt, None) is None and progress_monitor(trt, False) is None
    expect_error(
        td.ArgumentError,
        "build: argument 'progress' is 3; expected True, False, a text stream or a "
        "function(phase, done, total)",
        lambda: progress_monitor(trt, 3),
    )


def test_lowering_refuses_networks_without_outputs():
    net = td.Network("empty")
    net.input("x", td.float32, (1,))
    expect_error(
        td.BackendError,
        "tensorrt: network 'empty' has no outputs; mark some with net.output(name, tensor)",
        lambda: lower(net, standin.module("11.4")),
    )


def test_widened_constants_keep_their_values():
    trt = standin.module("11.4")
    net = td.Network("c")
    net.output("b", net.constant(np.array([True, False, True])))
    lowered = lower(net, trt)
    stored = lowered.network.get_layer(0)
    assert stored.metadata == "trtdsl:widened-constant"
    stored.__class__ = trt.IConstantLayer  # get_layer gives an ILayer, as TensorRT does
    assert stored.weights.dtype == np.int32
    np.testing.assert_array_equal(stored.weights, [1, 0, 1])
    assert lowered.api.layer_type(lowered.network.get_layer(1)) == "CAST"
