"""The package's layers, read from its source: no import cycles (lazy imports included), no module
importing the package root, kernels importing nothing of fastsmooth, certificates nothing of torch or
the torch layer, and the torch layer and the command line using only public names of certificates."""
import ast
import os

import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
PACKAGES = {"fastsmooth": os.path.join(ROOT, "fastsmooth"), "fastsmooth.kernels": os.path.join(ROOT, "kernels")}


def modules():
    """{module name: path} of every module of the package (kernels as fastsmooth.kernels)."""
    found = {}
    for package, folder in PACKAGES.items():
        for here, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if d != "__pycache__" and not (package == "fastsmooth" and d == "kernels")]
            for name in files:
                if name.endswith(".py"):
                    rel = os.path.relpath(os.path.join(here, name), folder)[:-3].replace(os.sep, ".")
                    parts = [package] + [p for p in rel.split(".") if p != "__init__"]
                    found[".".join(parts)] = os.path.join(here, name)
    return found


def imports(name, path, top_level_only=True):
    """(imported module, names) pairs of `path`'s imports (module level only unless told otherwise)."""
    tree = ast.parse(open(path, encoding="utf-8").read())
    package = name if path.endswith("__init__.py") else name.rsplit(".", 1)[0]
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    out = []
    for node in nodes:
        if isinstance(node, ast.Import):
            out += [(alias.name, ()) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            out.append((base, tuple(alias.name for alias in node.names)))
    return out


def graph():
    """Who imports whom, counting imports inside functions too: a lazy import hides a cycle from
    Python's import machinery, not from a reader."""
    mods = modules()
    edges = {}
    for name, path in mods.items():
        targets = set()
        for base, names in imports(name, path, top_level_only=False):
            for candidate in [f"{base}.{n}" for n in names] + [base]:
                if candidate in mods and candidate != name:
                    targets.add(candidate)
                    break
        edges[name] = targets
    return edges


def test_no_import_cycles():
    edges = graph()
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for target in edges[node]:
            if state.get(target) == "open":
                raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(target):] + [target]))
            if target not in state:
                visit(target)
        stack.pop()
        state[node] = "done"

    for node in edges:
        if node not in state:
            visit(node)


@pytest.mark.parametrize("name", sorted(modules()))
def test_no_upward_or_cross_layer_import(name):
    path = modules()[name]
    for base, names in imports(name, path, top_level_only=False):
        if base == "fastsmooth" and name != "fastsmooth":  # a submodule is fine; a name of the root is not
            assert not [n for n in names if f"fastsmooth.{n}" not in modules()], f"{name} imports the package root"
        if name.startswith("fastsmooth.kernels"):
            assert not (base.startswith("fastsmooth") and not base.startswith("fastsmooth.kernels")), \
                f"{name} (kernels) imports {base}"
        if name.startswith("fastsmooth.certificates"):
            assert base.split(".")[0] not in ("torch",) and not base.startswith("fastsmooth.smoothing"), \
                f"{name} (certificates) imports {base}"
        if name.startswith("fastsmooth.smoothing") or name == "fastsmooth.cli":
            assert not base.startswith("fastsmooth.certificates."), f"{name} uses a private module: {base}"
            assert not base.startswith("fastsmooth.kernels"), f"{name} (torch layer) imports kernels: {base}"
            if base == "fastsmooth.certificates":
                import fastsmooth.certificates as certificates
                assert set(names) <= set(certificates.__all__), f"{name} uses non-public names {names}"


def test_the_checker_sees_a_cycle(tmp_path, monkeypatch):
    """The cycle test can fail: two modules importing each other are reported."""
    package = tmp_path / "fastsmooth"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from . import b\n")
    (package / "b.py").write_text("def f():\n    from .a import x\n")  # a lazy import closes the cycle
    monkeypatch.setitem(PACKAGES, "fastsmooth", str(package))
    monkeypatch.setitem(PACKAGES, "fastsmooth.kernels", str(tmp_path / "none"))
    with pytest.raises(AssertionError, match="import cycle"):
        test_no_import_cycles()
