#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The call path end to end in a real EVM (tests/integration/echo_app.c with
# the echo enclave): every kind of call and refusal; 16 application threads
# on 4 TCS for 10 s, correct, with OUT_OF_TCS only as the answer to a busy
# enclave; an enclave that faults mid-call; an application killed with
# SIGKILL in the middle of an ECALL, after which the next one works.
source "$(dirname "$0")/lib.sh"
require_kvm
app=$DE_TEST_BIN/echo_app
enclave=$DE_ENCLAVES/echo.signed.so

write_config "$WORK/enclave.conf" "debug = true"
start_service "$WORK/enclave.conf"
wait_ready 5000
export DE_RUNTIME_DIR=$RUNDIR

out=$(timeout 60 "$app" "$enclave" basic) || fail "basic calls:
$out"
echo "$out"
wait_no_enclaves "after basic: enclaves left"

# 4 threads on 4 TCS never see OUT_OF_TCS; 16 threads do, and nothing else.
out=$(timeout 60 "$app" "$enclave" threads 4 3) || fail "4 threads: $out"
echo "$out"
echo "$out" | grep -q " 0 OUT_OF_TCS, 0 wrong, 0 other" || fail "4 threads on 4 TCS: $out"
out=$(timeout 60 "$app" "$enclave" threads 16 10) || fail "16 threads: $out"
echo "$out"
echo "$out" | grep -q "0 wrong, 0 other errors" || fail "16 threads: $out"
pass "16 application threads on 4 TCS for 10 s: all results correct"
wait_no_enclaves "after the threads: enclaves left"

out=$(timeout 60 "$app" "$enclave" crash) || fail "crash: $out"
echo "$out"
wait_no_enclaves "after the crash: enclaves left"

"$app" "$enclave" hang >"$WORK/hang.out" 2>&1 &
victim=$!
for _ in $(seq 200); do grep -q "in ocall" "$WORK/hang.out" && break; sleep 0.05; done
grep -q "in ocall" "$WORK/hang.out" || fail "the app never reached its OCALL: $(cat "$WORK/hang.out")"
kill -KILL "$victim"
wait "$victim" 2>/dev/null || true
wait_no_enclaves "after SIGKILL: enclaves left"
dectl status --json | jq -e '.state == "running"' >/dev/null || fail "the EVM stopped"
out=$(timeout 60 "$app" "$enclave" basic) || fail "after SIGKILL:
$out"
pass "an app killed in the middle of an ECALL left the service and the EVM healthy; the next app works"

stop_service
[ "$SVC_STATUS" = 0 ] || fail "service exit status $SVC_STATUS"
