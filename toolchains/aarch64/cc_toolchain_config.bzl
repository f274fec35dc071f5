"""A C++ toolchain for aarch64 Linux from Debian's crossbuild-essential-arm64.

The compiler is /usr/bin/aarch64-linux-gnu-gcc (GCC 12); headers and
libraries of the :arm64 Debian packages live under /usr/include and
/usr/lib/aarch64-linux-gnu, which that compiler searches by itself.
"""

load(
    "@bazel_tools//tools/cpp:cc_toolchain_config_lib.bzl",
    "feature",
    "flag_group",
    "flag_set",
    "tool_path",
)
load("@bazel_tools//tools/build_defs/cc:action_names.bzl", "ACTION_NAMES")

_COMPILE_ACTIONS = [
    ACTION_NAMES.assemble,
    ACTION_NAMES.preprocess_assemble,
    ACTION_NAMES.c_compile,
    ACTION_NAMES.cpp_compile,
    ACTION_NAMES.cpp_header_parsing,
    ACTION_NAMES.cpp_module_compile,
    ACTION_NAMES.linkstamp_compile,
]

_LINK_ACTIONS = [
    ACTION_NAMES.cpp_link_executable,
    ACTION_NAMES.cpp_link_dynamic_library,
    ACTION_NAMES.cpp_link_nodeps_dynamic_library,
]

def _flags(actions, flags):
    return flag_set(actions = actions, flag_groups = [flag_group(flags = flags)])

def _impl(ctx):
    prefix = "/usr/bin/aarch64-linux-gnu-"
    tools = ["ar", "cpp", "gcc", "gcov", "ld", "nm", "objcopy", "objdump", "strip"]
    features = [
        feature(
            name = "default_compile_flags",
            enabled = True,
            flag_sets = [_flags(_COMPILE_ACTIONS, [
                "-U_FORTIFY_SOURCE",
                "-fstack-protector",
                "-fno-omit-frame-pointer",
                # Bit-exact floating point (FLOW-SPEC §8.1). GCC contracts
                # a*b+c into FMA by default on aarch64; .bazelrc says the
                # same for every config, this keeps it true for this
                # toolchain on its own.
                "-ffp-contract=off",
                "-fno-fast-math",
                # Reproducible builds: no timestamps baked in.
                "-Wno-builtin-macro-redefined",
                "-D__DATE__=\"redacted\"",
                "-D__TIMESTAMP__=\"redacted\"",
                "-D__TIME__=\"redacted\"",
            ])],
        ),
        feature(
            name = "default_link_flags",
            enabled = True,
            flag_sets = [_flags(_LINK_ACTIONS, [
                "-lstdc++",
                "-lm",
                "-Wl,-z,relro,-z,now",
            ])],
        ),
        feature(name = "dbg", flag_sets = [_flags(_COMPILE_ACTIONS, ["-g", "-O0"])]),
        feature(
            name = "opt",
            flag_sets = [
                _flags(_COMPILE_ACTIONS, [
                    "-O2",
                    "-DNDEBUG",
                    "-ffunction-sections",
                    "-fdata-sections",
                ]),
                _flags(_LINK_ACTIONS, ["-Wl,--gc-sections"]),
            ],
        ),
        feature(name = "supports_pic", enabled = True),
    ]
    return cc_common.create_cc_toolchain_config_info(
        ctx = ctx,
        features = features,
        cxx_builtin_include_directories = [
            "/usr/lib/gcc-cross/aarch64-linux-gnu/12/include",
            "/usr/aarch64-linux-gnu/include",
            "/usr/include/aarch64-linux-gnu",
            "/usr/include",
        ],
        toolchain_identifier = "aarch64-linux-gnu",
        host_system_name = "x86_64-unknown-linux-gnu",
        target_system_name = "aarch64-unknown-linux-gnu",
        target_cpu = "aarch64",
        target_libc = "glibc_2.36",
        compiler = "gcc",
        abi_version = "gcc",
        abi_libc_version = "glibc_2.36",
        tool_paths = [tool_path(name = t, path = prefix + t) for t in tools],
    )

cc_toolchain_config = rule(
    implementation = _impl,
    attrs = {},
    provides = [CcToolchainConfigInfo],
)
