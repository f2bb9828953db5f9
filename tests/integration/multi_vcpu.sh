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

# Enclaves run on vCPU 1, the manager on vCPU 0. Destroying an enclave that
# spins in ring 3 (or sleeps) on the other vCPU must preempt it before its
# memory is freed; the EVM goes on and gets all the memory back.
: "${DE_ENCLAVES:?}"
free_pages() { dectl stats --json | jq -r .free_pages; }
client() { timeout 60 "$DE_TEST_BIN/enclave_client" "$RUNDIR" "$@"; }
out=$(client --run "$DE_ENCLAVES/hello.elf:1") || fail "warm-up: $out"
base=$(free_pages)
for c in 9 10; do
	fifo=$WORK/hold$c
	mkfifo "$fifo"
	"$DE_TEST_BIN/enclave_client" "$RUNDIR" --no-wait --hold --run "$DE_ENCLAVES/fault.elf:$c" \
		<"$fifo" >"$WORK/hold$c.out" 2>&1 &
	holder=$!
	exec 9>"$fifo"
	for _ in $(seq 100); do
		dectl enclaves --json | jq -e '.enclaves | any(.state == "running")' >/dev/null && break
		sleep 0.05
	done
	dectl enclaves --json | jq -e '.enclaves | any(.state == "running")' >/dev/null ||
		fail "case $c never ran: $(cat "$WORK/hold$c.out")"
	sleep 0.3 # let it spin (or fall asleep) on vCPU 1
	exec 9>&-
	wait "$holder" || true
	wait_no_enclaves "case $c: the enclave was not destroyed"
	dectl status --json | jq -e '.state == "running"' >/dev/null || fail "case $c: the EVM stopped"
	out=$(client --run "$DE_ENCLAVES/hello.elf:2") || fail "after case $c: $out"
	echo "$out" | grep -q "exited 2$" || fail "after case $c: $out"
	[ "$(free_pages)" = "$base" ] || fail "case $c: $base free pages before, $(free_pages) after"
done
pass "enclaves spinning or sleeping on vCPU 1 were destroyed from vCPU 0; memory back to $base pages"

stop_service
[ "$SVC_STATUS" = 0 ] || fail "exit status $SVC_STATUS"
