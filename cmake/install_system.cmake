# Runs at install time (cmake --install) when DE_SYSTEM_INSTALL is on:
# puts the systemd unit and the default configuration where systemd and
# /etc expect them, and links the service's default image path to the
# installed image. An existing /etc/enclave.conf is never overwritten.

set(root "$ENV{DESTDIR}")
set(unit_in "${DE_SOURCE_DIR}/packaging/de_platform_service.service")
set(unit_out "${root}/etc/systemd/system/de_platform_service.service")
file(READ "${unit_in}" text)
string(REPLACE "/opt/teesdk/desdk" "${CMAKE_INSTALL_PREFIX}" text "${text}")
file(WRITE "${unit_out}" "${text}")
message(STATUS "Installing: ${unit_out}")

if(NOT EXISTS "${root}/etc/enclave.conf")
  file(COPY_FILE "${DE_SOURCE_DIR}/packaging/enclave.conf" "${root}/etc/enclave.conf")
  message(STATUS "Installing: ${root}/etc/enclave.conf")
else()
  message(STATUS "Keeping: ${root}/etc/enclave.conf")
endif()

set(image "${CMAKE_INSTALL_PREFIX}/share/dragonfly/image.bin")
if(NOT image STREQUAL "/usr/local/share/dragonfly/image.bin")
  file(MAKE_DIRECTORY "${root}/usr/local/share/dragonfly")
  file(CREATE_LINK "${image}" "${root}/usr/local/share/dragonfly/image.bin" SYMBOLIC)
  message(STATUS "Installing: ${root}/usr/local/share/dragonfly/image.bin -> ${image}")
endif()

if(root STREQUAL "" AND EXISTS /run/systemd/system)
  execute_process(COMMAND systemctl daemon-reload)
endif()
