# Shared build settings for host targets. Flags are applied per target, never
# globally, because the EVM kernel and manager are built with their own
# freestanding / musl flags and must not inherit host sanitizers.

set(DE_WARNINGS -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla)
set(DE_SANITIZE_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all
    -fno-omit-frame-pointer)

# de_host_target(<target>): a program or library that runs on the host.
function(de_host_target target)
  target_compile_options(${target} PRIVATE ${DE_WARNINGS})
  target_compile_definitions(${target} PRIVATE _GNU_SOURCE)
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/include)
  if(DE_SANITIZE)
    target_compile_options(${target} PRIVATE ${DE_SANITIZE_FLAGS})
    target_link_options(${target} PRIVATE ${DE_SANITIZE_FLAGS})
  endif()
endfunction()

# de_fuzz_target(<name> SOURCES ... [LIBS ...] [CORPUS dir]): a libFuzzer
# target, built only with -DDE_FUZZ=ON (the fuzz build uses clang). The parser
# sources must be listed in SOURCES so that they get coverage instrumentation.
# Each target gets a ctest entry (label "fuzz") that runs it for a bounded
# number of iterations, starting from the seed corpus when one is given. New
# inputs go to a directory in the build tree, never into the source tree.
function(de_fuzz_target name)
  cmake_parse_arguments(F "" "CORPUS" "SOURCES;LIBS" ${ARGN})
  if(NOT DE_FUZZ)
    return()
  endif()
  add_executable(${name} ${F_SOURCES})
  de_host_target(${name})
  target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(${name} PRIVATE ${F_LIBS})
  set(work ${CMAKE_CURRENT_BINARY_DIR}/${name}.corpus)
  file(MAKE_DIRECTORY ${work})
  add_test(NAME fuzz.${name}
           COMMAND ${name} -runs=50000 -max_total_time=20 ${work} ${F_CORPUS})
  set_tests_properties(fuzz.${name} PROPERTIES LABELS fuzz)
endfunction()

# de_musl_program(<target>): a static-pie program linked against musl, as the
# EVM's manager and enclaves are (no INTERP header, only PIC relocations).
set(DE_MUSL_INC /usr/include/x86_64-linux-musl)
set(DE_MUSL_LIB /usr/lib/x86_64-linux-musl)
execute_process(COMMAND ${CMAKE_C_COMPILER} -print-libgcc-file-name
                OUTPUT_VARIABLE DE_LIBGCC OUTPUT_STRIP_TRAILING_WHITESPACE)
# de_musl_objects(<target>): compile a target's C files against musl's
# headers, position independent, as code linked into enclaves (and the
# manager) must be; for static libraries such as the trusted runtime.
function(de_musl_objects target)
  foreach(f ${DE_MUSL_LIB}/rcrt1.o ${DE_MUSL_LIB}/libc.a ${DE_MUSL_INC}/stdio.h)
    if(NOT EXISTS ${f})
      message(FATAL_ERROR "${f} is missing: install musl-dev (scripts/setup.sh does)")
    endif()
  endforeach()
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/include)
  target_compile_options(${target} PRIVATE ${DE_WARNINGS} -D_GNU_SOURCE
    -nostdinc -isystem ${DE_MUSL_INC} -fPIE -O2 -fno-stack-protector -fcf-protection=none)
endfunction()

function(de_musl_program target)
  de_musl_objects(${target})
  target_link_options(${target} PRIVATE
    -static-pie -nostdlib -Wl,-z,separate-code -Wl,-z,max-page-size=4096
    -Wl,--build-id=none -Wl,-z,noexecstack ${DE_MUSL_LIB}/rcrt1.o ${DE_MUSL_LIB}/crti.o)
  target_link_libraries(${target} PRIVATE ${DE_MUSL_LIB}/libc.a ${DE_LIBGCC} ${DE_MUSL_LIB}/crtn.o)
endfunction()

# BearSSL (libbearssl-dev): the static library is position-independent, so
# the manager (static-pie, musl) links it. Its headers are copied to a
# directory of their own: the manager builds with -nostdinc against musl's
# headers and must not see the rest of /usr/include.
set(DE_BEARSSL_LIB /usr/lib/x86_64-linux-gnu/libbearssl.a)
set(DE_BEARSSL_INC ${PROJECT_BINARY_DIR}/bearssl-include)
if(NOT EXISTS ${DE_BEARSSL_LIB} OR NOT EXISTS /usr/include/bearssl.h)
  message(FATAL_ERROR "BearSSL is missing: install libbearssl-dev (scripts/setup.sh does)")
endif()
file(COPY /usr/include/bearssl.h DESTINATION ${DE_BEARSSL_INC})
if(IS_DIRECTORY /usr/include/bearssl)
  file(COPY /usr/include/bearssl DESTINATION ${DE_BEARSSL_INC})
endif()

# de_evm_image(<output> KERNEL <target> MANAGER <target>): builds an image.
function(de_evm_image output)
  cmake_parse_arguments(I "" "KERNEL;MANAGER;TARGET" "" ${ARGN})
  get_filename_component(dir ${output} DIRECTORY)
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
    COMMAND de_mkimage --kernel $<TARGET_FILE:${I_KERNEL}> --manager $<TARGET_FILE:${I_MANAGER}>
            --out ${output}
    DEPENDS de_mkimage ${I_KERNEL} ${I_MANAGER}
    COMMENT "Building EVM image ${output}")
  add_custom_target(${I_TARGET} ALL DEPENDS ${output})
endfunction()
