# find_package(DESDK): the DE Enclave SDK installed under a prefix
# (the directory above this file). Provides de_add_enclave() and
# de_add_app(); see DESDK.cmake.
get_filename_component(DESDK_PREFIX "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(DESDK_EDGER8R ${DESDK_PREFIX}/bin/de_edger8r)
set(DESDK_SIGN ${DESDK_PREFIX}/bin/de_sign)
set(DESDK_INCLUDE ${DESDK_PREFIX}/include)
set(DESDK_TRTS ${DESDK_PREFIX}/lib/libde_trts.a)
set(DESDK_URTS ${DESDK_PREFIX}/lib/libde_urts.so)
set(DESDK_URTS_DIR ${DESDK_PREFIX}/lib)
set(DESDK_MUSL_INCLUDE ${DESDK_PREFIX}/musl/include)
set(DESDK_MUSL_LIB ${DESDK_PREFIX}/musl/lib)
set(DESDK_LIBGCC ${DESDK_PREFIX}/musl/lib/libgcc.a)
foreach(f ${DESDK_EDGER8R} ${DESDK_SIGN} ${DESDK_TRTS} ${DESDK_URTS} ${DESDK_MUSL_LIB}/libc.a)
  if(NOT EXISTS ${f})
    message(FATAL_ERROR "DE Enclave SDK under ${DESDK_PREFIX} is incomplete: ${f} is missing; "
                        "reinstall it (cmake --install <build> --prefix ${DESDK_PREFIX})")
  endif()
endforeach()
set(DESDK_FOUND TRUE)
include(${CMAKE_CURRENT_LIST_DIR}/DESDK.cmake)
