"""The package's type stubs (netflower/__init__.pyi, dask.pyi) and its
docstrings agree with the code: every public name has a stub and a
docstring, and every function's parameters — names, order, kinds — are the
stub's and are named in its docstring."""
import ast
import inspect
import os

import netflower
import netflower.dask
import pathlib

# The repository's test data, wherever the tests run from (an installed
# package is tested from outside the source tree).
TESTDATA = pathlib.Path(__file__).resolve().parents[2] / "tests" / "testdata"


def stub_functions(module):
    path = os.path.splitext(module.__file__)[0] + ".pyi"
    tree = ast.parse(open(path, encoding="utf-8").read())
    found = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name not in found:
            found[node.name] = node  # the first of a set of overloads
        elif isinstance(node, ast.ClassDef):
            found[node.name] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            found[node.target.id] = node
    return found


def stub_parameters(node):
    a = node.args
    names = [(p.arg, "POSITIONAL_OR_KEYWORD") for p in a.posonlyargs + a.args]
    if a.vararg:
        names.append((a.vararg.arg, "VAR_POSITIONAL"))
    names += [(p.arg, "KEYWORD_ONLY") for p in a.kwonlyargs]
    if a.kwarg:
        names.append((a.kwarg.arg, "VAR_KEYWORD"))
    return names


def runtime_parameters(function):
    return [(p.name, p.kind.name) for p in inspect.signature(function).parameters.values()]


def check_function(name, function, stub):
    assert isinstance(stub, ast.FunctionDef), f"{name}: no function stub"
    assert stub_parameters(stub) == runtime_parameters(function), name
    doc = inspect.getdoc(function) or ""
    assert doc, f"{name} has no docstring"
    for parameter, kind in runtime_parameters(function):
        if kind == "VAR_KEYWORD":
            continue
        assert parameter in doc, f"{name}'s docstring does not name {parameter!r}"


def test_every_public_name_has_a_stub_and_a_docstring():
    stubs = stub_functions(netflower)
    for name in netflower.__all__ + ["__version__"]:
        assert name in stubs, f"netflower.{name} has no stub"
        value = getattr(netflower, name)
        if inspect.isfunction(value):
            check_function(f"netflower.{name}", value, stubs[name])
        elif inspect.isclass(value):
            assert inspect.getdoc(value), f"netflower.{name} has no docstring"


def test_class_members_match_their_stubs():
    stubs = stub_functions(netflower)
    handle = {n.name: n for n in stubs["CaptureHandle"].body if isinstance(n, ast.FunctionDef)}
    for name in ("start", "stop", "stats", "__enter__", "__exit__"):
        assert name in handle, f"CaptureHandle.{name} has no stub"
        member = getattr(netflower.CaptureHandle, name)
        if not isinstance(member, property):
            assert stub_parameters(handle[name]) == runtime_parameters(member), name
    kafka = [n.target.id for n in stubs["Kafka"].body if isinstance(n, ast.AnnAssign)]
    assert tuple(kafka) == netflower.Kafka._fields
    assert tuple(inspect.signature(netflower.Kafka).parameters) == netflower.Kafka._fields
    column = [n.target.id for n in stubs["Column"].body if isinstance(n, ast.AnnAssign)]
    assert tuple(column) == netflower.columns[0]._fields


def test_the_stats_dict_has_the_stubs_keys(tmp_path):
    stubs = stub_functions(netflower)
    keys = [n.target.id for n in stubs["RunStats"].body if isinstance(n, ast.AnnAssign)]
    _, stats = netflower.convert_pcap_to_csv(TESTDATA / "loopback-web.pcap",
                                             tmp_path / "s.csv", return_stats=True)
    assert sorted(stats) == sorted(keys)
    for sub in ("FlowsByReason", "KafkaStats"):
        fields = [n.target.id for n in stubs[sub].body if isinstance(n, ast.AnnAssign)]
        value = stats["flows_by_reason" if sub == "FlowsByReason" else "kafka"]
        assert sorted(value) == sorted(fields), sub


def test_dask_stub():
    check_function("netflower.dask.convert_files", netflower.dask.convert_files,
                   stub_functions(netflower.dask)["convert_files"])
