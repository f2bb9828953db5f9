#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Runs the whole test suite, as CI does:
#   1. build/       release build: unit, integration (real EVMs on KVM) and tool tests
#   2. build-asan/  the same with AddressSanitizer and UndefinedBehaviorSanitizer
#   3. build-fuzz/  libFuzzer targets (clang), each run for a bounded time
# Installs missing packages first when run as root. Exit status 0 only if
# every stage passed. KVM tests skip loudly when /dev/kvm is not usable.
set -uo pipefail
shopt -s lastpipe
cd "$(dirname "$0")/.."

jobs=$(nproc)
failed=0
summary=()
total_passed=0
total_failed=0

./scripts/setup.sh || exit 1

if [ ! -c /dev/kvm ]; then
	echo "WARNING: /dev/kvm is missing: the KVM integration tests will be skipped"
fi

stage() {
	local name=$1 dir=$2 ctest_args=$3
	shift 3
	echo "=== $name: configure and build ($dir)"
	if ! cmake -S . -B "$dir" -G Ninja "$@" >"$dir.configure.log" 2>&1; then
		cat "$dir.configure.log"
		summary+=("$name: configure FAILED")
		failed=1
		return
	fi
	rm -f "$dir.configure.log"
	if ! cmake --build "$dir" -j "$jobs"; then
		summary+=("$name: build FAILED")
		failed=1
		return
	fi
	echo "=== $name: ctest $ctest_args"
	# shellcheck disable=SC2086
	if ctest --test-dir "$dir" --output-on-failure $ctest_args | tee "$dir.ctest.log"; then
		summary+=("$name: passed")
	else
		summary+=("$name: tests FAILED")
		failed=1
	fi
	# "N% tests passed, F tests failed out of T"
	local line f t
	line=$(grep -E 'tests failed out of [0-9]+' "$dir.ctest.log" | tail -n 1)
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/')
	t=$(echo "$line" | sed -E 's/.* tests failed out of ([0-9]+).*/\1/')
	if [ -n "$line" ]; then
		total_failed=$((total_failed + f))
		total_passed=$((total_passed + t - f))
	fi
}

stage release build "" -DCMAKE_BUILD_TYPE=RelWithDebInfo
stage sanitizers build-asan "-LE fuzz" -DCMAKE_BUILD_TYPE=Debug -DDE_SANITIZE=ON
CC=clang stage fuzz build-fuzz "-L fuzz" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDE_FUZZ=ON -DDE_BUILD_EVM=OFF

echo
echo "=== summary"
for s in "${summary[@]}"; do echo "  $s"; done
echo "tests: $total_passed passed, $total_failed failed"
exit $failed
