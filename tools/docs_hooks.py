"""MkDocs hooks of the documentation site (mkdocs.yml, ``hooks``): pictures of networks drawn at build time.

A page asks for a picture with the comment ``<!-- picture: FILE.py[:NAME] -->`` (the network as
``trtdsl draw`` names it, the path from the repository root). Where Graphviz's ``dot`` is installed, the
build writes ``img/<file>[-<name>].svg`` into the site and the page shows it; elsewhere the page shows
the network's textual IR instead. Either way the page links the DOT text (``img/<...>.dot``), which any
Graphviz viewer draws.
"""

from __future__ import annotations

import pathlib
import posixpath
import re
import shutil
import sys
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the site documents this checkout, as mkdocstrings does (paths: [.])

from trtdsl.cli import load_network  # noqa: E402
from trtdsl.ir.dot import render  # noqa: E402
from trtdsl.ir.network import Network  # noqa: E402

PICTURE = re.compile(r"<!-- picture: (\S+?) -->")
_networks: dict[str, Network] = {}


def _slug(spec: str) -> str:
    path, _, name = spec.partition(":")
    return pathlib.Path(path).stem + (f"-{name}" if name else "")


def _network(spec: str) -> Network:
    if spec not in _networks:
        path, _, name = spec.partition(":")
        _networks[spec] = load_network(str(ROOT / path) + (f":{name}" if name else ""))
    return _networks[spec]


def on_files(files: Files, config: Any) -> Files:
    specs = {spec for page in files.documentation_pages()
             for spec in PICTURE.findall(pathlib.Path(page.abs_src_path or "").read_text())}
    for spec in sorted(specs):
        network = _network(spec)
        files.append(File.generated(config, f"img/{_slug(spec)}.dot", content=network.to_dot() + "\n"))
        if shutil.which("dot") is not None:
            files.append(File.generated(config, f"img/{_slug(spec)}.svg", content=render(network, "svg")))
    return files


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    here = posixpath.dirname(page.file.src_uri)

    def picture(match: re.Match[str]) -> str:
        spec = match.group(1)
        image = posixpath.relpath(f"img/{_slug(spec)}", here)
        source = f"[DOT text]({image}.dot)"
        if shutil.which("dot") is not None:
            return f"![The network of {spec}]({image}.svg)\n\n*`{spec}`, drawn by `trtdsl draw` ({source}).*"
        ir = _network(spec).format(locations=False)
        return (f"```text\n{ir}\n```\n\n*`{spec}` as `print(net)` shows it: Graphviz was not installed "
                f"where this site was built, so its picture is left out; `trtdsl draw {spec} "
                f"-o net.svg` draws it where Graphviz is installed ({source}).*")

    return PICTURE.sub(picture, markdown)
