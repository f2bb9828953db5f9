/* SPDX-License-Identifier: Apache-2.0 */
/* Reusable address ranges of a space's mmap area: see holes.h. */
#include "holes.h"

static void remove_at(struct holes *h, uint32_t i)
{
	for (uint32_t j = i + 1; j < h->nr; j++) {
		h->first[j - 1] = h->first[j];
		h->count[j - 1] = h->count[j];
	}
	h->nr--;
}

void holes_add(struct holes *h, uint64_t first, uint64_t n)
{
	if (n == 0 || first + n < first)
		return;
	uint64_t end = first + n;
	/* Absorb every hole that overlaps or touches [first, end). */
	for (uint32_t i = 0; i < h->nr;) {
		uint64_t hf = h->first[i], he = hf + h->count[i];
		if (he < first || hf > end) {
			i++;
			continue;
		}
		if (hf < first)
			first = hf;
		if (he > end)
			end = he;
		remove_at(h, i);
	}
	if (h->nr == HOLES_MAX) {
		/* Full: forget the smallest, unless the new one is smaller. */
		uint32_t s = 0;
		for (uint32_t i = 1; i < h->nr; i++)
			if (h->count[i] < h->count[s])
				s = i;
		if (h->count[s] >= end - first)
			return;
		remove_at(h, s);
	}
	uint32_t at = 0;
	while (at < h->nr && h->first[at] < first)
		at++;
	for (uint32_t j = h->nr; j > at; j--) {
		h->first[j] = h->first[j - 1];
		h->count[j] = h->count[j - 1];
	}
	h->first[at] = first;
	h->count[at] = end - first;
	h->nr++;
}

uint64_t holes_take(struct holes *h, uint64_t n)
{
	if (n == 0 || n > UINT64_MAX - 2)
		return 0;
	for (uint32_t i = 0; i < h->nr; i++) {
		if (h->count[i] < n + 2)
			continue;
		uint64_t page = h->first[i] + 1;
		/* The rest starts with the guard page after the n pages. */
		h->first[i] = page + n;
		h->count[i] -= n + 1;
		return page;
	}
	return 0;
}
