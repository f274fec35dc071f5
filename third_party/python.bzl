"""The headers of Debian's python3, found by asking it (sysconfig), for the
Bazel-built module (//python:_netflower.so). Nothing is downloaded; the
pip-built module takes the headers of whichever interpreter builds it
(python/backend/netflower_backend.py)."""

def _python_headers_impl(ctx):
    python = ctx.path("/usr/bin/python3") if ctx.path("/usr/bin/python3").exists else ctx.which("python3")
    if python == None:
        fail("no python3 (Debian: apt-get install python3-dev)")
    result = ctx.execute([python, "-c", "import sysconfig; print(sysconfig.get_path('include'))"])
    if result.return_code != 0:
        fail("python3 could not say where its headers are: " + result.stderr)
    include = result.stdout.strip()
    if not ctx.path(include + "/Python.h").exists:
        fail("no Python.h in " + include + ": apt-get install python3-dev")
    ctx.symlink(include, "include")
    ctx.file("BUILD", """cc_library(
    name = "python_headers",
    hdrs = glob(["include/**/*.h"]),
    includes = ["include"],
    visibility = ["//visibility:public"],
)
""")

python_headers = repository_rule(
    implementation = _python_headers_impl,
    local = True,
)
