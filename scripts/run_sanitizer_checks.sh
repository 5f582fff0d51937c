#!/usr/bin/env bash
# The sanitizer stage of the test suite (README.md, "Tests"): builds the library, the CLI (without
# `reproduce`), the core tests and the libFuzzer targets with clang, AddressSanitizer and UndefinedBehaviorSanitizer
# (-O0: the build is the expensive part, these tests are small), runs the core tests and the CLI
# contract tests, then fuzzes each reader for FUZZ_SECONDS (default 10) from the seed corpus in
# tests/fuzz/corpus. Any sanitizer report, crash or fuzz finding fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${SANITIZE_BUILD_DIR:-build-sanitize}
seconds=${FUZZ_SECONDS:-10}
start=$(date +%s)

CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG="-O0 -g1" -DVARSPHERE_SANITIZE=ON -DVARSPHERE_BUILD_FUZZERS=ON \
  -DVARSPHERE_CLI_REPRODUCE=OFF -DVARSPHERE_BUILD_PYTHON=OFF -DVARSPHERE_WITH_MPI=OFF >/dev/null
core_tests=(test_sphere test_geometry_properties test_reference_geometry test_ceres_manifold
            test_io test_random test_trajectory_io test_stationary test_attention_field
            test_node_block_bvp test_sweep test_second_order test_attention_fit)
# (test_node_block_bvp runs as test_node_block_bvp_sanitized here: tests/CMakeLists.txt)
fuzzers=(fuzz_csv_points fuzz_csv_matrix fuzz_trajectory_csv fuzz_trajectory_h5)
cmake --build "$build" --target varsphere "${core_tests[@]}" "${fuzzers[@]}"
built=$(date +%s)

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
joined="$(IFS='|'; echo "${core_tests[*]}")|test_node_block_bvp_sanitized|test_attention_fit_sanitized|test_second_order_sanitized"
pattern="^(${joined}|cli_.*)\$"
# `reproduce` is left out of this CLI (it is a third of the build and its table the slowest CLI
# test); the main build runs it, and the two CLI tests that need seconds of optimized compute (a
# killed and resumed sweep of 300 flows, a BVP interrupted mid-solve), whose code the sanitizers
# see through test_sweep and test_node_block_bvp. MPI is left out of this build (Open MPI's own
# allocations would be reported as leaks).
ctest --test-dir "$build" --output-on-failure -j2 -R "$pattern" \
  -E "cli_reproduce|cli_sweep_runs|cli_interrupted_solve"
tested=$(date +%s)

# Two fuzzers at a time (two cores); each starts from a copy of its seed corpus.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run_fuzzer() {
  local name=$1 corpus=$2
  mkdir -p "$work/$name"
  cp tests/fuzz/corpus/"$corpus"/* "$work/$name/"
  if ! "$build/tests/fuzz/$name" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
       -rss_limit_mb=4096 -artifact_prefix="$work/$name-" "$work/$name" >"$work/$name.log" 2>&1; then
    echo "fuzz: $name found a problem:"; tail -40 "$work/$name.log"; return 1
  fi
  echo "fuzz: $name: $(grep -o 'stat::number_of_executed_units: [0-9]*' "$work/$name.log" ||
                          grep -Eo '#[0-9]+' "$work/$name.log" | tail -1) runs, no finding"
}
status=0
run_fuzzer fuzz_csv_points csv_points & a=$!
run_fuzzer fuzz_csv_matrix csv_matrix & b=$!
wait $a || status=1; wait $b || status=1
run_fuzzer fuzz_trajectory_csv trajectory_csv & a=$!
run_fuzzer fuzz_trajectory_h5 trajectory_h5 & b=$!
wait $a || status=1; wait $b || status=1
end=$(date +%s)
echo "sanitizer stage: build $((built - start)) s, tests $((tested - built)) s," \
     "fuzzing $((end - tested)) s (${seconds} s per target)"
exit $status
