/* Layout of the signed enclave file written by de_sign. */
#ifndef DE_SIGN_SIGNED_FILE_H
#define DE_SIGN_SIGNED_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "de/enclave_meta.h"

/*
 * Build the signed file around an unsigned ELF: the input bytes (ELF header
 * patched to point at the new section table), a section name table that adds
 * ".de_metadata", a zeroed metadata area of meta_size bytes, and a new section
 * header table at the very end. Loaded segments are left untouched except for
 * the ELF header fields e_shoff, e_shnum and e_shstrndx.
 * Returns 0, or -1 with `why` set. *out is malloc'ed.
 */
int de_sf_build(const struct de_elf *elf, uint32_t meta_size, uint8_t **out, size_t *out_size,
                uint64_t *meta_offset, char *why, size_t why_len);

#endif /* DE_SIGN_SIGNED_FILE_H */
