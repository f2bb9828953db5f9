#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# bench.smoke: de_bench --quick --json against a private EVM. Checks that
# the output is exactly one JSON object and that every headline metric and
# the machine facts are there; it asserts nothing about the values.
source "$(dirname "$0")/../tests/integration/lib.sh"
require_kvm

write_config "$WORK/enclave.conf"
start_service "$WORK/enclave.conf"
wait_ready 5000

out=$WORK/bench.json
timeout 240 "$DE_BIN/de_bench" --quick --json --runtime-dir "$RUNDIR" >"$out" 2>"$WORK/bench.err" ||
	fail "de_bench exited with status $?:
$(cat "$WORK/bench.err")
$(head -c 4000 "$out")"
[ "$(jq -s 'length' "$out")" = 1 ] || fail "not exactly one JSON value on stdout: $(head -c 2000 "$out")"
jq -e 'type == "object"' "$out" >/dev/null || fail "the output is not a JSON object"
pass "de_bench --quick --json printed one JSON object"

for key in ecall_empty_p50_us ecall_empty_p99_us ocall_empty_p50_us ecall_4k_inout_p50_us \
	ecalls_per_s create_enclave_ms destroy_enclave_ms evm_boot_ms compute_ratio vmm_rss_mib \
	baseline_func_call_us baseline_uds_rtt_p50_us baseline_exit_rtt_p50_us; do
	jq -e --arg k "$key" '.[$k] | type == "number"' "$out" >/dev/null ||
		fail "$key is missing or not a number: $(jq -c --arg k "$key" '{($k): .[$k], note: .notes[$k]}' "$out")"
done
pass "every required metric is a number"

jq -e '(.machine.cpu_model | type == "string") and (.machine.kvm | type == "string") and
	(.machine.kvm_pvm | type == "number")' "$out" >/dev/null ||
	fail "machine facts missing: $(jq -c .machine "$out")"
pass "machine: $(jq -r '.machine.cpu_model + "; KVM: " + .machine.kvm' "$out")"

# The service measured is still healthy, and de_bench left no enclave behind.
"$DE_BIN/dectl" --runtime-dir "$RUNDIR" status --json | jq -e '.state == "running"' >/dev/null ||
	fail "the EVM stopped during the benchmark"
for _ in $(seq 100); do
	n=$("$DE_BIN/dectl" --runtime-dir "$RUNDIR" enclaves --json | jq '.enclaves | length')
	[ "$n" = 0 ] && break
	sleep 0.05
done
[ "$n" = 0 ] || fail "de_bench left $n enclaves in the EVM"
pass "the EVM still runs and holds no enclaves"

stop_service
[ "$SVC_STATUS" = 0 ] || fail "service exit status $SVC_STATUS"
