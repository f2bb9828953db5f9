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
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(${name} PRIVATE ${F_LIBS})
  set(work ${CMAKE_CURRENT_BINARY_DIR}/${name}.corpus)
  file(MAKE_DIRECTORY ${work})
  add_test(NAME fuzz.${name}
           COMMAND ${name} -runs=50000 -max_total_time=20 ${work} ${F_CORPUS})
  set_tests_properties(fuzz.${name} PROPERTIES LABELS fuzz)
endfunction()
