#!/bin/sh
# Generate code for every EDL file in LEGAL_DIR (imports from LEGAL_DIR/lib)
# and compile both sides with -Wall -Wextra -Werror: the untrusted side
# against the host C library, the trusted side against the enclave headers
# (musl, when installed, with -nostdinc as enclaves are built).
# Usage: compile_legal.sh EDGER8R CC SDK_INCLUDE LEGAL_DIR
set -u
edger8r=$1
cc=$2
sdk=$3
legal=$4
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
musl=/usr/include/x86_64-linux-musl
if [ -d "$musl" ]; then
	tsys="-nostdinc -isystem $musl -isystem $($cc -print-file-name=include)"
else
	tsys=""
fi
warn="-std=c11 -Wall -Wextra -Werror -Wshadow -Wvla"
pass=0
fail=0
check() { # name command...
	name=$1
	shift
	if "$@" >"$out/log" 2>&1; then
		pass=$((pass + 1))
	else
		echo "FAIL $name: $*"
		cat "$out/log"
		fail=$((fail + 1))
	fi
}
for f in "$legal"/*.edl; do
	n=$(basename "$f" .edl)
	case $n in library) continue ;; esac
	for variant in plain prefix; do
		d="$out/$n.$variant"
		flags=""
		[ $variant = prefix ] && flags=--use-prefix
		check "$n($variant) generate" "$edger8r" $flags --search-path "$legal/lib" \
			--trusted-dir "$d/t" --untrusted-dir "$d/u" "$f"
		check "$n($variant) untrusted compile" $cc $warn -I"$sdk" -I"$legal" -I"$d/u" \
			-c "$d/u/${n}_u.c" -o "$d/u.o"
		check "$n($variant) trusted compile" $cc $warn $tsys -I"$sdk" -I"$legal" -I"$d/t" \
			-c "$d/t/${n}_t.c" -o "$d/t.o"
	done
done
# A library EDL: --header-only accepts it and writes headers only.
check "library header-only" "$edger8r" --header-only --trusted-dir "$out/lib" \
	--untrusted-dir "$out/lib" "$legal/library.edl"
check "library headers only" test -f "$out/lib/library_t.h" -a -f "$out/lib/library_u.h" \
	-a ! -e "$out/lib/library_t.c" -a ! -e "$out/lib/library_u.c"
echo '#include "library_u.h"' >"$out/lib/inc_u.c"
echo '#include "library_t.h"' >"$out/lib/inc_t.c"
check "library _u.h compiles" $cc $warn -I"$sdk" -I"$out/lib" -c "$out/lib/inc_u.c" -o "$out/lib/u.o"
check "library _t.h compiles" $cc $warn $tsys -I"$sdk" -I"$out/lib" -c "$out/lib/inc_t.c" -o "$out/lib/t.o"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
