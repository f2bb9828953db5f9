#!/bin/sh
# Command-line behaviour of de_edger8r: --help, option errors, --trusted /
# --untrusted / --header-only selection, output directories, the
# sgx_edger8r name and file-level errors.
# Usage: cli.sh BIN_DIR LEGAL_DIR
set -u
bin=$1
legal=$2
e8=$bin/de_edger8r
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
pass=0
fail=0
ok() {
	if eval "$2"; then pass=$((pass + 1)); else echo "FAIL: $1"; fail=$((fail + 1)); fi
}
"$e8" --help >"$out/help" 2>&1
ok "--help exits 0" "[ $? -eq 0 ]"
for section in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES; do
	ok "--help has $section" "grep -q '^$section' '$out/help'"
done
for opt in --trusted --untrusted --trusted-dir --untrusted-dir --search-path --header-only \
	--use-prefix; do
	ok "--help documents $opt" "grep -q -- '$opt' '$out/help'"
done
"$e8" --bogus x.edl >"$out/o" 2>"$out/e"
ok "unknown option exits 2" "[ $? -eq 2 ]"
ok "unknown option: one sentence naming it" \
	"[ \$(wc -l <'$out/e') -eq 1 ] && grep -q 'unknown option --bogus' '$out/e'"
"$e8" >"$out/o" 2>"$out/e"
ok "no file exits 2" "[ $? -eq 2 ] && grep -q 'no EDL file given' '$out/e'"
"$e8" "$legal/minimal.edl" --trusted-dir >"$out/o" 2>"$out/e"
ok "missing option value exits 2" "[ $? -eq 2 ] && grep -q 'missing value' '$out/e'"
"$e8" "$out/does_not_exist.edl" >"$out/o" 2>"$out/e"
ok "missing file exits 1" "[ $? -eq 1 ] && grep -q 'not found' '$out/e'"

"$e8" --trusted --trusted-dir "$out/t/deep/er" "$legal/minimal.edl"
ok "--trusted writes _t files into a new directory" \
	"[ -f '$out/t/deep/er/minimal_t.h' ] && [ -f '$out/t/deep/er/minimal_t.c' ]"
ok "--trusted writes no _u files" "[ ! -e minimal_u.h ] && [ ! -e '$out/t/deep/er/minimal_u.h' ]"
"$e8" --untrusted --untrusted-dir "$out/u" "$legal/minimal.edl"
ok "--untrusted writes only _u files" \
	"[ -f '$out/u/minimal_u.h' ] && [ -f '$out/u/minimal_u.c' ] && [ ! -e '$out/u/minimal_t.h' ]"
"$e8" --header-only --trusted-dir "$out/h" --untrusted-dir "$out/h" "$legal/minimal.edl"
ok "--header-only writes headers only" \
	"[ -f '$out/h/minimal_u.h' ] && [ -f '$out/h/minimal_t.h' ] && [ ! -e '$out/h/minimal_u.c' ]"
(cd "$out" && mkdir -p s && "$bin/sgx_edger8r" --search-path "$legal" minimal.edl \
	--trusted-dir s --untrusted-dir s)
ok "sgx_edger8r name and search path for the input" \
	"[ -f '$out/s/minimal_u.c' ] && [ -f '$out/s/minimal_t.c' ]"
"$e8" --use-prefix --untrusted --untrusted-dir "$out/p" "$legal/minimal.edl"
ok "--use-prefix prefixes ECALL proxies" \
	"grep -q 'sgx_status_t minimal_ecall_hello(sgx_enclave_id_t eid)' '$out/p/minimal_u.h'"
cp "$legal/minimal.edl" "$out/my-enclave.edl"
(cd "$out" && "$e8" my-enclave.edl 2>"$out/e")
ok "non-identifier file name: warning, files keep the name" \
	"grep -q 'warning' '$out/e' && [ -f '$out/my-enclave_u.c' ] && grep -q 'ocall_table_my_enclave' '$out/my-enclave_u.c'"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
