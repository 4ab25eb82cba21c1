"""A griffe extension for the documentation site: trtdsl's docstrings are written in reStructuredText's
inline style, which mkdocstrings reads as Markdown. It turns doctest examples into ``pycon`` code blocks
(Markdown would read ``>>>`` as nested quotes and ``x[0, 0]`` as links) and Sphinx roles
(``:func:`~trtdsl.x```) into inline code."""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:func|class|meth|mod|data|attr|exc|obj):`~?([^`]+)`")


def markdown(text: str) -> str:
    r"""``text`` with each run of doctest lines (``>>>``/``...`` and the output up to a blank line) fenced
    as ``pycon``, and Sphinx roles as inline code.

    >>> markdown("See :func:`~a.b`.\n\n>>> 1 + 1\n2\n\nEnd.").splitlines()
    ['See `b`.', '', '```pycon', '>>> 1 + 1', '2', '```', '', 'End.']
    """
    out: list[str] = []
    fenced = False
    in_code = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
        if not in_code and not fenced and line.lstrip().startswith(">>>"):
            indent = line[: len(line) - len(line.lstrip())]
            if out and out[-1].strip():
                out.append("")
            out.append(f"{indent}```pycon")
            fenced = True
        elif fenced and not line.strip():
            out.append(f"{indent}```")
            fenced = False
        out.append(line if fenced or in_code else _ROLE.sub(lambda m: f"`{m.group(1).split('.')[-1]}`", line))
    if fenced:
        out.append(f"{indent}```")
    return "\n".join(out)


class RstToMarkdown(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown(obj.docstring.value)
