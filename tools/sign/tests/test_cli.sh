#!/bin/sh
# End-to-end tests of the de_sign / sgx_sign command line.
# usage: test_cli.sh DE_SIGN UNSIGNED_ENCLAVE SRCDIR FIXTURE_DIR WORKDIR
set -u
de_sign=$1 enclave=$2 src=$3 fix=$4 work=$5
sgx_sign=$(dirname "$de_sign")/sgx_sign
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 2
key=$fix/key.pem pub=$fix/pub.pem
pass=0 fail=0
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
# expect_fail "what" "message fragment" cmd...: must exit nonzero and print the fragment.
expect_fail() {
	what=$1 frag=$2
	shift 2
	if "$@" >out.txt 2>err.txt; then
		ko "$what: succeeded"
	elif ! grep -qF -- "$frag" err.txt out.txt; then
		ko "$what: message lacks \"$frag\": $(cat err.txt)"
	else
		ok
	fi
}
export SOURCE_DATE_EPOCH=1700000000

# -help / -version, and sgx_sign is the same program
"$de_sign" -help | grep -q "gendata" && ok || ko "-help"
"$de_sign" -version | grep -q "sgx_sign compatible" && ok || ko "-version"
[ -x "$sgx_sign" ] && "$sgx_sign" -version >/dev/null && ok || ko "sgx_sign link"
expect_fail "no command" "a command is required" "$de_sign"
expect_fail "unknown command" "unknown command" "$de_sign" frobnicate
expect_fail "missing -key" "\"-key\" is required" "$de_sign" sign -enclave "$enclave" -out x
expect_fail "invalid option" "invalid for the command" "$de_sign" gendata -enclave "$enclave" \
	-out x -key "$key"

# sign, reproducibly
"$de_sign" sign -enclave "$enclave" -key "$key" -out a.so -dumpfile a.txt -cssfile a.css \
	>/dev/null && ok || ko "sign"
"$sgx_sign" sign -enclave "$enclave" -key "$key" -out b.so -ignore-rel-error >/dev/null && ok ||
	ko "sign via sgx_sign"
cmp -s a.so b.so && ok || ko "signing twice is not byte-identical"
[ "$(stat -c %s a.css)" = 1808 ] && ok || ko "-cssfile is not 1808 bytes"
SOURCE_DATE_EPOCH=1 "$de_sign" sign -enclave "$enclave" -key "$key" -out c.so >/dev/null
cmp -s a.so c.so && ko "SOURCE_DATE_EPOCH did not change the date" || ok
(unset SOURCE_DATE_EPOCH; "$de_sign" sign -enclave "$enclave" -key "$key" -out d1.so >/dev/null
 "$de_sign" sign -enclave "$enclave" -key "$key" -out d2.so -dumpfile d.txt >/dev/null)
cmp -s d1.so d2.so && grep -q "^date: 19700101" d.txt && ok || ko "no SOURCE_DATE_EPOCH: not fixed"
expect_fail "bad SOURCE_DATE_EPOCH" "SOURCE_DATE_EPOCH" env SOURCE_DATE_EPOCH=yesterday \
	"$de_sign" sign -enclave "$enclave" -key "$key" -out e.so

# the signed file verifies and dump agrees with the verifier
"$de_sign" verify -enclave a.so >v.txt && ok || ko "verify"
mr=$(sed -n 's/^mrenclave: //p' v.txt)
signer=$(sed -n 's/^mrsigner: //p' v.txt)
grep -q "^mrenclave: $mr" a.txt && grep -q "^mrsigner: $signer" a.txt && ok ||
	ko "dump MRENCLAVE/MRSIGNER differ from verify"
# sgx_sign-style extraction used by existing scripts
mr2=$(sed -n '/enclave_hash.m:/,/isv_prod_id/p' a.txt | sed '1d;$d' | tr -d ' \n' | sed 's/0x//g')
[ "$mr2" = "$mr" ] && ok || ko "enclave_hash.m lines ($mr2) differ from $mr"
# MRSIGNER = SHA-256 of the modulus as stored (little-endian)
mod_le=$(openssl rsa -in "$key" -noout -modulus 2>/dev/null | sed 's/Modulus=//' |
	sed 's/../& /g' | tr ' ' '\n' | sed '/^$/d' | tac | tr -d '\n')
signer2=$(printf '%s' "$mod_le" | xxd -r -p | openssl dgst -sha256 -r | cut -d' ' -f1)
[ "$signer2" = "$signer" ] && ok || ko "MRSIGNER is not SHA-256(modulus LE)"
for field in "verification: OK" "debug: allowed" "isv_prod_id: 0" "isv_svn: 0" \
	"attributes: flags 0x0000000000000004" "region 1: HEAP" "region 5: TCS" "segment 1:" \
	"mrsigner->value:" "metadata->enclave_css.body.attribute_mask.flags: 0xfffffffffffffffd"; do
	grep -qF "$field" a.txt && ok || ko "dump lacks \"$field\""
done
"$de_sign" dump -enclave a.so -dumpfile a2.txt -cssfile a2.css >/dev/null && ok || ko "dump"
cmp -s a.txt a2.txt && cmp -s a.css a2.css && ok || ko "dump differs from sign -dumpfile"
expect_fail "dump of unsigned" "no .de_metadata section" "$de_sign" dump -enclave "$enclave" \
	-dumpfile x.txt

# gendata + openssl dgst -sha256 -sign + catsig == sign
"$de_sign" gendata -enclave "$enclave" -out data.bin >/dev/null && ok || ko "gendata"
[ "$(stat -c %s data.bin)" = 256 ] && ok || ko "gendata output is not 256 bytes"
openssl dgst -sha256 -sign "$key" -out sig.bin data.bin
"$de_sign" catsig -enclave "$enclave" -key "$pub" -sig sig.bin -unsigned data.bin -out cat.so \
	-dumpfile cat.txt >/dev/null && ok || ko "catsig"
cmp -s cat.so a.so && ok || ko "gendata + openssl + catsig differs from sign"
# catsig keeps the date of the signing material even if the clock/env changed
SOURCE_DATE_EPOCH=5 "$de_sign" catsig -enclave "$enclave" -key "$pub" -sig sig.bin \
	-unsigned data.bin -out cat2.so >/dev/null
cmp -s cat2.so a.so && ok || ko "catsig did not take the date from the signing material"
openssl genrsa -3 -out other.pem 3072 2>/dev/null
openssl rsa -in other.pem -pubout -out other_pub.pem 2>/dev/null
expect_fail "catsig wrong key" "does not verify" "$de_sign" catsig -enclave "$enclave" \
	-key other_pub.pem -sig sig.bin -unsigned data.bin -out x.so
[ ! -e x.so ] && ok || ko "a failed catsig left an output file"
expect_fail "catsig other config" "does not match this enclave" "$de_sign" catsig \
	-enclave "$enclave" -key "$pub" -sig sig.bin -unsigned data.bin -out x.so \
	-config "$src/configs/nodebug.xml"
head -c 100 sig.bin >short.bin
expect_fail "catsig short sig" "must be 384 bytes" "$de_sign" catsig -enclave "$enclave" \
	-key "$pub" -sig short.bin -unsigned data.bin -out x.so
expect_fail "catsig with private key" "this is a private key" "$de_sign" catsig \
	-enclave "$enclave" -key "$key" -sig sig.bin -unsigned data.bin -out x.so

# keys other than RSA-3072 / e=3 are refused with a recipe
openssl genrsa -out k2048.pem 2048 2>/dev/null
openssl genrsa -out k65537.pem 3072 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out kec.pem 2>/dev/null
for k in k2048.pem k65537.pem kec.pem; do
	expect_fail "key $k" "openssl genrsa -3 -out key.pem 3072" "$de_sign" sign \
		-enclave "$enclave" -key "$k" -out x.so
done
expect_fail "sign with public key" "this is a public key" "$de_sign" sign -enclave "$enclave" \
	-key "$pub" -out x.so
expect_fail "missing key" "cannot open the key file" "$de_sign" sign -enclave "$enclave" \
	-key nope.pem -out x.so

# configuration: values land in the SIGSTRUCT and layout; errors name file and line
"$de_sign" sign -enclave "$enclave" -key "$key" -out nd.so -config "$src/configs/nodebug.xml" \
	-dumpfile nd.txt >/dev/null && ok || ko "sign with nodebug.xml"
for field in "isv_prod_id: 4660" "isv_svn: 7" "debug: disabled" "tcs_num: 2" "tcs_policy: 0" \
	"heap_init_size: 0x10000" "region 9: TCS" "attribute_mask: flags 0xffffffffffffffff"; do
	grep -qF "$field" nd.txt && ok || ko "nodebug dump lacks \"$field\""
done
"$de_sign" verify -enclave nd.so -debug >v2.txt 2>/dev/null
grep -q "SGX_ERROR_NDEBUG_ENCLAVE 0x2004" v2.txt && ok || ko "debug launch of DisableDebug enclave"
"$de_sign" sign -enclave "$enclave" -key "$key" -out t.so -config "$src/configs/threads.xml" \
	>/dev/null 2>warn.txt && ok || ko "sign with threads.xml"
grep -q "threads.xml:8: warning: <ReservedMemMaxSize> has no meaning" warn.txt && ok ||
	ko "no warning for ReservedMemMaxSize: $(cat warn.txt)"
printf '<EnclaveConfiguration>\n<StackMaxSize>0x1234</StackMaxSize>\n</EnclaveConfiguration>\n' \
	>bad1.xml
expect_fail "unaligned stack" "bad1.xml:2: error: <StackMaxSize> is out of range" \
	"$de_sign" sign -enclave "$enclave" -key "$key" -out x.so -config bad1.xml
printf '<EnclaveConfiguration>\n<HeapMaxSize>0x1800</HeapMaxSize>\n</EnclaveConfiguration>\n' \
	>bad2.xml
expect_fail "unaligned heap" "bad2.xml:2: error: HeapMaxSize is not a multiple of 4096" \
	"$de_sign" gendata -enclave "$enclave" -out x.bin -config bad2.xml
printf '<EnclaveConfiguration>\n<ProdID>1</ProdID>\n<ISVSVN>1</ProdID>\n' >bad3.xml
expect_fail "malformed xml" "bad3.xml:3: error: malformed XML" "$de_sign" sign \
	-enclave "$enclave" -key "$key" -out x.so -config bad3.xml
expect_fail "missing config" "cannot open the configuration file" "$de_sign" sign \
	-enclave "$enclave" -key "$key" -out x.so -config nope.xml

# inputs that are not unsigned static-pie enclaves
expect_fail "already signed" "already signed" "$de_sign" sign -enclave a.so -key "$key" -out x.so
printf 'not an elf at all, just text padding padding padding padding padding pad\n' >notelf
expect_fail "not ELF" "not an ELF file" "$de_sign" sign -enclave notelf -key "$key" -out x.so
expect_fail "missing enclave" "cannot open" "$de_sign" sign -enclave nope.so -key "$key" -out x.so

# tampering is caught by verify with the SGX code
cp a.so tampered.so
printf '\001' | dd of=tampered.so bs=1 seek=4100 conv=notrunc 2>/dev/null
"$de_sign" verify -enclave tampered.so >v3.txt 2>/dev/null
grep -q "SGX_ERROR_INVALID_ENCLAVE 0x2001" v3.txt && ok || ko "tampered code: $(cat v3.txt)"
head -c 1000 a.so >trunc.so
"$de_sign" verify -enclave trunc.so >v4.txt 2>/dev/null
grep -q "^SGX_ERROR_INVALID_ENCLAVE" v4.txt && ok || ko "truncated: $(cat v4.txt)"

echo "cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
