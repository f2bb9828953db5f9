#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Hybrid vsock to the guest echo port: 1 MiB intact, 8 connections at once,
# closing mid-stream does not wedge the device, unknown ports are refused.
source "$(dirname "$0")/lib.sh"
require_kvm

write_config "$WORK/enclave.conf"
start_service "$WORK/enclave.conf"
wait_ready 5000
sock=$RUNDIR/vsock.sock
client=$DE_TEST_BIN/vsock_client

out=$(timeout 60 "$client" "$sock" --bytes 1048576) || fail "1 MiB echo: $out"
pass "$out"
out=$(timeout 60 "$client" "$sock" --conns 8 --bytes 1048576) || fail "8 connections: $out"
pass "$out"
out=$(timeout 60 "$client" "$sock" --conns 8 --bytes 8388608 --abort-after 200000) || fail "abort: $out"
pass "$out"
out=$(timeout 60 "$client" "$sock" --conns 8 --bytes 1048576) || fail "after aborts: $out"
pass "still works after closing mid-stream: $out"
out=$(timeout 20 "$client" "$sock" --port 4242 --expect-refused) || fail "unknown port: $out"
pass "connection to a port nobody serves: $out"
out=$(printf 'HELLO\n' | timeout 5 socat -t 2 - "UNIX-CONNECT:$sock" 2>&1 || true)
echo "$out" | grep -q '^ERR' || fail "a malformed CONNECT line should get ERR, got: $out"
pass "malformed CONNECT line refused: $out"
out=$(timeout 60 "$client" "$sock" --conns 4 --bytes 262144) || fail "after bad client: $out"
pass "$out"

stop_service
[ "$SVC_STATUS" = 0 ] || fail "exit status $SVC_STATUS"
