# Sources of the host/EVM-neutral enclave format code. The EVM manager can
# include() this file and compile DE_COMMON_SOURCES with its own (musl,
# freestanding) flags; the code needs only <stdint.h>, <stddef.h>, <string.h>.
set(DE_COMMON_SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/elf.c
    ${CMAKE_CURRENT_LIST_DIR}/errors.c
    ${CMAKE_CURRENT_LIST_DIR}/evm_proto.c
    ${CMAKE_CURRENT_LIST_DIR}/layout.c
    ${CMAKE_CURRENT_LIST_DIR}/measure.c
    ${CMAKE_CURRENT_LIST_DIR}/meta_parse.c
    ${CMAKE_CURRENT_LIST_DIR}/rsa_q.c
    ${CMAKE_CURRENT_LIST_DIR}/sigstruct.c
    ${CMAKE_CURRENT_LIST_DIR}/verify.c)
