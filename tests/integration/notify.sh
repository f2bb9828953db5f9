#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# systemd Type=notify: READY=1 arrives only once the EVM is ready.
source "$(dirname "$0")/lib.sh"
require_kvm

sock=$WORK/notify.sock
"$DE_TEST_BIN/notify_listener" "$sock" >"$WORK/notify.out" &
listener=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.01; done
write_config "$WORK/enclave.conf"
NOTIFY_SOCKET=$sock start_service "$WORK/enclave.conf"
wait_ready 5000
for _ in $(seq 100); do grep -q READY=1 "$WORK/notify.out" && break; sleep 0.01; done
grep -q "READY=1" "$WORK/notify.out" || fail "no READY=1: $(cat "$WORK/notify.out")"
pass "READY=1 received: $(tr '\n' ' ' <"$WORK/notify.out")"
stop_service
kill "$listener" 2>/dev/null || true
wait "$listener" 2>/dev/null || true
grep -q "STOPPING=1" "$WORK/notify.out" || fail "no STOPPING=1"
pass "STOPPING=1 received"
