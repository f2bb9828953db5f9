#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Every start-up refusal: non-zero exit and one sentence naming the problem.
source "$(dirname "$0")/lib.sh"

svc=$DE_BIN/de_platform_service

# expect_refusal NAME PATTERN CONFIG [env...]: the service must exit 1 quickly
# and print PATTERN (extended regex).
expect_refusal() {
	local name=$1 pattern=$2 conf=$3
	shift 3
	local out status=0
	out=$(env "$@" timeout 10 "$svc" --config "$conf" 2>&1) || status=$?
	[ "$status" = 1 ] || fail "$name: exit status $status, expected 1; output: $out"
	echo "$out" | grep -Eq "$pattern" || fail "$name: message does not match /$pattern/: $out"
	[ -n "$SVC_PID" ] || [ ! -e "$RUNDIR" ] || fail "$name: left $RUNDIR behind"
	pass "$name: $(echo "$out" | tail -n 1)"
}

c=$WORK/c.conf
ncpu=$(grep -c ^processor /proc/cpuinfo)

write_config "$c" "cpu_count = $ncpu"
expect_refusal "all CPUs" "cpu_count = $ncpu would leave the host without a whole physical core" "$c"

write_config "$c" "cpu_list = 0-$((ncpu - 1))"
expect_refusal "cpu_list of every CPU" "would leave the host without a whole physical core" "$c"

write_config "$c" "cpu_list = 999"
expect_refusal "missing CPU" "cpu_list names CPU 999, which does not exist" "$c"

# A fake topology with CPU 2 offline (the service reads DE_SYSFS_CPU_DIR).
fake=$WORK/sysfs
mkdir -p "$fake"
echo 0-3 >"$fake/present"
echo 0-1,3 >"$fake/online"
for i in 0 1 2 3; do
	mkdir -p "$fake/cpu$i/topology"
	echo "$i" >"$fake/cpu$i/topology/thread_siblings_list"
done
write_config "$c" "cpu_list = 2"
expect_refusal "offline CPU" "CPU 2, which is offline" "$c" DE_SYSFS_CPU_DIR="$fake"

# Hyperthreads: CPUs 0,2 and 1,3 are siblings; taking 1 and 2 touches both cores.
echo 0-3 >"$fake/online"
echo 0,2 >"$fake/cpu0/topology/thread_siblings_list"
echo 0,2 >"$fake/cpu2/topology/thread_siblings_list"
echo 1,3 >"$fake/cpu1/topology/thread_siblings_list"
echo 1,3 >"$fake/cpu3/topology/thread_siblings_list"
write_config "$c" "cpu_list = 1-2"
expect_refusal "hyperthread siblings" "cpu_list = 1-2 would leave the host without a whole physical core" "$c" DE_SYSFS_CPU_DIR="$fake"

write_config "$c" "memory_mib = 122880"
expect_refusal "too much memory" "memory_mib = 122880 is more than this host can give" "$c"
write_config "$c" "memory_mib = 122881"
expect_refusal "memory beyond the boot page tables" "memory_mib must be a whole number of MiB from 16 to 122880" "$c"

write_config "$c" "image = $WORK/missing.bin"
expect_refusal "missing image" "cannot open image $WORK/missing.bin" "$c"

cp "$DE_IMAGE" "$WORK/corrupt.bin"
printf '\xff' | dd of="$WORK/corrupt.bin" bs=1 seek=5000 conv=notrunc status=none
write_config "$c" "image = $WORK/corrupt.bin"
expect_refusal "corrupted image" "image checksum mismatch" "$c"

head -c 100000 "$DE_IMAGE" >"$WORK/short.bin"
write_config "$c" "image = $WORK/short.bin"
expect_refusal "truncated image" "truncated" "$c"

head -c 4096 /dev/urandom >"$WORK/random.bin"
write_config "$c" "image = $WORK/random.bin"
expect_refusal "not an image" "not an EVM image" "$c"

write_config "$c" "this line is broken"
expect_refusal "malformed line" "c.conf:4: malformed line" "$c"

write_config "$c" "cpus = 2"
expect_refusal "unknown key" "c.conf:4: unknown key \"cpus\"" "$c"

write_config "$c" "cpu_count = lots"
expect_refusal "bad number" "c.conf:4: cpu_count must be a whole number" "$c"

write_config "$c" "debug = true" "debug = false"
expect_refusal "repeated key" "c.conf:5: debug is set twice" "$c"

write_config "$c" "cpu_count = 1" "cpu_list = 1"
expect_refusal "cpu_count with cpu_list" "mutually exclusive" "$c"

write_config "$c" "debug = maybe"
expect_refusal "bad boolean" "c.conf:4: debug must be true or false" "$c"

write_config "$c" "[evm]"
expect_refusal "section" "c.conf:4: sections are not used" "$c"

write_config "$c" "socket_group = no-such-group-here"
expect_refusal "unknown group" "socket_group \"no-such-group-here\" does not exist" "$c"

out=$("$svc" --config "$WORK/nope.conf" 2>&1) && fail "missing config accepted"
echo "$out" | grep -q "nope.conf: cannot open" || fail "missing config message: $out"
pass "missing --config file: $out"

out=$("$svc" --bogus 2>&1) && fail "bad option accepted"
pass "unknown option refused"

# One EVM per host: a second instance on the same runtime dir is refused.
if [ -c /dev/kvm ]; then
	write_config "$c"
	start_service "$c"
	wait_ready 5000
	expect_refusal "second instance" "another de_platform_service \\(pid $SVC_PID\\) owns runtime_dir" "$c"
	[ -S "$RUNDIR/control.sock" ] || fail "the refused instance removed the running one's socket"
	stop_service
	[ "$SVC_STATUS" = 0 ] || fail "first instance exit status $SVC_STATUS"
else
	echo "SKIP (part): /dev/kvm missing, the second-instance check needs a running EVM"
fi
