"""The rows the shared checks collect are found in every test module, and a misspelt declaration is not
silently skipped."""

from pathlib import Path

import backend_rows
from backend_rows import ROOT, Row, declaring_modules

DECLARATIONS = {"onnx_rows", "ADVERSARIAL_CALLS"}


def test_every_test_module_outside_the_backends_is_searched():
    found = {Path(m.__file__).resolve() for m in declaring_modules()}
    expected = {p.resolve() for p in (ROOT / "tests").rglob("test_*.py") if "backends" not in p.parts}
    # a module skipping itself for a missing optional package (torch) is left out, and only such a one
    assert found | set(backend_rows.SKIPPED_ON_IMPORT) == expected
    assert not found & set(backend_rows.SKIPPED_ON_IMPORT)


def test_no_module_declares_rows_under_a_near_miss_name():
    """``ONNX_ROWS``, ``onnx_row`` or ``adversarial_calls`` in a test module would be ignored: refuse them."""
    folded = {name.lower().rstrip("s") for name in DECLARATIONS}
    for module in declaring_modules():
        for name, value in vars(module).items():
            if getattr(value, "__module__", None) == backend_rows.__name__:
                continue  # a collector imported from backend_rows
            if name not in DECLARATIONS and name.lower().rstrip("s") in folded:
                raise AssertionError(f"{module.__name__}.{name}: did you mean one of {sorted(DECLARATIONS)}?")


def test_the_collected_rows_come_from_many_modules():
    assert all(isinstance(row, Row) for row in backend_rows.onnx_rows())
    declaring = [m for m in declaring_modules() if "onnx_rows" in vars(m) and m.onnx_rows.__module__ == m.__name__]
    assert len(declaring) >= 30, [m.__name__ for m in declaring]
    assert len({fn.__module__ for fn in backend_rows.tensorrt_cases().values()}) >= 20
