/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The enclave's own range for sgx_is_within_enclave: the manager loads the
 * image at ENCLAVE_BASE (0x200_0000_0000) and gives the enclave the 1 TiB
 * from there (image, brk heap, mmap area, main stack: docs/kernel.md,
 * section 4.2). The linker defines __ehdr_start at the image's first byte.
 */
#include "trts_core.h"

extern const char __ehdr_start[] __attribute__((weak, visibility("hidden")));

#define ENCLAVE_BASE_DEFAULT 0x0000020000000000ull

struct de_trts_range de_trts_enclave_range(void)
{
	uintptr_t lo = (uintptr_t)__ehdr_start;
	if (!lo)
		lo = ENCLAVE_BASE_DEFAULT;
	lo &= ~(uintptr_t)(DE_TRTS_ENCLAVE_SPAN - 1);
	struct de_trts_range r = {lo, lo + (uintptr_t)DE_TRTS_ENCLAVE_SPAN};
	return r;
}
