#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The service boots a 1-vCPU, 64 MiB EVM within 1 s; dectl reports it
# correctly; the vCPU thread is pinned; guest memory is locked.
source "$(dirname "$0")/lib.sh"
require_kvm

cpu=$(last_cpu)
write_config "$WORK/enclave.conf" "cpu_count = 1"
t0=$(now_ms)
start_service "$WORK/enclave.conf"
wait_ready 1000
pass "ready in $(($(now_ms) - t0)) ms (limit 1000 ms)"

s=$WORK/status.json
[ "$(jq -r .state "$s")" = running ] || fail "state is not running"
[ "$(jq '.vcpus | length' "$s")" = 1 ] || fail "expected 1 vCPU: $(cat "$s")"
[ "$(jq '.vcpus[0].id' "$s")" = 0 ] || fail "vCPU id"
[ "$(jq '.vcpus[0].host_cpu' "$s")" = "$cpu" ] || fail "vCPU 0 should be on CPU $cpu: $(cat "$s")"
[ "$(jq .memory_mib "$s")" = 64 ] || fail "memory_mib"
[ "$(jq -r .image "$s")" = "$DE_IMAGE" ] || fail "image path"
[ "$(jq -r .image_sha256 "$s")" = "$(sha256sum "$DE_IMAGE" | cut -d' ' -f1)" ] || fail "image_sha256"
[ "$(jq .debug "$s")" = false ] || fail "debug should default to false"
[ "$(jq .pid "$s")" = "$SVC_PID" ] || fail "pid"
jq -e '.boot_ms > 0 and .boot_ms < 1000 and .uptime_s >= 0' "$s" >/dev/null || fail "boot_ms/uptime_s"
pass "dectl status --json: $(cat "$s")"

tid=$(jq '.vcpus[0].tid' "$s")
allowed=$(awk '/^Cpus_allowed_list:/ {print $2}' "/proc/$SVC_PID/task/$tid/status")
[ "$allowed" = "$cpu" ] || fail "vCPU thread $tid may run on CPUs '$allowed', expected '$cpu'"
pass "vCPU thread $tid pinned to CPU $allowed"

locked=$(awk '/^VmLck:/ {print $2}' "/proc/$SVC_PID/status")
[ "$locked" -ge $((64 * 1024)) ] || fail "only $locked kB locked, expected >= 65536"
jq -e '.memory_locked == true' "$s" >/dev/null || fail "memory_locked should be true"
pass "guest memory locked ($locked kB)"

"$DE_BIN/dectl" --runtime-dir "$RUNDIR" status | grep -q "0->cpu$cpu" || fail "human status output"
pass "dectl status (human) shows the vCPU mapping"

stop_service
[ "$SVC_STATUS" = 0 ] || fail "exit status $SVC_STATUS after SIGTERM"
