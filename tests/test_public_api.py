"""``td.`` holds what networks are written with and no op class; every op class is in ``trtdsl.ops``; every
``td.<name>`` the documentation and examples use is public."""

import importlib
import inspect
import pkgutil
import re

from support import ROOT

import trtdsl as td
from trtdsl.ir.op import OP_TYPES, Op

OP_PACKAGES = ("layers", "loops", "conditionals", "plugins")


def op_classes() -> dict[str, type]:
    """Every op class, after importing every module of the packages that define them."""
    for package in OP_PACKAGES:
        path = importlib.import_module(f"trtdsl.{package}").__path__
        for info in pkgutil.iter_modules(path):
            importlib.import_module(f"trtdsl.{package}.{info.name}")
    return {cls.__name__: cls for cls in OP_TYPES.values()}


def test_every_op_class_is_in_trtdsl_ops_and_nothing_else_is():
    classes = op_classes()
    listed = set(td.ops.__all__) - {"Op"}
    assert listed == set(classes), (
        f"op classes missing from trtdsl.ops: {sorted(set(classes) - listed)}; "
        f"names in trtdsl.ops that are no op class: {sorted(listed - set(classes))}"
    )
    assert all(getattr(td.ops, name) is cls for name, cls in classes.items())


def test_no_op_class_is_in_the_td_namespace():
    op_classes()
    leaked = [n for n in dir(td) if inspect.isclass(getattr(td, n)) and issubclass(getattr(td, n), Op)]
    assert leaked == []


def test_td_all_names_what_td_holds_once_each():
    assert len(td.__all__) == len(set(td.__all__))
    assert [n for n in td.__all__ if not hasattr(td, n)] == []


def test_every_td_name_the_docs_and_examples_use_is_public():
    files = [
        ROOT / "README.md",
        *sorted((ROOT / "docs").glob("*.md")),
        *sorted((ROOT / "examples").glob("*.py")),
    ]
    used = {name for f in files for name in re.findall(r"\btd\.([A-Za-z_]\w*)", f.read_text())}
    assert used, "no td.<name> found: the pattern no longer matches the documentation"
    assert sorted(used - set(td.__all__)) == []


def test_td_holds_every_layer_module_public_name_and_each_is_defined_there():
    """``td`` takes the layer families' functions and enums from each module's ``__all__`` (the op classes
    go to ``trtdsl.ops``): a name listed there is defined in that module, so a helper imported from
    another module does not leak into ``td``, and a new layer module needs no line elsewhere."""
    from trtdsl.ir.table import import_package

    for module in import_package("trtdsl.layers"):
        for name in getattr(module, "__all__", ()):
            value = getattr(module, name)
            assert value.__module__ == module.__name__, f"{module.__name__}.__all__ lists {name!r} from elsewhere"
            is_op = isinstance(value, type) and issubclass(value, Op)
            assert (getattr(td.ops, name) if is_op else getattr(td, name)) is value, (module.__name__, name)
            assert name in (td.ops.__all__ if is_op else td.__all__), (module.__name__, name)


def test_td_nn_all_names_what_td_nn_holds_and_no_op_class():
    assert "nn" in td.__all__
    assert len(td.nn.__all__) == len(set(td.nn.__all__))
    assert [n for n in td.nn.__all__ if not hasattr(td.nn, n)] == []
    assert not any(inspect.isclass(getattr(td.nn, n)) and issubclass(getattr(td.nn, n), Op) for n in td.nn.__all__)
    modules = {n for n in td.nn.__all__ if inspect.isclass(getattr(td.nn, n)) and issubclass(getattr(td.nn, n),
                                                                                                   td.nn.Module)}
    documented = set(re.findall(r"`nn\.(\w+)\(", (ROOT / "docs" / "modules.md").read_text()))
    assert modules - {"Module"} <= documented, sorted(modules - {"Module"} - documented)
