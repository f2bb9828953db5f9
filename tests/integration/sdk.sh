#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The installed SDK: its layout, SampleMath built from it exactly as the
# README says (source P/environment; cmake -B build && cmake --build build),
# its output byte for byte against a real EVM, and the same after copying
# app and enclave.signed.so into one directory.
source "$(dirname "$0")/lib.sh"
require_kvm
: "${DE_BUILD_DIR:?DE_BUILD_DIR must point at the build tree}"
if [ "${DE_SANITIZED:-0}" = 1 ]; then
	echo "SKIP: this build's libde_urts is instrumented with ASan/UBSan, which applications built"
	echo "      from the installed SDK are not; the installed SDK is tested in the release build"
	exit 77
fi

stage=$WORK/stage
DESTDIR=$stage cmake --install "$DE_BUILD_DIR" >"$WORK/install.log" 2>&1 ||
	{ cat "$WORK/install.log"; fail "cmake --install failed"; }
P=$stage/opt/teesdk/desdk
for f in bin/de_edger8r bin/sgx_edger8r bin/de_sign bin/sgx_sign bin/dectl bin/de_platform_service \
	lib/libde_urts.so lib/libsgx_urts.so lib/libde_trts.a include/sgx_urts.h include/sgx_edger8r.h \
	include/sgx_trts.h include/sgx_thread.h musl/include/stdio.h musl/lib/libc.a \
	cmake/DESDKConfig.cmake environment share/dragonfly/image.bin \
	examples/SampleMath/CMakeLists.txt; do
	[ -e "$P/$f" ] || fail "the installed SDK has no $f"
done
pass "SDK layout under the prefix"

cp -r "$P/examples/SampleMath" "$WORK/SampleMath"
(
	set -e
	source "$P/environment"
	cd "$WORK/SampleMath"
	cmake -B build -G Ninja >/dev/null
	cmake --build build >/dev/null
) >"$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log"; fail "SampleMath does not build from the installed SDK"; }
app=$WORK/SampleMath/build/SampleMath/App/app
[ -x "$app" ] && [ -f "$WORK/SampleMath/build/SampleMath/Enclave/enclave.signed.so" ] ||
	fail "SampleMath build outputs are not where the README says"
pass "SampleMath built from the installed SDK"

write_config "$WORK/enclave.conf" "image = $P/share/dragonfly/image.bin"
start_service "$WORK/enclave.conf"
wait_ready 5000
expected=$'A(3,4) -> B(1,8) -> 4.47214\nA(6,9) -> B(6,2) -> 7\nA(3,3) -> B(7,5) -> 4.47214'
out=$(cd "$WORK/SampleMath" && DE_RUNTIME_DIR=$RUNDIR timeout 60 ./build/SampleMath/App/app 2>&1) ||
	fail "SampleMath failed: $out"
[ "$out" = "$expected" ] || fail "SampleMath printed:
$out
expected:
$expected"
pass "SampleMath output byte for byte"

mkdir "$WORK/flat"
cp "$app" "$WORK/SampleMath/build/SampleMath/Enclave/enclave.signed.so" "$WORK/flat/"
out=$(cd "$WORK/flat" && DE_RUNTIME_DIR=$RUNDIR timeout 60 ./app 2>&1) || fail "copied SampleMath failed: $out"
[ "$out" = "$expected" ] || fail "copied SampleMath printed: $out"
pass "app and enclave.signed.so copied into one directory work the same"

[ "$("$DE_BIN/dectl" --runtime-dir "$RUNDIR" enclaves --json | jq '.enclaves | length')" = 0 ] ||
	fail "SampleMath left an enclave behind"
stop_service
[ "$SVC_STATUS" = 0 ] || fail "service exit status $SVC_STATUS"
