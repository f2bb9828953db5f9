#!/bin/sh
# Test fixture: a signing key (RSA-3072, e=3) made at test time and signed
# copies of the tiny enclave with the default and a DisableDebug config.
# usage: fixture.sh DE_SIGN ENCLAVE SRCDIR OUTDIR [MUSL_ENCLAVE]
set -eu
de_sign=$1 enclave=$2 src=$3 out=$4 musl=${5:-}
mkdir -p "$out"
if [ ! -s "$out/key.pem" ]; then
	openssl genrsa -3 -out "$out/key.pem.tmp" 3072 2>/dev/null
	mv "$out/key.pem.tmp" "$out/key.pem"
fi
openssl rsa -in "$out/key.pem" -pubout -out "$out/pub.pem" 2>/dev/null
export SOURCE_DATE_EPOCH=1700000000
"$de_sign" sign -enclave "$enclave" -key "$out/key.pem" -out "$out/enclave.signed.so" \
	-config "$src/configs/default.xml" >/dev/null
"$de_sign" sign -enclave "$enclave" -key "$out/key.pem" -out "$out/enclave.nodebug.signed.so" \
	-config "$src/configs/nodebug.xml" >/dev/null
"$de_sign" sign -enclave "$enclave" -key "$out/key.pem" -out "$out/enclave.big.signed.so" \
	-config "$src/configs/threads.xml" >/dev/null
if [ -n "$musl" ]; then
	"$de_sign" sign -enclave "$musl" -key "$out/key.pem" -out "$out/musl.signed.so" >/dev/null
	# Signing only appends unloaded data: the signed file still runs as a host process.
	"$out/musl.signed.so" >/dev/null
fi
echo "fixture ready in $out"
