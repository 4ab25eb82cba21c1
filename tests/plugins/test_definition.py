"""Defining plugins: the class decorators, attributes, the shape rule and the checks on the NumPy
reference, with the exact message of every invalid definition or call."""

import re

import numpy as np
import pytest
from support import assert_located_in_tests, error_line, expect_error

import trtdsl as td
from trtdsl.errors import ArgumentError, DSLError, DTypeError, ExecutionError, ShapeError
from trtdsl.plugins.definition import definition_of, lookup


def identity_shape(self, x):
    return x


def identity_reference(self, x):
    return x.copy()


def make(plugin_id="t::p", annotations=None, registry=False, **body):
    """A decorator call on a fresh class P with ``body`` (shape/reference default to identity)."""
    namespace = {
        "shape": identity_shape,
        "reference": identity_reference,
        "__annotations__": annotations or {},
    }
    namespace.update(body)
    for name, value in list(namespace.items()):
        if value is None:
            del namespace[name]
    cls = type("P", (), namespace)
    if registry:
        return lambda: td.registry_plugin(plugin_id)(cls)
    return lambda: td.plugin(plugin_id)(cls)


@td.plugin("t::clamp")
class Clamp:
    limit: float = 6.0
    input_dtypes = {"x": (td.float32, td.float16)}

    def shape(self, x):
        return x

    def reference(self, x):
        return np.minimum(x, self.limit).astype(x.dtype)


@td.plugin("t::pair")
class Pair:
    input_dtypes = {"b": "same as a"}

    def shape(self, a, b):
        return a, td.TensorType(td.bool, a.shape)

    def reference(self, a, b):
        return a + b, a > b


@td.plugin("t::needs")
class Needs:
    count: int

    def shape(self, x):
        return x

    def reference(self, x):
        return x.copy()


def net_input(dtype=td.float32, shape=(2, 3)):
    net = td.Network("p")
    return net, net.input("x", dtype, shape)


def two_inputs(a, b):
    net = td.Network("p")
    return net.input("a", a, (2, 3)), net.input("b", b, (2, 3))


def shape_rule(rule, plugin_id):
    """Add a plugin whose shape method is ``rule`` to a network with an f32[2,3] input."""

    def run():
        cls = type("R", (), {"shape": rule, "reference": identity_reference})
        td.plugin(plugin_id)(cls)
        _, x = net_input()
        return cls()(x)  # located

    return run


def returning(result, plugin_id, shape=None, feed=None, checked=True):
    """Run a network whose plugin's reference returns ``result(x)``. A result the shape rule refuses
    (``checked``) is an error at the reference's line; an error of the reference itself at the layer's."""

    def reference(self, x):
        return result(x)

    def run():
        cls = type("Q", (), {"shape": shape or identity_shape, "reference": reference})
        td.plugin(plugin_id)(cls)
        net, x = net_input()
        outs = cls()(x)  # located
        for i, o in enumerate(outs if isinstance(outs, tuple) else (outs,)):
            net.output(f"y{i}", o)
        return net.run({"x": np.zeros((2, 3), np.float32) if feed is None else feed})

    if checked:
        run.build_line = reference.__code__.co_firstlineno
    return run


def dd_shape(self, x):
    n = td.data_dependent_dim(x.shape[0] * x.shape[1], name="n")
    return td.TensorType(x.dtype, (n,)), td.TensorType(td.int32, (n,))


SUPPORTED = (
    "int, float, bool, str, a NumPy scalar type (np.int8, np.int16, np.int32, np.int64, np.float16, "
    "np.float32, np.float64) or a tuple of numbers (tuple[int, ...], tuple[float, ...], tuple[np.int32, "
    "...])"
)

ROWS = [
    # naming
    (
        ArgumentError,
        "plugin: argument 'plugin_id' is 'clamp'; expected 'namespace::name' with both parts identifiers "
        "(e.g. 'mylib::clamp_gelu')",
        lambda: td.plugin("clamp"),
    ),
    (
        ArgumentError,
        "plugin: argument 'plugin_id' is 'my-lib::clamp'; expected 'namespace::name' with both parts "
        "identifiers (e.g. 'mylib::clamp_gelu')",
        lambda: td.plugin("my-lib::clamp"),
    ),
    (
        ArgumentError,
        "plugin: namespace 'trt' is reserved by TensorRT; use your project's name",
        lambda: td.plugin("trt::clamp"),
    ),
    (
        ArgumentError,
        "registry_plugin: argument 'version' is 2; expected a non-empty str of printable characters",
        lambda: td.registry_plugin("X_TRT", version=2),
    ),
    (ArgumentError, "plugin 'p': decorate a class, not function", lambda: td.plugin("t::p")(identity_shape)),
    # methods
    (
        ArgumentError,
        "t::p: the plugin class P has no reference method; define reference(self, x, ...) (e.g. return "
        "np.tanh(x))",
        make(reference=None),
    ),
    (
        ArgumentError,
        "t::p: the plugin class P has no shape method; define shape(self, x, ...) (e.g. return x)",
        make(shape=None),
    ),
    (ArgumentError, "t::p: P.kernel must be a method", make(kernel=3)),
    (
        ArgumentError,
        "t::p: shape takes 2 inputs (x, y) but reference takes 1 (x); both take the same inputs",
        make(shape=lambda self, x, y: x),
    ),
    (
        ArgumentError,
        "t::p: reference must list its input tensors as plain parameters (no defaults, *args or "
        "keyword-only parameters); got *xs",
        make(reference=lambda self, *xs: xs),
    ),
    (
        ArgumentError,
        "t::p: reference must list its input tensors as plain parameters (no defaults, *args or "
        "keyword-only parameters); got y=2",
        make(reference=lambda self, x, y=2: x),
    ),
    (
        ArgumentError,
        "t::p: reference takes no inputs; a plugin needs at least one input tensor",
        make(reference=lambda self: 0, shape=lambda self: 0),
    ),
    (
        ArgumentError,
        "t::p: input name 'stream' is reserved by TensorRT; rename it",
        make(reference=lambda self, stream: stream, shape=lambda self, stream: stream),
    ),
    (
        ArgumentError,
        "t::p: the plugin class P defines __init__; declare attributes as annotated class fields instead "
        "(trtdsl writes the constructor)",
        make(__init__=lambda self: None),
    ),
    (
        ArgumentError,
        "X_TRT: a registry plugin runs TensorRT's own implementation; remove kernel",
        make("X_TRT", registry=True, kernel=lambda self, x, y, s: None),
    ),
    # attributes
    (
        ArgumentError,
        f"t::p: attribute 'limit' is annotated list; expected {SUPPORTED}",
        make(annotations={"limit": list}),
    ),
    (
        ArgumentError,
        f"t::p: attribute 'sizes' is annotated tuple[int, int]; expected {SUPPORTED}",
        make(annotations={"sizes": tuple[int, int]}),
    ),
    (
        ArgumentError,
        f"t::p: attribute 'flags' is annotated tuple[bool, ...]; expected {SUPPORTED}",
        make(annotations={"flags": tuple[bool, ...]}),
    ),
    (
        ArgumentError,
        "t::p: attribute 'n' is annotated int32; tensorrt.plugin takes int, float, bool, str or tuples of "
        "numbers (use int/float, or tuple[...] for a typed array)",
        make(annotations={"n": np.int32}),
    ),
    (
        ArgumentError,
        "t::p: argument 'limit' is 'a'; expected a float (not NaN)",
        make(annotations={"limit": float}, limit="a"),
    ),
    (
        ArgumentError,
        "t::p: attribute name 'stream' is reserved (by TensorRT, by trtdsl or as an input name); rename it",
        make(annotations={"stream": int}),
    ),
    (
        ArgumentError,
        "t::p: attribute name 'x' is reserved (by TensorRT, by trtdsl or as an input name); rename it",
        make(annotations={"x": int}),
    ),
    (
        ArgumentError,
        "t::p: attribute name 'shape' is reserved (by TensorRT, by trtdsl or as an input name); rename it",
        make(annotations={"shape": int}),
    ),
    # input dtypes
    (
        ArgumentError,
        "t::p: input_dtypes names 'y', which is not an input; the inputs are x",
        make(input_dtypes={"y": td.float32}),
    ),
    (
        DTypeError,
        "t::p: input_dtypes['x']: dtype: 'float64' is not a TensorRT data type; expected one of float32, "
        "float16, bfloat16, int32, int64, bool, int8, uint8, int4, float8_e4m3, float4_e2m1, e8m0",
        make(input_dtypes={"x": "float64"}),
    ),
    (
        ArgumentError,
        "t::p: input_dtypes['x'] is 'same as x'; expected 'same as <another input>' with one of ",
        make(input_dtypes={"x": "same as x"}),
    ),
    (
        ArgumentError,
        "t::p: input_dtypes is 3; expected a dict from input name to dtypes or 'same as <input>'",
        make(input_dtypes=3),
    ),
    # instances
    (
        ArgumentError,
        "t::clamp: argument 'limit' is 'a'; expected a float (not NaN)",
        lambda: Clamp(limit="a"),
    ),
    (
        ArgumentError,
        "t::clamp: argument 'limit' is True; expected a float (not NaN)",
        lambda: Clamp(limit=True),
    ),
    (
        ArgumentError,
        "t::clamp: argument 'limit' is nan; expected a float (not NaN)",
        lambda: Clamp(limit=float("nan")),
    ),
    (ArgumentError, "t::clamp: unknown attribute 'lim'; its attributes are limit", lambda: Clamp(lim=3.0)),
    (ArgumentError, "t::pair: unknown attribute 'k'; it has no attributes", lambda: Pair(k=1)),
    (ArgumentError, "t::needs: missing attribute 'count' (int); it has no default", lambda: Needs()),
    (
        ArgumentError,
        "t::needs: argument 'count' is 2.5; expected an int in [-9223372036854775808, 9223372036854775807]",
        lambda: Needs(count=2.5),
    ),
    (
        ArgumentError,
        "t::clamp: attributes are given by keyword (Clamp(name=value, ...)); got 1 positional argument(s)",
        lambda: Clamp(4.0),
    ),
    (
        ArgumentError,
        "t::clamp: plugin objects are immutable; make a new one (Clamp(limit=...))",
        lambda: setattr(Clamp(), "limit", 1.0),
    ),
    (ArgumentError, "t::clamp: takes 1 input tensor (x); got 2", lambda: Clamp()(*[net_input()[1]] * 2)),
    (DTypeError, "t::clamp: argument 'x' is 3.0; expected a trtdsl Tensor"
                 "; turn an array or a number into one with net.constant(...)", lambda: Clamp()(3.0)),
    # input dtypes on use
    (
        DTypeError,
        "t::clamp: input 'x' has dtype int32; expected one of float32, float16",
        lambda: Clamp()(net_input(td.int32)[1]),
    ),
    (
        DTypeError,
        "t::pair: input 'b' has dtype float16; expected float32, the dtype of input 'a'",
        lambda: Pair()(*two_inputs(td.float32, td.float16)),
    ),
    # the shape rule
    (
        ArgumentError,
        "t::r1: the shape method returned (2, 3); expected a td.TensorType (e.g. td.TensorType(x.dtype, "
        "x.shape)) or a tuple of them",
        shape_rule(lambda self, x: x.shape, "t::r1"),
    ),
    (
        ShapeError,
        "t::r2: the shape method raised IndexError: tuple index out of range",
        shape_rule(lambda self, x: td.TensorType(x.dtype, (x.shape[5],)), "t::r2"),
    ),
    (
        DTypeError,
        "t::r3: output 0 has dtype 'float64', which is not a TensorRT data type",
        shape_rule(lambda self, x: td.TensorType("float64", x.shape), "t::r3"),
    ),
    (
        ShapeError,
        "t::r4: output 0 has shape (-1,); dims must be ints >= 0 or dims",
        shape_rule(lambda self, x: td.TensorType(x.dtype, (-1,)), "t::r4"),
    ),
    (
        ShapeError,
        "t::r5: output 0 dim 0 is k, but 'k' is not a dim of the inputs; compute output dims from the "
        "inputs' dims, or declare a size known only at run time with td.data_dependent_dim",
        shape_rule(lambda self, x: td.TensorType(x.dtype, (td.Dim.symbol("k"),)), "t::r5"),
    ),
    (
        ShapeError,
        "t::r6: output 0 dim 0 is n#*2, which combines a data-dependent size with other dims; TensorRT "
        "allows a data-dependent size only as a whole dim",
        shape_rule(
            lambda self, x: td.TensorType(x.dtype, (td.data_dependent_dim(6, name="n") * 2,)), "t::r6"
        ),
    ),
    (
        ShapeError,
        "t::r7: data-dependent size n# is not used by any output",
        shape_rule(lambda self, x: (td.data_dependent_dim(6, name="n"), x)[1], "t::r7"),
    ),
    (
        ArgumentError,
        "t::r8: in the shape method: data_dependent_dim: argument 'upper_bound' is -1; expected an int >= 0 "
        "or a dim computed from the inputs' dims",
        shape_rule(lambda self, x: td.TensorType(x.dtype, (td.data_dependent_dim(-1),)), "t::r8"),
    ),
    (
        ArgumentError,
        "t::r9: in the shape method: data_dependent_dim: argument 'name' is 'a b'; expected an identifier",
        shape_rule(lambda self, x: td.TensorType(x.dtype, (td.data_dependent_dim(3, name="a b"),)), "t::r9"),
    ),
    (
        DSLError,
        "data_dependent_dim: call it inside a plugin's shape method (it declares a size the plugin computes "
        "when it runs)",
        lambda: td.data_dependent_dim(3),
    ),
    # the reference's results
    (
        ExecutionError,
        "t::q1: reference output 0 has dtype float64; the shape rule declares float32 (f32[2,3]). Return an "
        "array of dtype float32 (e.g. .astype(np.float32))",
        returning(lambda x: x.astype(np.float64), "t::q1"),
    ),
    (
        ExecutionError,
        "t::q2: reference output 0 has shape (3, 2); the shape rule declares (2, 3) for these inputs",
        returning(lambda x: x.T.copy(), "t::q2"),
    ),
    (
        ExecutionError,
        "t::q3: reference returned 2 results; the shape rule declares 1 outputs",
        returning(lambda x: (x, x), "t::q3"),
    ),
    (
        ExecutionError,
        "t::q4: reference output 0 is a list; expected a NumPy array (f32[2,3])",
        returning(lambda x: [x.tolist()], "t::q4"),
    ),
    (
        ExecutionError,
        "t::q5: reference output 0 has shape (7,); the shape rule declares (n#<=6,) for these inputs",
        returning(lambda x: (np.zeros(7, np.float32), np.zeros(7, np.int32)), "t::q5", dd_shape),
    ),
    (
        ExecutionError,
        "t::q6: data-dependent size n# is 2 in output 0 (dim 0) but 3 in output 1 (dim 0); the reference "
        "must give it one value",
        returning(lambda x: (np.zeros(2, np.float32), np.zeros(3, np.int32)), "t::q6", dd_shape),
    ),
    (
        ExecutionError,
        "PluginV3[t::q7] (layer q7_0) failed on the NumPy reference on inputs of shapes (2, 3) (typed "
        "f32[2,3]): "
        "ValueError: output array is read-only",
        returning(lambda x: np.add(x, 1, out=x), "t::q7", checked=False),
    ),
]


@pytest.mark.parametrize("cls, message, call", ROWS, ids=[r[1][:60] for r in ROWS])
def test_invalid(cls, message, call):
    if "#" in message:
        with pytest.raises(cls) as info:
            call()
        # data-dependent sizes are numbered in creation order, so compare without the number
        assert re.sub(r"#\d+", "#", info.value.message) == message
        assert_located_in_tests(info.value)
        return
    if message.endswith("with one of "):
        with pytest.raises(cls, match="expected 'same as <another input>' with one of $"):
            call()
        return
    expect_error(cls, message, call, line=error_line(call))


def test_duplicate_name_is_an_error_naming_the_first_definition():
    @td.plugin("t::dup")
    class First:
        def shape(self, x):
            return x

        def reference(self, x):
            return x.copy()

    first = lookup("dup", "t")
    message = (
        f"t::dup: a plugin with this name is already defined (class {First.__qualname__} at "
        f"{first.location}); plugin names must be unique"
    )

    def second():
        @td.plugin("t::dup")
        class Second:
            def shape(self, x):
                return x

            def reference(self, x):
                return x.copy()

    expect_error(ArgumentError, message, second)
    assert lookup("dup", "t").cls is First


def test_running_the_same_class_statement_again_replaces_the_definition():
    def define(limit):
        @td.plugin("t::again")
        class Again:
            value: float = limit

            def shape(self, x):
                return x

            def reference(self, x):
                return np.full_like(x, self.value)

        return Again

    define(1.0)
    second = define(2.0)
    assert lookup("again", "t").cls is second
    net, x = net_input()
    net.output("y", second()(x))
    assert (net.run({"x": np.zeros((2, 3), np.float32)})["y"] == 2.0).all()


def test_registry_plugins_are_keyed_by_version_and_namespace():
    def define(version, namespace):
        cls = type(f"V{version}{namespace}", (), {"shape": identity_shape, "reference": identity_reference})
        return td.registry_plugin("Versioned_TRT", version=version, namespace=namespace)(cls)

    one, two, other = define("1", ""), define("2", ""), define("1", "vendor")
    assert lookup("Versioned_TRT").cls is one
    assert lookup("Versioned_TRT", version="2").cls is two
    assert lookup("Versioned_TRT", "vendor").cls is other
    expect_error(
        ArgumentError,
        "no trtdsl definition for plugin Versioned_TRT (version '3'); define it with @td.plugin or "
        "@td.registry_plugin to give it a shape rule and a NumPy reference",
        lambda: lookup("Versioned_TRT", version="3"),
    )
    _, x = net_input()
    y = two()(x)
    assert y.producer.op.label() == "PluginV3[Versioned_TRT v2]"


def test_instances_are_values():
    assert Clamp(limit=4) == Clamp(limit=4.0)
    assert Clamp(limit=4) != Clamp(limit=5)
    assert hash(Clamp(limit=4)) == hash(Clamp(limit=4.0))
    assert repr(Clamp(limit=4)) == "Clamp(limit=4.0)"
    assert Clamp().limit == 6.0
    assert definition_of(Clamp).attributes["limit"].python is float


def test_attribute_values_are_normalised_to_what_tensorrt_receives():
    @td.registry_plugin("Typed_TRT")
    class Typed:
        half: np.float16 = 0.1
        single: np.float32 = 0.1
        small: np.int8 = 3
        sizes: tuple[np.int32, ...] = (1, 2)
        weights: tuple[float, ...] = ()
        name: str = "x"
        flag: bool = False

        def shape(self, x):
            return x

        def reference(self, x):
            return x.copy()

    t = Typed(sizes=np.array([4, 5]), weights=[1, 2.5], flag=np.bool_(True))
    assert (t.half, t.single, t.small) == (float(np.float16(0.1)), float(np.float32(0.1)), 3)
    assert t.sizes == (4, 5) and t.weights == (1.0, 2.5) and t.flag is True
    expect_error(
        ArgumentError,
        "Typed_TRT: argument 'small' is 300; expected an int in [-128, 127]",
        lambda: Typed(small=300),
    )
    expect_error(
        ArgumentError,
        "Typed_TRT: argument 'half' is 1000000.0; expected a float representable as float16 (not NaN)",
        lambda: Typed(half=1e6),
    )
    expect_error(
        ArgumentError,
        "Typed_TRT: argument 'sizes' is (1, 2.5); expected a sequence of ints in [-2147483648, 2147483647]",
        lambda: Typed(sizes=(1, 2.5)),
    )
    expect_error(
        ArgumentError, "Typed_TRT: argument 'name' is b'x'; expected a str", lambda: Typed(name=b"x")
    )


def test_a_registry_plugins_int_and_float_are_int32_and_float32():
    """TensorRT receives them as INT32 and FLOAT32 fields: values outside those are refused, floats rounded,
    so that the reference sees what the engine would."""
    @td.registry_plugin("Plain_TRT")
    class Plain:
        f: float = 1.0
        n: int = 0
        sizes: tuple[int, ...] = ()

        def shape(self, x):
            return x

        def reference(self, x):
            return x.copy()

    assert Plain(f=0.1).f == float(np.float32(0.1)) and Plain(f=float("inf")).f == float("inf")
    expect_error(ArgumentError, "Plain_TRT: argument 'f' is 1e+300; expected a float representable as "
                 "float32 (not NaN)", lambda: Plain(f=1e300))
    expect_error(ArgumentError, "Plain_TRT: argument 'n' is 1099511627776; expected an int in [-2147483648, "
                 "2147483647]", lambda: Plain(n=2**40))
    expect_error(ArgumentError, "Plain_TRT: argument 'sizes' is (1, 4294967296); expected a sequence of ints "
                 "in [-2147483648, 2147483647]", lambda: Plain(sizes=(1, 2**32)))


def test_textual_ir_shows_the_plugin_and_its_attributes():
    net = td.Network("ir")
    a = net.input("a", td.float32, ("n", 2))
    b = net.input("b", td.float32, ("n", 2))
    c = Clamp(limit=2.5)(a, name="clamped")
    s, gt = Pair()(c, b)
    net.output("s", s)
    net.output("gt", gt)
    assert net.format(locations=False).splitlines()[3:5] == [
        "  %clamped : f32[n,2] = PluginV3[t::clamp](%a, limit=2.5)",
        "  %s : f32[n,2], %gt : bool[n,2] = PluginV3[t::pair](%clamped, %b)",
    ]


def test_the_number_of_outputs_is_fixed():
    @td.plugin("t::varying")
    class Varying:
        def shape(self, x):
            return (x,) * x.rank

        def reference(self, x):
            return (x.copy(),) * x.ndim

    net = td.Network("v")
    Varying()(net.input("a", td.float32, (2,)))
    expect_error(
        ShapeError,
        "t::varying: the shape method gave 2 outputs and 0 data-dependent sizes here but 1 and 0 before; a "
        "TensorRT plugin has a fixed number of outputs",
        lambda: Varying()(net.input("b", td.float32, (2, 2))),
    )


def test_a_reference_returning_its_input_gives_an_independent_array():
    @td.plugin("t::passthrough")
    class Passthrough:
        def shape(self, x):
            return x

        def reference(self, x):
            return x

    net, x = net_input()
    net.output("y", Passthrough()(x))
    feed = np.ones((2, 3), np.float32)
    out = net.run({"x": feed})["y"]
    out[0, 0] = 5.0
    assert feed[0, 0] == 1.0 and out.flags.writeable


def test_an_error_of_the_shape_method_names_the_line_that_uses_the_plugin():
    def picky_shape(self, x):
        if x.rank != 2:
            raise ShapeError(f"t::picky: x has rank {x.rank}; expected 2")
        return x

    picky = make("t::picky", shape=picky_shape)()
    x = td.Network("n").input("x", td.float32, (3,))
    with pytest.raises(ShapeError) as info:
        picky()(x)
    assert info.value.message == "t::picky: x has rank 1; expected 2"
    assert (info.value.location.file, info.value.location.line) == (__file__, info.traceback[0].lineno + 1)


def test_a_dim_used_as_a_number_in_a_shape_method_names_the_plugin():
    @td.plugin("t::longest")
    class Longest:
        def shape(self, x, y):
            return td.TensorType(x.dtype, (max(x.shape[0], y.shape[0]),))

        def reference(self, x, y):
            return x.copy()

    net = td.Network("n")
    a, b = net.input("a", td.float32, ("m",)), net.input("b", td.float32, ("k",))
    with pytest.raises(ShapeError, match=r"^.*test_definition.py:\d+: t::longest: in the shape method: dim k "
                       r"is known only when the network runs, so 'k > m' has no value"):
        Longest()(a, b)
