"""A fuzz target: a libFuzzer binary under --config=fuzz, else a replayer."""

def fuzz_target(name, deps):
    native.cc_binary(
        name = name,
        srcs = [name + ".cc"] + select({
            "//tests/fuzz:fuzzing": [],
            "//conditions:default": ["replay_main.cc"],
        }),
        linkopts = select({
            "//tests/fuzz:fuzzing": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        deps = deps,
    )
