#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# kvm.edl_attributes: every EDL attribute and combination end to end in a
# real EVM (tests/callpath/attributes): the app prints one ok:/FAIL: line per
# check and exits non-zero on any failure; afterwards the enclave must be
# gone and the EVM healthy, with no enclave fault counted.
source "$(dirname "$0")/../integration/lib.sh"
require_kvm
app=$DE_TEST_BIN/attributes_app
enclave=$DE_ENCLAVES/attributes_enclave.signed.so
[ -x "$app" ] || fail "$app is missing (build the tree first)"
[ -f "$enclave" ] || fail "$enclave is missing (build the tree first)"

write_config "$WORK/enclave.conf" "debug = true"
start_service "$WORK/enclave.conf"
wait_ready 5000
export DE_RUNTIME_DIR=$RUNDIR

status=0
timeout 120 "$app" "$enclave" >"$WORK/app.out" 2>&1 || status=$?
cat "$WORK/app.out"
[ "$status" = 0 ] || fail "attributes_app exited with status $status ($(grep -c '^FAIL:' "$WORK/app.out") failed checks)"
grep -q '^ok: sgx_destroy_enclave' "$WORK/app.out" || fail "attributes_app did not run to the end"

wait_no_enclaves "enclaves left"
faults=$(dectl stats --json | jq -r .faults)
[ "$faults" = 0 ] || fail "the EVM counted $faults enclave faults"
dectl status --json | jq -e '.state == "running"' >/dev/null || fail "the EVM stopped"
pass "every EDL attribute end to end: $(grep -c '^ok:' "$WORK/app.out") checks passed, no enclave fault"

stop_service
[ "$SVC_STATUS" = 0 ] || fail "service exit status $SVC_STATUS"
