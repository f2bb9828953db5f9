#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A trusted OS that crashes stops the EVM with a register dump in the log;
# the service never hangs.
source "$(dirname "$0")/lib.sh"
require_kvm

: "${DE_CRASH_IMAGE:?}"
write_config "$WORK/enclave.conf" "debug = true" "image = $DE_CRASH_IMAGE"
status=0
timeout 10 "$DE_BIN/de_platform_service" --config "$WORK/enclave.conf" >"$LOG" 2>&1 || status=$?
[ "$status" = 1 ] || fail "exit status $status, expected 1 (124 means it hung)"
grep -q "manager fault (vector 14" "$LOG" || fail "no fault report"
grep -Eq "vCPU 0: rip=[0-9a-f]{16} rsp=" "$LOG" || fail "no register dump"
grep -q "EVM stopped before it was ready" "$LOG" || fail "no stop message"
[ ! -e "$RUNDIR" ] || fail "runtime dir left behind"
pass "crash reported with a register dump; service exited 1"
