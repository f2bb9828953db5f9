#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Sets up the machine, builds DE Enclave, boots an Enclave VM with a private
# runtime directory, talks to it over vsock, shows its status and stops it.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)"

run=$(mktemp -d /tmp/de-quickstart.XXXXXX)
conf=$run/enclave.conf
cat >"$conf" <<CONF
image = $PWD/build/share/dragonfly/image.bin
cpu_count = 1
memory_mib = 256
runtime_dir = $run/run
CONF

echo "== booting an EVM (config $conf)"
./build/bin/de_platform_service --config "$conf" &
svc=$!
trap 'kill $svc 2>/dev/null || true; wait $svc 2>/dev/null || true; rm -rf "$run"' EXIT
for _ in $(seq 500); do
	./build/bin/dectl --runtime-dir "$run/run" status >/dev/null 2>&1 && break
	kill -0 $svc 2>/dev/null || { echo "the service failed to start"; exit 1; }
	sleep 0.01
done

echo "== dectl status"
./build/bin/dectl --runtime-dir "$run/run" status

echo "== 1 MiB through the trusted OS's echo service on vsock port 1"
./build/tests/vsock_client "$run/run/vsock.sock" --port 1 --bytes 1048576

echo "== stopping"
./build/bin/dectl --runtime-dir "$run/run" stop
wait $svc
trap 'rm -rf "$run"' EXIT
echo "== done: the EVM booted, served vsock and stopped cleanly"
