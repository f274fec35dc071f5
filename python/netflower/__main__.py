"""`python -m netflower ...` and the `netflower` console script: the
command-line tool the wheel carries (netflower/_bin/netflower), with the
same arguments, exit status and signals (the process becomes the tool)."""
import os
import sys


def main():
    """Runs the bundled netflower command with this process's arguments."""
    tool = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_bin", "netflower")
    if not os.access(tool, os.X_OK):
        sys.exit(f"netflower: the command-line tool is not in this installation ({tool}); "
                 "install the package with pip (pip install .) or use bazel-bin/tools/netflower")
    os.execv(tool, ["netflower", *sys.argv[1:]])


if __name__ == "__main__":
    main()
