# DE Enclave SDK: CMake functions to build, sign and link enclaves and the
# applications that call them. Used in the SDK's own build tree and, through
# DESDKConfig.cmake, from an installed SDK (find_package(DESDK)).
#
#   de_add_enclave(<name> EDL <file.edl> SOURCES <src>... [CONFIG <Enclave.config.xml>]
#                  [KEY <private.pem>] [OUTPUT_DIR <dir>] [INCLUDE_DIRS <dir>...]
#                  [SEARCH_PATHS <dir>...])
#       Generates the trusted edge code, compiles the sources against the
#       enclave-side headers (SGX-compatible headers and musl's C library),
#       links a static-pie enclave with the trusted runtime, and signs it:
#       <OUTPUT_DIR>/<name>.signed.so (OUTPUT_DIR defaults to the current
#       binary directory). Without KEY a test key is made once per build tree
#       (RSA-3072, e = 3), with a warning: never ship enclaves signed with it.
#       Target <name> builds the signed file.
#
#   de_add_app(<name> EDL <file.edl> SOURCES <src>... [OUTPUT_DIR <dir>]
#              [SEARCH_PATHS <dir>...])
#       Generates the untrusted edge code and builds an application linked
#       with the untrusted runtime (libde_urts), able to run from anywhere.
#
# Variables the caller (the SDK's build or DESDKConfig.cmake) sets first:
#   DESDK_EDGER8R, DESDK_SIGN      programs (paths or target names)
#   DESDK_INCLUDE                  the SGX-compatible headers
#   DESDK_TRTS, DESDK_URTS         trusted runtime (static) and untrusted runtime (shared)
#   DESDK_URTS_DIR                 directory of the untrusted runtime, for the RPATH
#   DESDK_MUSL_INCLUDE, DESDK_MUSL_LIB   musl's headers and crt files / libc.a
#   DESDK_LIBGCC                   the compiler's libgcc.a

include_guard(GLOBAL)

function(_desdk_key out_var)
  set(key ${CMAKE_BINARY_DIR}/de_test_signing_key.pem)
  if(NOT TARGET desdk_test_key)
    find_program(DESDK_OPENSSL openssl REQUIRED)
    message(WARNING "No KEY given to de_add_enclave: enclaves are signed with a test key made "
                    "for this build tree (${key}). Use your own RSA-3072 key with exponent 3 "
                    "(openssl genrsa -3 -out key.pem 3072) for enclaves you ship.")
    add_custom_command(OUTPUT ${key}
      COMMAND ${DESDK_OPENSSL} genrsa -3 -out ${key}.tmp 3072
      COMMAND ${CMAKE_COMMAND} -E rename ${key}.tmp ${key}
      COMMENT "Making a test signing key (for tests only)")
    add_custom_target(desdk_test_key DEPENDS ${key})
  endif()
  set(${out_var} ${key} PARENT_SCOPE)
endfunction()

# de_edger8r's search path: the EDL's directory, the SDK headers, then the caller's.
function(_desdk_search out_var edl_dir)
  set(search --search-path ${edl_dir} --search-path ${DESDK_INCLUDE})
  foreach(p ${ARGN})
    list(APPEND search --search-path ${p})
  endforeach()
  set(${out_var} ${search} PARENT_SCOPE)
endfunction()

function(_desdk_prog out_var prog)
  if(TARGET ${prog})
    set(${out_var} $<TARGET_FILE:${prog}> PARENT_SCOPE)
  else()
    set(${out_var} ${prog} PARENT_SCOPE)
  endif()
endfunction()

function(de_add_enclave name)
  cmake_parse_arguments(E "" "EDL;CONFIG;KEY;OUTPUT_DIR" "SOURCES;INCLUDE_DIRS;SEARCH_PATHS" ${ARGN})
  if(NOT E_EDL OR NOT E_SOURCES)
    message(FATAL_ERROR "de_add_enclave(${name}): EDL and SOURCES are required")
  endif()
  get_filename_component(edl ${E_EDL} ABSOLUTE)
  get_filename_component(edl_name ${edl} NAME_WE)
  get_filename_component(edl_dir ${edl} DIRECTORY)
  if(NOT E_OUTPUT_DIR)
    set(E_OUTPUT_DIR ${CMAKE_CURRENT_BINARY_DIR})
  endif()
  set(gen ${CMAKE_CURRENT_BINARY_DIR}/${name}_edge)
  _desdk_prog(edger8r ${DESDK_EDGER8R})
  _desdk_prog(signer ${DESDK_SIGN})
  _desdk_search(search ${edl_dir} ${E_SEARCH_PATHS})
  add_custom_command(OUTPUT ${gen}/${edl_name}_t.c ${gen}/${edl_name}_t.h
    COMMAND ${edger8r} --trusted --trusted-dir ${gen} ${search} ${edl}
    DEPENDS ${edl} ${DESDK_EDGER8R}
    COMMENT "Generating the trusted edge code of ${name} from ${edl_name}.edl")

  add_executable(${name}_unsigned ${E_SOURCES} ${gen}/${edl_name}_t.c)
  set_target_properties(${name}_unsigned PROPERTIES OUTPUT_NAME ${name} SUFFIX .so
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/${name}_unsigned)
  target_include_directories(${name}_unsigned PRIVATE ${gen} ${E_INCLUDE_DIRS})
  # SHELL: keeps each -isystem with its directory (CMake merges repeated flags).
  target_compile_options(${name}_unsigned PRIVATE -nostdinc "SHELL:-isystem ${DESDK_INCLUDE}"
    "SHELL:-isystem ${DESDK_MUSL_INCLUDE}" -fPIE -fno-stack-protector -fcf-protection=none
    -D_GNU_SOURCE)
  target_link_options(${name}_unsigned PRIVATE -static-pie -nostdlib -Wl,-z,separate-code
    -Wl,-z,max-page-size=4096 -Wl,--build-id=none -Wl,-z,noexecstack
    ${DESDK_MUSL_LIB}/rcrt1.o ${DESDK_MUSL_LIB}/crti.o)
  target_link_libraries(${name}_unsigned PRIVATE ${DESDK_TRTS} ${DESDK_MUSL_LIB}/libc.a
    ${DESDK_LIBGCC} ${DESDK_MUSL_LIB}/crtn.o)

  set(key ${E_KEY})
  set(key_dep ${E_KEY})
  if(NOT key)
    _desdk_key(key)
    set(key_dep ${key} desdk_test_key)
  endif()
  set(config_args)
  set(config_dep)
  if(E_CONFIG)
    get_filename_component(cfg ${E_CONFIG} ABSOLUTE)
    set(config_args -config ${cfg})
    set(config_dep ${cfg})
  endif()
  set(signed ${E_OUTPUT_DIR}/${name}.signed.so)
  add_custom_command(OUTPUT ${signed}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${E_OUTPUT_DIR}
    COMMAND ${signer} sign -enclave $<TARGET_FILE:${name}_unsigned> -key ${key}
            ${config_args} -out ${signed}
    DEPENDS ${name}_unsigned ${DESDK_SIGN} ${key_dep} ${config_dep}
    COMMENT "Signing enclave ${name}")
  add_custom_target(${name} ALL DEPENDS ${signed})
endfunction()

function(de_add_app name)
  cmake_parse_arguments(A "" "EDL;OUTPUT_DIR" "SOURCES;SEARCH_PATHS" ${ARGN})
  if(NOT A_EDL OR NOT A_SOURCES)
    message(FATAL_ERROR "de_add_app(${name}): EDL and SOURCES are required")
  endif()
  get_filename_component(edl ${A_EDL} ABSOLUTE)
  get_filename_component(edl_name ${edl} NAME_WE)
  get_filename_component(edl_dir ${edl} DIRECTORY)
  set(gen ${CMAKE_CURRENT_BINARY_DIR}/${name}_edge)
  _desdk_prog(edger8r ${DESDK_EDGER8R})
  _desdk_search(search ${edl_dir} ${A_SEARCH_PATHS})
  add_custom_command(OUTPUT ${gen}/${edl_name}_u.c ${gen}/${edl_name}_u.h
    COMMAND ${edger8r} --untrusted --untrusted-dir ${gen} ${search} ${edl}
    DEPENDS ${edl} ${DESDK_EDGER8R}
    COMMENT "Generating the untrusted edge code of ${name} from ${edl_name}.edl")
  add_executable(${name} ${A_SOURCES} ${gen}/${edl_name}_u.c)
  target_include_directories(${name} PRIVATE ${gen} ${DESDK_INCLUDE})
  target_link_libraries(${name} PRIVATE ${DESDK_URTS} pthread)
  set_target_properties(${name} PROPERTIES BUILD_RPATH "${DESDK_URTS_DIR}"
    INSTALL_RPATH "${DESDK_URTS_DIR}")
  if(A_OUTPUT_DIR)
    set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${A_OUTPUT_DIR})
  endif()
endfunction()
