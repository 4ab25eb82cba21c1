"""The documentation site: every page's code runs (pages with a test of their own are run there), every
tutorial lesson ends with an exercise whose solution runs and checks itself, mkdocs.yml's navigation
holds every page, and every picture a page asks for names a network file of the repository."""

import re
import subprocess
import sys

import pytest
from support import ROOT, python_blocks, run_doc

DOCS = ROOT / "docs"
TUTORIAL = DOCS / "tutorial"
LESSONS = sorted(TUTORIAL.glob("[0-9][0-9]_*.md"))
SOLUTIONS = sorted((TUTORIAL / "solutions").glob("*.py"))

# Pages whose code runs in a test of their own, which also checks what the code prints.
OWN_TESTS = {
    "loops.md": "tests/loops/test_docs.py",
    "conditionals.md": "tests/conditionals/test_docs.py",
    "plugins.md": "tests/plugins/test_docs.py",
    "quantization.md": "tests/quantization/test_docs.py",
    "testing.md": "tests/testing/test_docs.py",
    "modules.md": "tests/nn/test_modules_doc.py",
    "onnx.md": "tests/examples/test_docs.py",
    "tensorrt.md": "tests/examples/test_docs.py",
}


def pages() -> list[str]:
    return sorted(str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md"))


def pages_with_code() -> list[str]:
    return [p for p in pages() if python_blocks(f"docs/{p}") and p not in OWN_TESTS]


def test_pages_with_a_test_of_their_own_are_run_there():
    for page, test in OWN_TESTS.items():
        assert python_blocks(f"docs/{page}"), f"docs/{page} has no code"
        assert f'"{page}"' in (ROOT / test).read_text() or f"docs/{page}" in (ROOT / test).read_text()


@pytest.mark.parametrize("page", pages_with_code())
def test_the_code_of_each_page_runs(page):
    blocks = python_blocks(f"docs/{page}")
    assert not [b for b in blocks if b.startswith((" ", "\t"))], f"docs/{page} has an indented code block"
    run_doc(page, min_blocks=1)


def test_every_lesson_has_code_and_ends_with_an_exercise_and_its_solution():
    assert len(LESSONS) >= 11
    for lesson in LESSONS:
        text = lesson.read_text()
        assert python_blocks(f"docs/tutorial/{lesson.name}"), lesson.name
        exercise = text.split("\n## Exercise\n")
        assert len(exercise) == 2, f"{lesson.name} has no '## Exercise' section"
        assert "\n## " not in exercise[1], f"{lesson.name}: the exercise is not the last section"
        assert f"(solutions/{lesson.stem}.py)" in exercise[1], f"{lesson.name} does not link its solution"
    assert [s.stem for s in SOLUTIONS] == [lesson.stem for lesson in LESSONS]


@pytest.mark.parametrize("solution", [s.name for s in SOLUTIONS])
def test_each_exercise_solution_runs_and_checks_itself(solution):
    path = TUTORIAL / "solutions" / solution
    assert re.search(r"\bassert", path.read_text()), f"{solution} checks nothing"
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300,
                          cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr


def test_the_navigation_holds_every_page_once():
    listed = re.findall(r"^\s*- (?:[^:\n]+: )?(\S+\.md)$", (ROOT / "mkdocs.yml").read_text(), re.MULTILINE)
    assert sorted(listed) == pages(), (
        f"not in mkdocs.yml's nav: {sorted(set(pages()) - set(listed))}; "
        f"in the nav but missing: {sorted(set(listed) - set(pages()))}"
    )


def test_pictures_name_network_files_of_the_repository():
    found = []
    for page in pages():
        for spec in re.findall(r"<!-- picture: (\S+?) -->", (DOCS / page).read_text()):
            path, _, name = spec.partition(":")
            assert (ROOT / path).is_file(), f"docs/{page} asks for a picture of {spec}: no such file"
            source = (ROOT / path).read_text()
            assert f"def {name or 'build_network'}(" in source, f"docs/{page}: {path} defines no {name}"
            found.append(spec)
    assert len(found) >= 3
