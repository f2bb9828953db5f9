#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# cmake --install puts the programs, the image, the systemd unit and the
# default configuration where the service and systemd expect them.
set -euo pipefail
: "${DE_BUILD_DIR:?}"
dest=$(mktemp -d /tmp/de-install.XXXXXX)
trap 'rm -rf "$dest"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

DESTDIR=$dest cmake --install "$DE_BUILD_DIR" >"$dest.log" 2>&1 || { cat "$dest.log"; fail "install failed"; }
rm -f "$dest.log"
p=$dest/opt/teesdk/desdk
for f in bin/de_platform_service bin/dectl bin/de_sign bin/sgx_sign bin/de_edger8r bin/sgx_edger8r \
	share/dragonfly/image.bin share/de-enclave/enclave.conf.default include/sgx_error.h; do
	[ -e "$p/$f" ] || fail "$p/$f missing"
done
echo "ok: programs, image and headers under /opt/teesdk/desdk"

unit=$dest/etc/systemd/system/de_platform_service.service
[ -f "$unit" ] || fail "no systemd unit"
grep -qx 'Type=notify' "$unit" || fail "unit is not Type=notify"
exec_path=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
[ -x "$dest$exec_path" ] || fail "ExecStart=$exec_path does not exist in the install"
echo "ok: systemd unit, ExecStart=$exec_path"

[ -f "$dest/etc/enclave.conf" ] || fail "no /etc/enclave.conf"
link=$(readlink "$dest/usr/local/share/dragonfly/image.bin")
[ "$link" = /opt/teesdk/desdk/share/dragonfly/image.bin ] || fail "default image link -> '$link'"
echo "ok: /etc/enclave.conf and /usr/local/share/dragonfly/image.bin -> $link"

# The shipped configuration is valid as it is (all keys commented out) and
# with every key set to its documented default.
conf=$dest/check.conf
sed -n 's/^#\([a-z_]* = .*\)$/\1/p' "$dest/etc/enclave.conf" | grep -v '^cpu_list' >"$conf"
sed -i "s|^image = .*|image = $p/share/dragonfly/image.bin|; s|^runtime_dir = .*|runtime_dir = $dest/run|; s|^memory_mib = .*|memory_mib = 64|" "$conf"
out=$("$p/bin/de_platform_service" --check --config "$conf" 2>&1) || fail "shipped settings refused: $out"
echo "ok: $out"

# A second install keeps an edited /etc/enclave.conf.
echo "# edited" >>"$dest/etc/enclave.conf"
DESTDIR=$dest cmake --install "$DE_BUILD_DIR" >/dev/null 2>&1 || fail "reinstall failed"
grep -q '^# edited$' "$dest/etc/enclave.conf" || fail "reinstall overwrote /etc/enclave.conf"
echo "ok: reinstall keeps an edited /etc/enclave.conf"
