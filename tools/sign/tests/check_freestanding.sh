#!/bin/sh
# src/common must build for the EVM side: freestanding, against musl's headers
# only, and need nothing from a libc but memcpy, memset, memcmp and strlen.
# usage: check_freestanding.sh CC REPO_ROOT WORKDIR
set -eu
cc=$1 root=$2 work=$3
musl=/usr/include/x86_64-linux-musl
mkdir -p "$work"
if [ ! -d "$musl" ]; then
	echo "musl headers not installed; skipped"
	exit 0
fi
for f in "$root"/src/common/*.c; do
	"$cc" -std=c11 -Wall -Wextra -Werror -ffreestanding -fPIE -mno-red-zone -nostdinc \
		-isystem "$musl" -isystem "$("$cc" -print-file-name=include)" -I"$root/include" \
		-c "$f" -o "$work/$(basename "$f").o"
done
extra=$(nm "$work"/*.o | awk '$1 == "U" { print $2 }' | sort -u |
	grep -v -e '^de_' -e '^memcpy$' -e '^memset$' -e '^memcmp$' -e '^strlen$' || true)
if [ -n "$extra" ]; then
	echo "src/common needs symbols the EVM side may not have: $extra"
	echo "0 passed, 1 failed"
	exit 1
fi
if grep -l -e 'openssl/' -e 'bearssl' -e 'malloc' -e 'stdio.h' -e 'stdlib.h' "$root"/src/common/*.[ch]; then
	echo "src/common includes crypto/libc headers or allocates"
	echo "0 passed, 1 failed"
	exit 1
fi
echo "1 passed, 0 failed"
