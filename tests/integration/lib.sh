#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Helpers for the integration tests: they boot real EVMs on KVM.
# ctest passes DE_BIN (build/bin), DE_IMAGE (image.bin) and DE_TEST_BIN.
set -euo pipefail

: "${DE_BIN:?DE_BIN must point at build/bin}"
: "${DE_IMAGE:?DE_IMAGE must point at image.bin}"
: "${DE_TEST_BIN:?DE_TEST_BIN must point at the test helpers}"

SVC_PID=
WORK=$(mktemp -d /tmp/de-test.XXXXXX)
RUNDIR=$WORK/run
LOG=$WORK/service.log

# dectl against this test's service.
dectl() { "$DE_BIN/dectl" --runtime-dir "$RUNDIR" "$@"; }

# Waits up to 5 s until the service lists no enclave; else fails with
# "MESSAGE: <what dectl enclaves shows>".
wait_no_enclaves() {
	for _ in $(seq 100); do
		[ "$(dectl enclaves --json | jq '.enclaves | length')" = 0 ] && return 0
		sleep 0.05
	done
	fail "$1: $(dectl enclaves)"
}

cleanup() {
	if [ -n "$SVC_PID" ] && kill -0 "$SVC_PID" 2>/dev/null; then
		kill -TERM "$SVC_PID" 2>/dev/null || true
		wait "$SVC_PID" 2>/dev/null || true
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	if [ -s "$LOG" ]; then
		echo "  service log:"
		tail -n 40 "$LOG" | sed 's/^/  | /'
	fi
	exit 1
}

pass() {
	echo "ok: $*"
}

require_kvm() {
	if [ ! -c /dev/kvm ] || [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		echo "SKIP: /dev/kvm is missing or not accessible; this test boots a real EVM and cannot run here"
		exit 77
	fi
}

# The highest-numbered online CPU: where the service pins a single vCPU.
last_cpu() {
	local online
	online=$(cat /sys/devices/system/cpu/online)
	echo "${online##*[-,]}"
}

# write_config FILE ["key = value" ...]: three test defaults (image,
# memory_mib, runtime_dir, on lines 1-3) unless overridden, then the given
# lines in order.
write_config() {
	local file=$1 key
	shift
	{
		for kv in "image = $DE_IMAGE" "memory_mib = 64" "runtime_dir = $RUNDIR"; do
			key=${kv%% =*}
			printf '%s\n' "$@" | grep -q "^$key =" || echo "$kv"
		done
		for kv in "$@"; do echo "$kv"; done
	} >"$file"
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# start_service CONFIG: starts the service in the background (SVC_PID).
start_service() {
	"$DE_BIN/de_platform_service" --config "$1" >>"$LOG" 2>&1 &
	SVC_PID=$!
}

# wait_ready [TIMEOUT_MS]: waits until dectl reports a running EVM.
wait_ready() {
	local limit=${1:-5000} t0
	t0=$(now_ms)
	while :; do
		if "$DE_BIN/dectl" --runtime-dir "$RUNDIR" status --json >"$WORK/status.json" 2>/dev/null &&
			[ "$(jq -r .state "$WORK/status.json")" = running ]; then
			return 0
		fi
		kill -0 "$SVC_PID" 2>/dev/null || fail "the service exited before it was ready"
		[ $(($(now_ms) - t0)) -lt "$limit" ] || fail "not ready within $limit ms"
		sleep 0.01
	done
}

# stop_service: SIGTERM and wait; sets SVC_STATUS and SVC_STOP_MS.
stop_service() {
	local t0
	t0=$(now_ms)
	kill -TERM "$SVC_PID"
	SVC_STATUS=0
	wait "$SVC_PID" || SVC_STATUS=$?
	SVC_STOP_MS=$(($(now_ms) - t0))
	SVC_PID=
}
