#!/bin/sh
# Run de_edger8r on every illegal EDL file in DIR and check that it fails
# cleanly (exit status 1, no crash) with the expected message at the
# expected line. Each file starts with
#   // expect-error: LINE: text            (error in this file)
#   // expect-error: OTHER.edl:LINE: text  (error in an imported file)
# Usage: run_illegal.sh EDGER8R DIR
set -u
edger8r=$1
dir=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
pass=0
fail=0
for f in "$dir"/*.edl; do
	head=$(head -n 1 "$f")
	spec=${head#// expect-error: }
	where=${spec%%: *}
	text=${spec#*: }
	case $where in
	*:*) loc="$dir/$where" ;;
	*) loc="$f:$where" ;;
	esac
	"$edger8r" --search-path "$dir" --untrusted-dir "$out" --trusted-dir "$out" "$f" \
		>"$out/stdout" 2>"$out/stderr"
	rc=$?
	if [ "$rc" -ne 1 ]; then
		echo "FAIL $(basename "$f"): exit status $rc, expected 1"
		cat "$out/stderr"
		fail=$((fail + 1))
		continue
	fi
	if ! grep -F -- "$loc:" "$out/stderr" | grep -F -- ": error: " | grep -q -F -- "$text"; then
		echo "FAIL $(basename "$f"): expected \"$loc:COL: error: ...$text...\", got:"
		cat "$out/stderr"
		fail=$((fail + 1))
		continue
	fi
	if ls "$out"/*.[ch] >/dev/null 2>&1; then
		echo "FAIL $(basename "$f"): output files were written despite the error"
		rm -f "$out"/*.[ch]
		fail=$((fail + 1))
		continue
	fi
	pass=$((pass + 1))
done
echo "$pass passed, $fail failed"
[ "$pass" -ge 40 ] || { echo "illegal corpus has fewer than 40 files"; exit 1; }
[ "$fail" -eq 0 ]
