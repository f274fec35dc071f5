"""Runs the package's tests (python/tests) against whatever `netflower` this
interpreter imports — for an installed wheel, from outside the source tree.

    python run_suite.py [TEST_FILE ...]

With pytest importable (Debian's python3-pytest) this is pytest. An
interpreter without it (pyenv's have no pytest, and nothing is downloaded
here) gets a small stand-in for the pytest features the tests use: raises,
fail, module fixtures, skipif, tmp_path, tmp_path_factory, monkeypatch. A
test module that needs a library this interpreter lacks (pandas,
distributed, confluent_kafka) is reported as not run, with the library's
name; every other test runs. Exit status 1 if any test failed.
"""
import contextlib
import importlib.util
import inspect
import os
import pathlib
import re
import shutil
import sys
import tempfile
import traceback
import types

HERE = pathlib.Path(__file__).resolve().parent
# What a test may need that an interpreter need not have (Debian's python3
# has them all: python3-pandas, python3-distributed, python3-confluent-kafka).
OPTIONAL_LIBRARIES = {"numpy", "pandas", "distributed", "confluent_kafka"}


def run_with_pytest(files):
    import pytest
    return pytest.main(["-q", "-p", "no:cacheprovider", *files])


# --- the stand-in ----------------------------------------------------------

class _Raises:
    def __init__(self, expected, match=None):
        self.expected, self.match = expected, match

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        if kind is None:
            raise AssertionError(f"DID NOT RAISE {self.expected}")
        if not issubclass(kind, self.expected):
            return False
        if self.match is not None and not re.search(self.match, str(value)):
            raise AssertionError(f"{str(value)!r} does not match {self.match!r}")
        return True


class _Skip(Exception):
    pass


def _fixture(function=None, scope="function"):
    def mark(f):
        f._fixture_scope = scope
        return f
    return mark(function) if function is not None else mark


def _skipif(condition, reason=""):
    def mark(f):
        f._skip = (condition, reason)
        return f
    return mark


def _fail(message):
    raise AssertionError(message)


def _skip_now(reason):
    raise _Skip(reason)


class _MonkeyPatch:
    def __init__(self):
        self._undo = []

    def setenv(self, name, value):
        old = os.environ.get(name)
        os.environ[name] = value
        self._undo.append(lambda: os.environ.pop(name, None) if old is None
                          else os.environ.__setitem__(name, old))
        if name == "TZ" and hasattr(__import__("time"), "tzset"):
            self._undo.append(__import__("time").tzset)

    def setitem(self, mapping, key, value):
        missing = key not in mapping
        old = mapping.get(key)
        mapping[key] = value
        self._undo.append(lambda: mapping.pop(key, None) if missing
                          else mapping.__setitem__(key, old))

    def setattr(self, target, name, value):
        old = getattr(target, name)
        setattr(target, name, value)
        self._undo.append(lambda: setattr(target, name, old))

    def undo(self):
        while self._undo:
            self._undo.pop()()


def install_stand_in():
    module = types.ModuleType("pytest")
    module.raises = _Raises
    module.fail = _fail
    module.skip = _skip_now
    module.fixture = _fixture
    module.mark = types.SimpleNamespace(skipif=_skipif)
    sys.modules["pytest"] = module


def run_module(path, scratch):
    """Runs one test module's tests; returns (passed, failed, notes)."""
    name = path.stem
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except ImportError as e:
        if e.name not in OPTIONAL_LIBRARIES:
            raise
        return 0, 0, [f"{name}: not run, this interpreter has no {e.name}"]
    fixtures = {n: f for n, f in vars(module).items() if hasattr(f, "_fixture_scope")}
    module_values, finalizers = {}, []
    passed = failed = 0
    notes = []
    for test_name, test in list(vars(module).items()):
        if not (test_name.startswith("test_") and inspect.isfunction(test)):
            continue
        condition, reason = getattr(test, "_skip", (False, ""))
        if condition:
            notes.append(f"{name}::{test_name}: skipped, {reason}")
            continue
        patch = _MonkeyPatch()
        try:
            args = []
            for parameter in inspect.signature(test).parameters:
                if parameter == "tmp_path":
                    args.append(pathlib.Path(tempfile.mkdtemp(dir=scratch)))
                elif parameter == "tmp_path_factory":
                    args.append(types.SimpleNamespace(
                        mktemp=lambda base: pathlib.Path(tempfile.mkdtemp(prefix=base, dir=scratch))))
                elif parameter == "monkeypatch":
                    args.append(patch)
                elif parameter in module_values:
                    args.append(module_values[parameter])
                else:
                    fixture = fixtures[parameter]
                    fixture_args = [types.SimpleNamespace(
                        mktemp=lambda base: pathlib.Path(tempfile.mkdtemp(prefix=base, dir=scratch)))
                        if p == "tmp_path_factory" else module_values[p]
                        for p in inspect.signature(fixture).parameters]
                    value = fixture(*fixture_args)
                    if inspect.isgenerator(value):
                        generator = value
                        value = next(generator)
                        finalizers.append(lambda g=generator: next(g, None))
                    module_values[parameter] = value
                    args.append(value)
            test(*args)
            passed += 1
        except _Skip as e:
            notes.append(f"{name}::{test_name}: skipped, {e}")
        except ImportError as e:
            missing = e.name or getattr(e.__cause__, "name", None)
            if missing not in OPTIONAL_LIBRARIES:
                failed += 1
                notes.append(f"FAILED {name}::{test_name}\n{traceback.format_exc()}")
            else:
                notes.append(f"{name}::{test_name}: not run, this interpreter has no {missing}")
        except Exception:  # noqa: BLE001 - a test's failure, reported with its traceback
            failed += 1
            notes.append(f"FAILED {name}::{test_name}\n{traceback.format_exc()}")
        finally:
            patch.undo()
    for finalize in reversed(finalizers):
        with contextlib.suppress(Exception):
            finalize()
    return passed, failed, notes


def run_with_stand_in(files):
    install_stand_in()
    scratch = tempfile.mkdtemp(prefix="netflower-tests.")
    total_passed = total_failed = 0
    try:
        for file in files:
            passed, failed, notes = run_module(pathlib.Path(file), scratch)
            total_passed += passed
            total_failed += failed
            for note in notes:
                print(note)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"{total_passed} passed, {total_failed} failed (stand-in runner, "
          f"Python {sys.version.split()[0]})")
    return 1 if total_failed else 0


def main():
    files = sys.argv[1:] or sorted(str(p) for p in HERE.glob("test_*.py"))
    if importlib.util.find_spec("pytest") is not None:
        return run_with_pytest(files)
    return run_with_stand_in(files)


if __name__ == "__main__":
    sys.exit(main())
