/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Holes: the unmapped ranges of a space's mmap area that munmap left
 * behind, so that mmap can use the same addresses again (and the page
 * tables that cover them) instead of moving on for ever. Pure bookkeeping
 * on page numbers, no page tables: the kernel says which pages are
 * unmapped (holes_add) and maps what holes_take hands out.
 *
 * Invariant: every page in a hole is unmapped; holes never overlap or
 * touch (adjacent ones are merged). A mapping taken from a hole keeps one
 * unmapped page of the hole on each side (the guard pages mmap always
 * leaves between mappings).
 */
#ifndef DE_KERNEL_HOLES_H
#define DE_KERNEL_HOLES_H

#include <stdint.h>

/* Holes kept per space; when full, the smallest is forgotten (its
 * addresses are then not reused; nothing else is lost). */
#define HOLES_MAX 32

struct holes {
	uint64_t first[HOLES_MAX]; /* page numbers, sorted by first */
	uint64_t count[HOLES_MAX]; /* pages, >= 1 */
	uint32_t nr;
};

/* Records pages [first, first + n) as unmapped, merged with any hole they
 * overlap or touch. n == 0 or a range that wraps is ignored. */
void holes_add(struct holes *h, uint64_t first, uint64_t n);

/*
 * Takes room for n pages (n >= 1) out of the first hole (lowest address)
 * with n + 2 pages or more: returns the first page of the n, which start
 * one page after the hole's start, and keeps the rest of the hole from the
 * page after them. 0 when no hole is big enough.
 */
uint64_t holes_take(struct holes *h, uint64_t n);

#endif /* DE_KERNEL_HOLES_H */
