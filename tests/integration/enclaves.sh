#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Enclaves in a real EVM: musl programs run (malloc, threads, printf,
# getrandom, exit status); faults kill only the faulting enclave; enclaves
# cannot see each other's memory, the manager's or the kernel's; a shared
# window carries data both ways; malformed requests are refused; loading
# and destroying a 4 MiB enclave takes under 100 ms; and nothing of this
# leaks EVM memory.
source "$(dirname "$0")/lib.sh"
require_kvm
: "${DE_ENCLAVES:?DE_ENCLAVES must point at the test enclaves}"

write_config "$WORK/enclave.conf" "debug = true"
start_service "$WORK/enclave.conf"
wait_ready 5000
client() { timeout 120 "$DE_TEST_BIN/enclave_client" "$RUNDIR" "$@"; }
free_pages() { dectl stats --json | jq -r .free_pages; }
E=$DE_ENCLAVES

# ---- load/destroy time and leaks ------------------------------------------
boot_free=$(free_pages)
out=$(client --cycles 1 --run "$E/big.elf") || fail "first load: $out"
# The first load creates the manager's scratch page tables, kept for reuse.
warm_free=$(free_pages)
[ $((boot_free - warm_free)) -le 16 ] ||
	fail "the first load kept $((boot_free - warm_free)) pages (boot $boot_free, after $warm_free)"
out=$(client --cycles 200 --baseline "$E/hello.elf" --run "$E/big.elf") || fail "cycles: $out"
echo "$out"
median=$(echo "$out" | awk '/big.elf/ { print $6 }')
awk -v m="$median" 'BEGIN { exit !(m < 100) }' ||
	fail "loading and destroying a 4 MiB enclave takes $median ms (median), limit 100 ms"
pass "4 MiB enclave load + destroy: median $median ms"
[ "$(free_pages)" = "$warm_free" ] ||
	fail "400 load/destroy cycles leaked: $warm_free free pages before, $(free_pages) after"
pass "400 load/destroy cycles: free pages back to $warm_free"

# ---- verified loading -----------------------------------------------------------
# Refusals: client FILE[:ARG] [--debug] -> "SGX_ERROR_..." from enclave_client.
refused_with() {
	local want=$1 file=$2 out
	shift 2
	out=$(client "$@" --run "$file" 2>&1) && fail "$file was loaded: $out"
	echo "$out" | grep -q "refused with status [0-9]*: $want:" ||
		fail "$file: expected $want, got: $out"
}
# flip FILE OFFSET: xor one byte with 0xff.
flip() {
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "\\$(printf %03o $((b ^ 255)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
sec_off() {
	local h
	h=$(readelf -SW "$1" | awk -v s="$2" '{ for (i = 1; i <= NF; i++) if ($i == s) print $(i + 3) }')
	[ -n "$h" ] || fail "$1 has no section $2"
	echo $((16#$h))
}
u32_at() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }

refused_with SGX_ERROR_INVALID_METADATA "$E/unsigned/hello.elf"
refused_with SGX_ERROR_NDEBUG_ENCLAVE "$E/hello_nodebug.elf" --debug
out=$(client --run "$E/hello_nodebug.elf:4") || fail "production launch: $out"
echo "$out" | grep -q "exited 4$" || fail "production launch of a DisableDebug enclave: $out"
meta=$(sec_off "$E/hello.elf" .de_metadata)
layout=$((meta + $(u32_at "$E/hello.elf" $((meta + 12)))))
css=$((meta + $(u32_at "$E/hello.elf" $((meta + 32)))))
for case in "code:$(($(sec_off "$E/hello.elf" .text) + 64)):SGX_ERROR_INVALID_ENCLAVE" \
	"data:$(($(sec_off "$E/hello.elf" .data) + 8)):SGX_ERROR_INVALID_ENCLAVE" \
	"metadata:$meta:SGX_ERROR_INVALID_METADATA" \
	"layout:$((layout + 8)):SGX_ERROR_INVALID_METADATA" \
	"mrenclave:$((css + 960)):SGX_ERROR_INVALID_SIGNATURE" \
	"signature:$((css + 516 + 100)):SGX_ERROR_INVALID_SIGNATURE"; do
	IFS=: read -r what off want <<<"$case"
	cp "$E/hello.elf" "$WORK/flipped.elf"
	flip "$WORK/flipped.elf" "$off"
	refused_with "$want" "$WORK/flipped.elf"
done
size=$(stat -c %s "$E/hello.elf")
head -c $((size - 100)) "$E/hello.elf" >"$WORK/short.elf"
refused_with SGX_ERROR_INVALID_ENCLAVE "$WORK/short.elf"
{ cat "$E/hello.elf"; printf 'extra'; } >"$WORK/long.elf"
refused_with SGX_ERROR_INVALID_ENCLAVE "$WORK/long.elf"
# More than the EVM has: a heap of 128 MiB committed at load.
cat >"$WORK/huge.xml" <<'XML'
<EnclaveConfiguration>
  <HeapMaxSize>0x8000000</HeapMaxSize>
  <HeapInitSize>0x8000000</HeapInitSize>
</EnclaveConfiguration>
XML
"$DE_BIN/de_sign" sign -enclave "$E/unsigned/hello.elf" -key "$DE_TEST_KEY" -config "$WORK/huge.xml" \
	-out "$WORK/huge.elf" >/dev/null || fail "cannot sign the huge enclave"
refused_with SGX_ERROR_OUT_OF_EPC "$WORK/huge.elf"
# The MRENCLAVE the manager computed is the one de_sign signed.
signed=$("$DE_BIN/de_sign" dump -enclave "$E/hello.elf" -dumpfile "$WORK/dump.txt" >/dev/null &&
	awk '/^mrenclave: / { print $2 }' "$WORK/dump.txt")
[ ${#signed} = 64 ] || fail "de_sign dump printed no MRENCLAVE"
out=$(ENCLAVE_CLIENT_IDENTITY=1 client --run "$E/hello.elf:1") || fail "identity: $out"
echo "$out" | grep -q "mrenclave $signed$" || fail "the manager's MRENCLAVE differs from de_sign's $signed: $out"
pass "signed enclaves load; unsigned, tampered (code, data, metadata, layout, MRENCLAVE, signature), truncated, oversized, debug-launched production and too-large ones are refused with SGX codes; MRENCLAVE matches de_sign"

# ---- musl programs ------------------------------------------------------------
out=$(client --debug --run "$E/hello.elf:7" --run "$E/threads.elf" --run "$E/big.elf") ||
	fail "hello/threads/big: $out"
echo "$out"
echo "$out" | grep -q "hello.elf:7): exited 7$" || fail "hello did not exit 7"
echo "$out" | grep -q "threads.elf): exited 0$" || fail "threads did not exit 0"
echo "$out" | grep -q "big.elf): exited 0$" || fail "big's 4 MiB image arrived damaged"
grep -q "enclave hello: malloc ok" "$LOG" || fail "no printf output from hello on the console"
grep -q "enclave threads:" "$LOG" || fail "no printf output from threads on the console"
pass "malloc/free, pthreads, printf, getrandom and exit status work"

out=$(client --debug --run "$E/syscalls.elf") || fail "syscalls: $out"
echo "$out" | grep -q "syscalls.elf): exited 42$" || fail "syscall edge cases: $out (see tests/enclaves/syscalls.c)"
grep -h "enclave syscalls: 5000" "$LOG" || true
pass "PROT_NONE, W^X, clone TLS check, ENOSYS, the 64-thread limit, exit(2) of the last thread, munmap'd addresses reused"

out=$(client --debug --run "$E/fpu.elf:1" --run "$E/fpu.elf:2") || fail "fpu: $out"
[ "$(echo "$out" | grep -c "exited 0$")" = 2 ] || fail "vector registers leaked between threads or enclaves: $out"
pass "x87/SSE/AVX state stayed with its thread across 1200 switches in two enclaves"

# Output of non-debug enclaves is discarded.
out=$(client --run "$E/hello.elf:9") || fail "non-debug hello: $out"
[ "$(grep -c "enclave hello: arg 9" "$LOG")" = 0 ] || fail "a non-debug enclave reached the console"
pass "a non-debug enclave's output is discarded"

# ---- faults kill only the faulting enclave ---------------------------------
# case:expected vector (fault.c): 1 unmapped write, 2 ud2, 3 divide by zero,
# 4 manager memory, 5 kernel memory (guest RAM), 6 boot info, 7 own code,
# 8 a PROT_NONE page.
for cv in 1:14 2:6 3:0 4:14 5:14 6:14 7:14 8:14; do
	c=${cv%%:*} v=${cv##*:}
	out=$(client --run "$E/fault.elf:$c" --run "$E/hello.elf:3") || fail "fault case $c: $out"
	echo "$out" | grep -q "fault.elf:$c): crashed vector $v$" ||
		fail "fault case $c: expected a crash with vector $v: $out"
	echo "$out" | grep -q "hello.elf:3): exited 3$" ||
		fail "fault case $c hurt the enclave running beside it: $out"
done
grep -q "enclave [0-9]* crashed: vector 6 at rip" "$LOG" || fail "crashes are not in the service log"
dectl status --json | jq -e '.state == "running"' >/dev/null || fail "the EVM stopped"
out=$(timeout 30 "$DE_TEST_BIN/vsock_client" "$RUNDIR/vsock.sock" --bytes 65536) ||
	fail "vsock after the faults: $out"
pass "8 kinds of fault each killed only their enclave; the EVM, the manager and vsock work"

# ---- isolation between enclaves ---------------------------------------------
out=$(client --run "$E/isolation.elf:0x1111" --run "$E/isolation.elf:0x2222" \
	--run "$E/isolation.elf:0x3333") || fail "isolation: $out"
[ "$(echo "$out" | grep -c "exited 0$")" = 3 ] || fail "enclaves saw each other's memory: $out"
pass "three enclaves at the same addresses each kept their own memory"

# ---- shared window -------------------------------------------------------------
out=$(client --debug --window --run "$E/window.elf") || fail "window: $out"
echo "$out"
grep -q "window of 16 KiB at 0x[0-9a-f]* attached to enclave" "$LOG" || fail "window not logged"
# The application has gone; the service removes the window once the
# manager confirms the enclave is destroyed.
for _ in $(seq 100); do grep -q "window of 16 KiB at 0x[0-9a-f]* removed with enclave" "$LOG" && break; sleep 0.05; done
grep -q "window of 16 KiB at 0x[0-9a-f]* removed with enclave" "$LOG" ||
	fail "the window was not removed when its application went away"
[ "$(dectl stats --json | jq -r .windows)" = 0 ] || fail "a window outlived its enclave"
pass "the enclave and the host saw each other's writes in the window; it went away with them"

# ---- listing and ownership -------------------------------------------------------
fifo=$WORK/hold
mkfifo "$fifo"
"$DE_TEST_BIN/enclave_client" "$RUNDIR" --run "$E/hello.elf:5" --hold <"$fifo" >"$WORK/hold.out" &
holder=$!
exec 9>"$fifo"
for _ in $(seq 200); do grep -q "exited 5" "$WORK/hold.out" && break; sleep 0.05; done
json=$(dectl enclaves --json)
echo "$json" | jq -e --argjson pid "$holder" --arg mr "$signed" \
	'.enclaves | any(.owner_pid == $pid and .state == "exited" and .exit_code == 5 and
	  .name == "hello.elf" and .mrenclave == $mr and (.mrsigner | length) == 64 and
	  .isv_prod_id == 32343 and .isv_svn == 3)' \
	>/dev/null || fail "dectl enclaves does not show the exited enclave of pid $holder: $json"
dectl enclaves | grep -q "exit 5 *hello.elf" || fail "dectl enclaves table: $(dectl enclaves)"
dectl enclaves | grep -q "mrenclave $signed" || fail "dectl enclaves shows no MRENCLAVE: $(dectl enclaves)"
exec 9>&-
wait "$holder" || fail "holder failed: $(cat "$WORK/hold.out")"
wait_no_enclaves "the enclave outlived its application"
pass "dectl enclaves lists owner, state, exit status, MRENCLAVE, MRSIGNER and ISV fields; enclaves go with their application"

# ---- malformed requests ------------------------------------------------------------
out=$(client --malformed) || fail "malformed requests: $out"
echo "$out" | grep -q ACCEPTED && fail "a malformed request was accepted: $out"
out=$(client --run "$E/hello.elf:4") || fail "after malformed requests: $out"
echo "$out" | grep -q "exited 4$" || fail "after malformed requests: $out"
pass "malformed requests refused; the service and the EVM still work"

# ---- everything above gave its memory back -----------------------------------------
for _ in $(seq 100); do [ "$(free_pages)" = "$warm_free" ] && break; sleep 0.05; done
[ "$(free_pages)" = "$warm_free" ] ||
	fail "EVM memory leaked: $warm_free free pages before, $(free_pages) after all tests"
pass "after crashes, threads, windows and refusals: free pages back to $warm_free"

stop_service
[ "$SVC_STATUS" = 0 ] || fail "service exit status $SVC_STATUS"
