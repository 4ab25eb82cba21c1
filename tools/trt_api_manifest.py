#!/usr/bin/env python3
"""Write the API manifest of a TensorRT Python bindings wheel: every class, method signature
(parameter names, types and defaults, for each overload), property (type, writable) and enum member.

TensorRT's native libraries cannot be installed everywhere, but the ``tensorrt-cu*-bindings`` wheels
on PyPI are real: ``tensorrt_bindings/tensorrt.so`` needs only nine C entry points from TensorRT's
libraries. This script builds a stub of those nine functions (each returning 0/NULL), loads it under
the sonames the extension asks for, imports the bindings and reads their pybind11 signatures.

    python tools/trt_api_manifest.py tensorrt-cu13-bindings==11.4.0.106   # pip download, then read
    python tools/trt_api_manifest.py path/to/tensorrt_cu12_bindings-10.16.1.11-*.whl

The manifest goes to ``trtdsl/backends/tensorrt/manifests/tensorrt-<major.minor.patch>.json``
(``-o`` to choose). Needs a C compiler (``cc``) and, for a requirement, pip with access to PyPI.
"""

from __future__ import annotations

import argparse
import ctypes
import glob
import inspect
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile

FORMAT = 1
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MANIFEST_DIR = os.path.join(ROOT, "trtdsl", "backends", "tensorrt", "manifests")

# The only symbols tensorrt.so imports from TensorRT's own libraries (checked with `nm -D --undefined`).
STUB_C = """\
void *createInferBuilder_INTERNAL(void *logger, int version) { return 0; }
void *createInferRefitter_INTERNAL(void *engine, void *logger, int version) { return 0; }
void *createInferRuntime_INTERNAL(void *logger, int version) { return 0; }
void *createNvOnnxParser_INTERNAL(void *network, void *logger, int version) { return 0; }
void *createNvOnnxParserRefitter_INTERNAL(void *refitter, void *logger, int version) { return 0; }
int getNvOnnxParserVersion(void) { return 0; }
void *getBuilderPluginRegistry(int capability) { return 0; }
void *getPluginRegistry(void) { return 0; }
int initLibNvInferPlugins(void *logger, const char *ns) { return 0; }
"""
STUB_LIBRARIES = ("nvinfer", "nvinfer_plugin", "nvonnxparser")
# Dunder members that are part of the API (the rest are pybind11/Python machinery).
API_DUNDERS = {
    "__init__",
    "__len__",
    "__getitem__",
    "__setitem__",
    "__iter__",
    "__call__",
    "__enter__",
    "__exit__",
}
_QUALIFIERS = re.compile(r"\btensorrt_bindings\.tensorrt\.|\btensorrt\.tensorrt\.|\btensorrt_bindings\.")
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_CXX_NAME = re.compile(r"\b(?:nvinfer1|nvonnxparser)::(?:v_\d+_\d+::)?(\w+)")


# -- reading a wheel -----------------------------------------------------------------------------------
def unpack(wheel: str, into: str) -> tuple[str, str]:
    """Unpack ``wheel`` into ``into``; return (the directory to put on sys.path, the wheel's version)."""
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(into)
    match = re.match(r"[^-]+-([^-]+)-", os.path.basename(wheel))
    if not match or not os.path.isdir(os.path.join(into, "tensorrt_bindings")):
        raise SystemExit(f"{wheel}: not a TensorRT bindings wheel (no tensorrt_bindings package)")
    return into, match.group(1)


def build_stub(major: str, into: str, cc: str = "cc") -> list[str]:
    """Compile the nine-symbol stub once per soname the bindings of TensorRT ``major`` need."""
    source = os.path.join(into, "trt_stub.c")
    with open(source, "w") as f:
        f.write(STUB_C)
    paths = []
    for lib in STUB_LIBRARIES:
        soname = f"lib{lib}.so.{major}"
        path = os.path.join(into, soname)
        subprocess.run([cc, "-shared", "-fPIC", f"-Wl,-soname,{soname}", "-o", path, source], check=True)
        paths.append(path)
    return paths


def import_bindings(site: str, stubs: list[str]) -> object:
    """Import ``tensorrt_bindings`` from ``site`` with the stub libraries loaded under their sonames."""
    for path in stubs:
        ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
    sys.path.insert(0, site)
    import tensorrt_bindings  # noqa: PLC0415  (found only now, on the new path)

    return tensorrt_bindings


# -- signatures ----------------------------------------------------------------------------------------
def clean(text: str) -> str:
    return _ADDRESS.sub("", _QUALIFIERS.sub("", text)).strip()


def split_top(text: str, sep: str = ",") -> list[str]:
    """Split at ``sep`` outside brackets and quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([{<":
            depth += 1
        elif ch in ")]}>" and not (ch == ">" and text[i - 1] == "-"):
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def parse_param(text: str) -> dict:
    name, _, rest = text.partition(":")
    if text.startswith("*"):
        return {"name": text, "type": "object"}
    type_text, has_default, default = rest.partition(" = ")
    param = {"name": name.strip(), "type": clean(type_text)}
    if has_default:
        param["default"] = clean(default)
    return param


def find_signatures(name: str, doc: str) -> list[tuple[str, str]]:
    """(parameter text, return type) of every pybind11 signature of ``name`` in ``doc``."""
    found = []
    for line in doc.splitlines():
        m = re.match(rf"^(?:\d+\. )?{re.escape(name)}\((.*)\)(?: -> (.+))?$", line.strip())
        if m and m.group(1) != "*args, **kwargs":
            found.append((m.group(1), m.group(2) or "None"))
    return found


def overloads(name: str, fn: object, drop_self: bool) -> list[dict]:
    doc = getattr(fn, "__doc__", None) or ""
    found = find_signatures(name, doc)
    if not found and inspect.isfunction(fn):
        return [python_signature(fn, drop_self)]
    result = []
    for params_text, returns in found:
        params = [parse_param(p) for p in split_top(params_text)]
        if drop_self and params:
            params = params[1:]
        result.append({"params": params, "returns": clean(returns)})
    return result


def python_signature(fn: object, drop_self: bool) -> dict:
    sig = inspect.signature(fn)  # type: ignore[arg-type]
    params = []
    for p in list(sig.parameters.values())[1 if drop_self else 0 :]:
        prefix = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "")
        entry = {
            "name": prefix + p.name,
            "type": "object" if p.annotation is p.empty else clean(str(p.annotation)),
        }
        if p.default is not p.empty:
            entry["default"] = clean(repr(p.default))
        params.append(entry)
    return {"params": params, "returns": "object"}


def accessor_type(fn: object, setter: bool) -> str:
    """The value type of a pybind11 property from its getter's return or its setter's argument."""
    doc = (getattr(fn, "__doc__", None) or "").strip().splitlines()
    m = re.match(r"^\((.*)\)(?: -> (.+))?$", doc[0]) if doc else None
    if m is None:
        return "object"
    if setter:
        params = split_top(m.group(1))
        return parse_param(params[-1])["type"] if len(params) > 1 else "object"
    return clean(m.group(2) or "object")


# -- classes -------------------------------------------------------------------------------------------
def describe_class(cls: type, module_name: str) -> dict:
    entry: dict = {
        "bases": [b.__name__ for b in cls.__bases__ if b.__module__.startswith(module_name)],
        "methods": {},
        "properties": {},
    }
    members = getattr(cls, "__members__", None)
    if isinstance(members, dict):
        entry["enum"] = {k: int(v) for k, v in members.items()}
    for name, value in sorted(cls.__dict__.items()):
        if name.startswith("_") and name not in API_DUNDERS:
            continue
        if isinstance(value, property):
            prop = {"type": accessor_type(value.fget, False), "writable": value.fset is not None}
            if value.fset is not None:
                prop["set_type"] = accessor_type(value.fset, True)
            entry["properties"][name] = prop
        elif type(value).__name__ == "pybind11_static_property":
            entry["properties"][name] = {
                "type": accessor_type(value.fget, False),
                "writable": False,
                "static": True,
            }
        elif isinstance(value, staticmethod):
            entry["methods"][name] = {"static": True, "overloads": overloads(name, value.__func__, False)}
        elif callable(value) and not isinstance(value, type) and not (members and name in members):
            sigs = overloads(name, value, True)
            if sigs:
                entry["methods"][name] = {"overloads": sigs}
        elif not members and type(value).__module__.startswith(module_name) and hasattr(value, "name"):
            entry.setdefault("constants", {})[name] = f"{type(value).__name__}.{value.name}"
    return entry


def describe_module(trt: object) -> dict:
    module_name = trt.__name__
    classes: dict = {}
    functions: dict = {}
    constants: dict = {}

    def visit(prefix: str, owner: object) -> None:
        for name in sorted(vars(owner)):
            if name.startswith("_"):
                continue
            value = getattr(owner, name)
            if isinstance(value, type) and value.__module__.startswith(module_name):
                qualified = prefix + name
                if qualified not in classes and value.__name__ == name:
                    classes[qualified] = describe_class(value, module_name)
                    visit(qualified + ".", value)
            elif owner is trt and callable(value) and not isinstance(value, type):
                sigs = overloads(name, value, False)
                if sigs:
                    functions[name] = sigs
            elif owner is trt and type(value).__module__.startswith(module_name) and hasattr(value, "name"):
                constants[name] = f"{type(value).__name__}.{value.name}"

    visit("", trt)
    return {"classes": classes, "functions": functions, "constants": constants}


def resolve_cxx_names(node: object, classes: dict) -> object:
    """Replace C++ names that pybind11 left in some signatures (``nvinfer1::SampleMode``,
    ``nvinfer1::v_1_0::IGpuAllocator``) by the Python class they are bound to."""
    if isinstance(node, dict):
        return {k: resolve_cxx_names(v, classes) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve_cxx_names(v, classes) for v in node]
    if isinstance(node, str) and "::" in node:
        return _CXX_NAME.sub(lambda m: m.group(1) if m.group(1) in classes else m.group(0), node)
    return node


def manifest_of(trt: object, package: str, version: str) -> dict:
    api = describe_module(trt)
    api = resolve_cxx_names(api, api["classes"])
    return {"format": FORMAT, "package": package, "version": version, **api}


# -- driver --------------------------------------------------------------------------------------------
def introspect(wheel: str, workdir: str, cc: str) -> dict:
    """The manifest of ``wheel`` (runs in its own process: only one tensorrt_bindings per process)."""
    site, version = unpack(wheel, os.path.join(workdir, "site"))
    stubs = build_stub(version.split(".")[0], workdir, cc)
    trt = import_bindings(site, stubs)
    package = os.path.basename(wheel).split("-")[0].replace("_", "-")
    return manifest_of(trt, package, version)


def fetch(requirement: str, into: str) -> str:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "-q",
            "-d",
            into,
            requirement,
        ],
        check=True,
    )
    wheels = glob.glob(os.path.join(into, "*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"pip download {requirement}: expected one wheel, got {wheels}")
    return wheels[0]


def default_output(version: str) -> str:
    return os.path.join(MANIFEST_DIR, "tensorrt-" + ".".join(version.split(".")[:3]) + ".json")


def write_json(data: dict, path: str) -> None:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "wheel", help="a bindings wheel file, or a pip requirement such as tensorrt-cu13-bindings==11.4.0.106"
    )
    parser.add_argument(
        "-o", "--output", help="where to write the manifest (default: the package's manifests/)"
    )
    parser.add_argument(
        "--cc", default=os.environ.get("CC", "cc"), help="C compiler for the stub (default: cc)"
    )
    parser.add_argument("--in-process", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="trt_manifest_") as workdir:
        wheel = args.wheel if args.wheel.endswith(".whl") else fetch(args.wheel, workdir)
        if args.in_process:
            data = introspect(os.path.abspath(wheel), workdir, args.cc)
            write_json(data, args.output)
            return 0
        raw = os.path.join(workdir, "manifest.json")
        subprocess.run(
            [sys.executable, os.path.abspath(__file__), wheel, "-o", raw, "--cc", args.cc, "--in-process"],
            check=True,
        )
        with open(raw) as f:
            data = json.load(f)
    output = args.output or default_output(data["version"])
    write_json(data, output)
    counts = (
        len(data["classes"]),
        sum(len(c["methods"]) for c in data["classes"].values()),
        sum(len(c["properties"]) for c in data["classes"].values()),
    )
    print(
        f"{output}: TensorRT {data['version']}: {counts[0]} classes, {counts[1]} methods, "
        f"{counts[2]} properties"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
