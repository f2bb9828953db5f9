#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# kvm.malicious_host: an application that attacks its enclave
# (tests/callpath/malicious): raw sgx_ecall() with hand-built marshalling
# structs, bad pointers, overflowing lengths, bad ECALL indexes, a thread
# racing the enclave, misbehaving OCALL bridges. The app prints one ok:/FAIL:
# line per check (each followed by a normal ECALL that must work), then
# stops at "checkpoint:" with the enclave still loaded: dectl must list it as
# running (not crashed) and the EVM must have counted no enclave fault.
source "$(dirname "$0")/../integration/lib.sh"
require_kvm
app=$DE_TEST_BIN/malicious_app
enclave=$DE_ENCLAVES/malicious_enclave.signed.so
[ -x "$app" ] || fail "$app is missing (build the tree first)"
[ -f "$enclave" ] || fail "$enclave is missing (build the tree first)"

write_config "$WORK/enclave.conf" "debug = true"
start_service "$WORK/enclave.conf"
wait_ready 5000
export DE_RUNTIME_DIR=$RUNDIR

mkfifo "$WORK/go"
timeout 240 "$app" "$enclave" <"$WORK/go" >"$WORK/app.out" 2>&1 &
app_pid=$!
exec 3>"$WORK/go" # the app's stdin: a line lets it finish
for _ in $(seq 4000); do
	grep -q '^checkpoint:' "$WORK/app.out" && break
	kill -0 "$app_pid" 2>/dev/null || break
	sleep 0.05
done
checkpoint=0
if grep -q '^checkpoint:' "$WORK/app.out"; then
	checkpoint=1
	dectl enclaves --json >"$WORK/enclaves.json"
	dectl enclaves || true
	dectl stats --json >"$WORK/stats.json"
fi
echo go >&3
exec 3>&-
status=0
wait "$app_pid" || status=$?
cat "$WORK/app.out"

[ "$checkpoint" = 1 ] || fail "malicious_app never reached its checkpoint (status $status)"
n=$(jq '.enclaves | length' "$WORK/enclaves.json")
state=$(jq -r '.enclaves[0].state' "$WORK/enclaves.json")
[ "$n" = 1 ] && [ "$state" = running ] ||
	fail "at the checkpoint dectl lists $n enclave(s), the first one $state: $(cat "$WORK/enclaves.json")"
pass "after every attack dectl shows the enclave running, not crashed"
faults=$(jq -r .faults "$WORK/stats.json")
[ "$faults" = 0 ] || fail "the EVM counted $faults enclave faults"
pass "no enclave fault counted by the EVM"
[ "$status" = 0 ] || fail "malicious_app exited with status $status ($(grep -c '^FAIL:' "$WORK/app.out") failed checks)"
grep -q '^ok: sgx_destroy_enclave' "$WORK/app.out" || fail "malicious_app did not run to the end"
pass "malicious host: $(grep -c '^ok:' "$WORK/app.out") checks passed"

wait_no_enclaves "enclaves left"
dectl status --json | jq -e '.state == "running"' >/dev/null || fail "the EVM stopped"
stop_service
[ "$SVC_STATUS" = 0 ] || fail "service exit status $SVC_STATUS"
