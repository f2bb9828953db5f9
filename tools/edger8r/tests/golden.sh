#!/bin/sh
# Golden test: the headers generated for golden/golden.edl (with and without
# --use-prefix) must equal the checked-in files byte for byte; they carry
# every generated prototype. The generated .c files must compile.
# With DE_UPDATE_GOLDEN=1 the golden files are rewritten instead.
# Usage: golden.sh EDGER8R CC SDK_INCLUDE GOLDEN_DIR
set -u
edger8r=$1
cc=$2
sdk=$3
dir=$4
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
pass=0
fail=0
"$edger8r" --search-path "$dir" --trusted-dir "$out/plain" --untrusted-dir "$out/plain" \
	"$dir/golden.edl" || exit 1
"$edger8r" --use-prefix --untrusted --untrusted-dir "$out/prefix" "$dir/golden.edl" || exit 1
for pair in plain/golden_u.h:golden_u.h plain/golden_t.h:golden_t.h \
	prefix/golden_u.h:golden_prefix_u.h; do
	got="$out/${pair%%:*}"
	want="$dir/${pair#*:}"
	if [ "${DE_UPDATE_GOLDEN:-0}" = 1 ]; then
		cp "$got" "$want"
		echo "updated $want"
	fi
	if diff -u "$want" "$got"; then
		pass=$((pass + 1))
	else
		echo "FAIL: $(basename "$want") differs from the generated header"
		fail=$((fail + 1))
	fi
done
for side in u t; do
	if $cc -std=c11 -Wall -Wextra -Werror -I"$sdk" -I"$dir" -I"$out/plain" \
		-c "$out/plain/golden_$side.c" -o "$out/$side.o"; then
		pass=$((pass + 1))
	else
		echo "FAIL: golden_$side.c does not compile"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
