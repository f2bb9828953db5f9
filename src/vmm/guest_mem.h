/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest RAM: one memfd, mapped once in the VMM, pre-populated, locked and
 * excluded from core dumps. It appears to the guest as up to two ranges:
 * [0, low) below the MMIO hole and [4 GiB, 4 GiB + high) above it.
 */
#ifndef DE_VMM_GUEST_MEM_H
#define DE_VMM_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GUEST_LOW_MAX (3ull << 30)
#define GUEST_HIGH    (4ull << 30)

struct guest_mem {
	int memfd;
	uint8_t *host; /* whole RAM, memfd offset 0 */
	uint64_t size; /* bytes */
	uint64_t low;  /* bytes mapped at GPA 0 */
	uint64_t high; /* bytes mapped at GPA 4 GiB (memfd offset = low) */
	bool locked;
};

int guest_mem_create(struct guest_mem *m, uint64_t bytes, char *err, size_t errlen);
/* Zero everything and release it (on EVM stop). */
void guest_mem_destroy(struct guest_mem *m);
/*
 * Host pointer for guest-physical [gpa, gpa + len), or NULL if any of it is
 * outside RAM. Everything the guest hands the VMM goes through this.
 */
void *guest_mem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len);

#endif
