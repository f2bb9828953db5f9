#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Several vCPUs boot, each pinned to its own host CPU. The test hosts have
# two single-thread cores, which leaves room for one vCPU; a fake topology
# (a third core the host keeps) lets two vCPUs boot on CPUs 0 and 1.
source "$(dirname "$0")/lib.sh"
require_kvm

ncpu=$(grep -c ^processor /proc/cpuinfo)
[ "$ncpu" -ge 2 ] || { echo "SKIP: needs 2 host CPUs"; exit 77; }
fake=$WORK/sysfs
mkdir -p "$fake"
echo 0-2 >"$fake/present"
echo 0-2 >"$fake/online"
for i in 0 1 2; do
	mkdir -p "$fake/cpu$i/topology"
	echo "$i" >"$fake/cpu$i/topology/thread_siblings_list"
done
write_config "$WORK/enclave.conf" "cpu_list = 0-1" "debug = true"
DE_SYSFS_CPU_DIR=$fake start_service "$WORK/enclave.conf"
wait_ready 5000
s=$WORK/status.json
[ "$(jq '.vcpus | length' "$s")" = 2 ] || fail "expected 2 vCPUs: $(cat "$s")"
for i in 0 1; do
	[ "$(jq ".vcpus[$i].host_cpu" "$s")" = "$i" ] || fail "vCPU $i not on CPU $i"
	tid=$(jq ".vcpus[$i].tid" "$s")
	allowed=$(awk '/^Cpus_allowed_list:/ {print $2}' "/proc/$SVC_PID/task/$tid/status")
	[ "$allowed" = "$i" ] || fail "vCPU $i thread allowed on '$allowed'"
done
pass "2 vCPUs pinned to CPUs 0 and 1"
grep -q "de-kernel: 2 vCPUs" "$LOG" || fail "kernel did not report 2 vCPUs"
grep -q "de-kernel: vCPU 1 online" "$LOG" || fail "vCPU 1 did not come online"
pass "both vCPUs online"
out=$(timeout 60 "$DE_TEST_BIN/vsock_client" "$RUNDIR/vsock.sock" --conns 4 --bytes 262144) || fail "echo: $out"
pass "$out"
out=$(timeout 3 "$DE_BIN/dectl" --runtime-dir "$RUNDIR" console | head -c 4096 || true)
echo "$out" | grep -q "de-kernel:" || fail "dectl console did not stream the console: $out"
pass "dectl console streams the debug console"
stop_service
[ "$SVC_STATUS" = 0 ] || fail "exit status $SVC_STATUS"
