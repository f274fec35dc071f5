"""netflower's PEP 517 build backend, kept in the repository (pyproject.toml
names it): the standard library only, nothing downloaded.

    pip install .                              # into any venv, conda env, pyenv
    pip install --no-build-isolation .         # the same; nothing to isolate
    python3 -m build --no-isolation            # a wheel and an sdist
    pip wheel --no-build-isolation --no-deps . # a wheel for this interpreter

build_wheel builds the C++ library and the command-line tool with Bazel
(tools/install.sh into a scratch prefix: Debian's packages only), compiles
the `_netflower` module for the interpreter running the build — its include
directory and extension suffix from sysconfig, nothing hard-coded — and
packs the module, the package's Python files and type stubs, and the CLI
binary (netflower/_bin/netflower), which the `netflower` console script and
`python -m netflower` run. build_sdist packs the source tree (what git
tracks, or every file of an unpacked sdist) with PKG-INFO and the commit, so
that the sdist builds from scratch.
"""

import base64
import hashlib
import io
import os
import re
import shutil
import stat
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import zipfile

NAME = "netflower"
SUMMARY = ("Packets to bidirectional network flows with CICFlowMeter-style features: "
           "pcap/pcapng files, stdin and live Linux interfaces")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _version():
    """netflower.h's kVersion as PEP 440 ("2.0.0-dev" -> "2.0.0.dev0")."""
    header = open(os.path.join(ROOT, "netflower", "netflower.h"), encoding="utf-8").read()
    version = re.search(r'kVersion\[\] = "([^"]+)"', header).group(1)
    return version.replace("-dev", ".dev0")


def _commit():
    """The commit the sources are (a checkout's, or the one an sdist recorded)."""
    recorded = os.path.join(ROOT, "COMMIT")
    if os.path.exists(recorded):
        return open(recorded, encoding="ascii").read().strip()
    try:
        return subprocess.run(["git", "-C", ROOT, "rev-parse", "--short=12", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def _metadata():
    return (f"Metadata-Version: 2.1\nName: {NAME}\nVersion: {_version()}\nSummary: {SUMMARY}\n"
            "License: see the source\nRequires-Python: >=3.9\n"
            "Provides-Extra: pandas\nRequires-Dist: pandas; extra == \"pandas\"\n"
            "Provides-Extra: dask\nRequires-Dist: distributed; extra == \"dask\"\n"
            "Description-Content-Type: text/markdown\n\n"
            + open(os.path.join(ROOT, "README.md"), encoding="utf-8").read())


def _run(cmd, **kw):
    print("netflower_backend:", " ".join(cmd), file=sys.stderr, flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT, **kw)


def _build_native(scratch):
    """The CLI and the static library (tools/install.sh), then _netflower for
    this interpreter. Returns (module path, cli path)."""
    prefix = os.path.join(scratch, "prefix")
    # Bazel's output goes to stderr: pip shows it on failure, and stdout stays
    # for the frontend.
    _run(["tools/install.sh", "--prefix", prefix], stdout=sys.stderr)
    include = sysconfig.get_path("include")
    if not os.path.exists(os.path.join(include, "Python.h")):
        raise RuntimeError(f"no Python.h in {include}: install this Python's headers "
                           f"(Debian: python3-dev for /usr/bin/python3)")
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(prefix, "lib", "pkgconfig"))
    libs = subprocess.run(["pkg-config", "--static", "--libs", "netflower"], env=env,
                          capture_output=True, text=True, check=True).stdout.split()
    libs = [flag for flag in libs if flag not in ("-lnetflower", f"-L{prefix}/lib")]
    build_info = os.path.join(scratch, "build_info.cc")
    with open(build_info, "w", encoding="ascii") as f:
        f.write('#include "tools/build_info.h"\n'
                f'namespace netflower {{ const char kBuildCommit[] = "{_commit()}"; }}\n')
    module = os.path.join(scratch, "_netflower" + suffix)
    cxx = os.environ.get("CXX", "c++")
    # The flags the Bazel build uses for the library (.bazelrc): bit-exact
    # floating point, hidden symbols (pybind11 wants them).
    _run([cxx, "-std=c++20", "-O2", "-fPIC", "-shared", "-fvisibility=hidden",
          "-fvisibility-inlines-hidden", "-ffp-contract=off", "-fno-fast-math",
          "-I", ROOT, "-isystem", include, "python/_netflower.cc", "python/py_options.cc",
          build_info,
          os.path.join(prefix, "lib", "libnetflower.a"), *libs, "-o", module])
    return module, os.path.join(prefix, "bin", "netflower")


def _tag():
    impl = f"cp{sys.version_info.major}{sys.version_info.minor}"
    abi = impl + getattr(sys, "abiflags", "")
    platform = sysconfig.get_platform().replace("-", "_").replace(".", "_")
    return f"{impl}-{abi}-{platform}"


class _Wheel:
    """A wheel being written: files, then dist-info with RECORD."""

    def __init__(self, path, dist_info):
        self.zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)
        self.dist_info = dist_info
        self.records = []

    def add(self, arcname, data, executable=False):
        info = zipfile.ZipInfo(arcname, date_time=(2026, 1, 1, 0, 0, 0))
        info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        self.zip.writestr(info, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        self.records.append(f"{arcname},sha256={digest},{len(data)}")

    def close(self):
        self.records.append(f"{self.dist_info}/RECORD,,")
        self.zip.writestr(f"{self.dist_info}/RECORD", "\n".join(self.records) + "\n")
        self.zip.close()


# --- PEP 517 hooks ---------------------------------------------------------

def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    version = _version()
    name = f"{NAME}-{version}-{_tag()}.whl"
    dist_info = f"{NAME}-{version}.dist-info"
    scratch = tempfile.mkdtemp(prefix="netflower-wheel.")
    try:
        module, cli = _build_native(scratch)
        wheel = _Wheel(os.path.join(wheel_directory, name), dist_info)
        package = os.path.join(ROOT, "python", "netflower")
        for file in sorted(os.listdir(package)):
            if file.endswith((".py", ".pyi")) or file == "py.typed":
                wheel.add(f"netflower/{file}", open(os.path.join(package, file), "rb").read())
        wheel.add(f"netflower/{os.path.basename(module)}", open(module, "rb").read(),
                  executable=True)
        wheel.add("netflower/_bin/netflower", open(cli, "rb").read(), executable=True)
        wheel.add(f"{dist_info}/METADATA", _metadata().encode())
        wheel.add(f"{dist_info}/WHEEL", (
            "Wheel-Version: 1.0\nGenerator: netflower_backend\nRoot-Is-Purelib: false\n"
            f"Tag: {_tag()}\n").encode())
        wheel.add(f"{dist_info}/entry_points.txt",
                  b"[console_scripts]\nnetflower = netflower.__main__:main\n")
        wheel.add(f"{dist_info}/top_level.txt", b"netflower\n")
        wheel.close()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if not os.path.isdir(os.path.join(ROOT, ".git")):
            # An unpacked sdist is thrown away after this build: so is its
            # Bazel output tree (about a gigabyte).
            subprocess.run(["bazel", "clean", "--expunge"], cwd=ROOT, stdout=sys.stderr,
                           stderr=sys.stderr, check=False)
    return name


def _source_files():
    """What an sdist holds: git's files in a checkout, else the whole tree."""
    if os.path.isdir(os.path.join(ROOT, ".git")):
        out = subprocess.run(["git", "-C", ROOT, "ls-files", "-co", "--exclude-standard", "-z"],
                             capture_output=True, check=True).stdout
        files = [f for f in out.decode().split("\0") if f]
    else:
        files = []
        for folder, dirs, names in os.walk(ROOT):
            dirs[:] = [d for d in dirs if not d.startswith("bazel-")]
            files += [os.path.relpath(os.path.join(folder, n), ROOT) for n in names]
    return sorted(f for f in files if os.path.isfile(os.path.join(ROOT, f))
                  and f not in ("PKG-INFO", "COMMIT"))


def build_sdist(sdist_directory, config_settings=None):
    version = _version()
    top = f"{NAME}-{version}"
    name = f"{top}.tar.gz"

    def added(info):
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        info.mtime = 1767225600  # 2026-01-01: the same sources give the same bytes
        return info

    with tarfile.open(os.path.join(sdist_directory, name), "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for file in _source_files():
            tar.add(os.path.join(ROOT, file), arcname=f"{top}/{file}", filter=added)
        for extra, text in (("PKG-INFO", _metadata()), ("COMMIT", _commit() + "\n")):
            data = text.encode()
            info = added(tarfile.TarInfo(f"{top}/{extra}"))
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return name
