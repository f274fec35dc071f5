#!/usr/bin/env bash
# Bazel's workspace status (.bazelrc): the commit netflower --version names.
commit=$(git rev-parse --short=12 HEAD 2>/dev/null) || commit=unknown
if [[ $commit != unknown ]] && ! git diff --quiet HEAD 2>/dev/null; then commit+="-dirty"; fi
echo "STABLE_NETFLOWER_COMMIT $commit"
