#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian 12 packages DE Enclave needs to build and test.
# Idempotent: installs only what is missing. Run as root (or with sudo).
set -euo pipefail

PACKAGES=(
	# build
	build-essential cmake ninja-build pkg-config
	# host libraries (DESIGN.md §5)
	libssl-dev libinih-dev libexpat1-dev libjansson-dev libsystemd-dev
	# inside the EVM: musl libc and BearSSL
	musl-dev libbearssl-dev
	# tests: unit tests, fuzzers, integration helpers
	libcmocka-dev clang libclang-rt-dev jq socat openssl xxd
)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "setup: all ${#PACKAGES[@]} packages are installed"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "setup: missing packages: ${missing[*]}" >&2
	echo "setup: run as root (sudo $0) to install them" >&2
	exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "setup: done"
