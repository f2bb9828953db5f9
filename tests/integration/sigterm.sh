#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# SIGTERM: exit 0 within 1 s, runtime dir cleaned, a new instance starts.
# dectl stop does the same.
source "$(dirname "$0")/lib.sh"
require_kvm

write_config "$WORK/enclave.conf"
start_service "$WORK/enclave.conf"
wait_ready 5000
pid=$SVC_PID
stop_service
[ "$SVC_STATUS" = 0 ] || fail "exit status $SVC_STATUS after SIGTERM"
[ "$SVC_STOP_MS" -le 1000 ] || fail "took $SVC_STOP_MS ms to stop (limit 1000)"
[ ! -e "$RUNDIR" ] || fail "runtime dir not cleaned: $(ls -la "$RUNDIR")"
! kill -0 "$pid" 2>/dev/null || fail "process still alive"
grep -q "guest memory zeroed" "$LOG" || fail "no memory-zeroed message"
pass "SIGTERM: exit 0 in $SVC_STOP_MS ms, runtime dir removed"

# A pre-existing runtime dir is kept, but emptied of what the service made.
mkdir -p "$RUNDIR"
start_service "$WORK/enclave.conf"
wait_ready 5000
pass "a new instance starts after the first stopped"
out=$("$DE_BIN/dectl" --runtime-dir "$RUNDIR" stop) || fail "dectl stop: $out"
status=0
timeout 5 tail --pid="$SVC_PID" -f /dev/null || fail "service did not exit after dectl stop"
wait "$SVC_PID" || status=$?
SVC_PID=
[ "$status" = 0 ] || fail "exit status $status after dectl stop"
[ -d "$RUNDIR" ] && [ -z "$(ls -A "$RUNDIR")" ] || fail "runtime dir not emptied: $(ls -A "$RUNDIR")"
pass "dectl stop: exit 0, runtime dir emptied"

out=$("$DE_BIN/dectl" --runtime-dir "$RUNDIR" status 2>&1) && fail "dectl status with no service succeeded"
echo "$out" | grep -q "de_platform_service is not running" || fail "dectl message: $out"
pass "dectl without a service: $out"
