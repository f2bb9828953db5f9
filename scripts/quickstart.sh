#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Sets up the machine, builds DE Enclave, boots an Enclave VM with a private
# runtime directory, runs SampleMath (an application calling its enclave in
# the EVM), shows the EVM's status and stops it.
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

echo "== SampleMath: the application asks its enclave for three distances"
DE_RUNTIME_DIR=$run/run ./build/SampleMath/App/app

echo "== stopping"
./build/bin/dectl --runtime-dir "$run/run" stop
wait $svc
trap 'rm -rf "$run"' EXIT
echo "== done: the EVM booted, ran SampleMath's enclave and stopped cleanly"
