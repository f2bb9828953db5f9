/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The allocator of a window's arena (de_window_alloc / de_window_free).
 *
 * The arena is divided into blocks, each free or allocated, described by
 * descriptors in application memory (the enclave can write anything into
 * the window, so nothing of the allocator's lives there):
 *   - every block is on one list in address order, so that a freed block
 *     merges with free neighbours at once;
 *   - free blocks are also on the free list of their size class
 *     (floor(log2(size / 16))), and a bitmap says which classes have blocks:
 *     a request takes the first block that fits from its own class, else
 *     any block of the smallest larger class, and splits off the rest;
 *   - allocated blocks are in a hash table by address, so that freeing
 *     checks that the pointer really is an allocated block.
 * One mutex per arena; every operation is O(1) apart from the short walk
 * of one free list.
 */
#include <stdlib.h>
#include <string.h>

#include "urts.h"

struct urts_block {
	uint64_t addr, size;
	struct urts_block *prev, *next;   /* neighbours in address order */
	struct urts_block *fprev, *fnext; /* its class's free list (free blocks only) */
	uint32_t bin;
	uint8_t free;
};

#define FIRST_FIT_WALK 8 /* blocks of its own class a request looks at first */
#define TABLE_MIN      64u

static uint32_t bin_of(uint64_t size)
{
	return 63u - (uint32_t)__builtin_clzll(size / URTS_HEAP_ALIGN);
}

static void bin_insert(struct urts_heap *h, struct urts_block *b)
{
	b->bin = bin_of(b->size);
	b->fprev = NULL;
	b->fnext = h->bins[b->bin];
	if (b->fnext)
		b->fnext->fprev = b;
	h->bins[b->bin] = b;
	h->nonempty |= 1ull << b->bin;
}

static void bin_remove(struct urts_heap *h, struct urts_block *b)
{
	if (b->fprev)
		b->fprev->fnext = b->fnext;
	else
		h->bins[b->bin] = b->fnext;
	if (b->fnext)
		b->fnext->fprev = b->fprev;
	if (!h->bins[b->bin])
		h->nonempty &= ~(1ull << b->bin);
	b->fprev = b->fnext = NULL;
}

static struct urts_block *desc_get(struct urts_heap *h)
{
	struct urts_block *b = h->spare;
	if (b) {
		h->spare = b->next;
		memset(b, 0, sizeof(*b));
		return b;
	}
	return calloc(1, sizeof(*b));
}

static void desc_put(struct urts_heap *h, struct urts_block *b)
{
	b->next = h->spare;
	h->spare = b;
}

/* ---- the table of allocated blocks (open addressing, linear probing) ---- */

static size_t slot_of(const struct urts_heap *h, uint64_t addr)
{
	uint64_t x = addr / URTS_HEAP_ALIGN;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 29;
	return (size_t)x & h->table_mask;
}

static size_t table_find(const struct urts_heap *h, uint64_t addr)
{
	for (size_t i = slot_of(h, addr);; i = (i + 1) & h->table_mask) {
		if (!h->table[i])
			return SIZE_MAX;
		if (h->table[i]->addr == addr)
			return i;
	}
}

/* Into table, sized h->table_mask + 1. */
static void table_put(const struct urts_heap *h, struct urts_block **table, struct urts_block *b)
{
	size_t i = slot_of(h, b->addr);
	while (table[i])
		i = (i + 1) & h->table_mask;
	table[i] = b;
}

/* Room for one more entry (the table is at most half full); 0 or -1. */
static int table_reserve(struct urts_heap *h)
{
	size_t cap = h->table_mask + 1;
	if ((h->table_used + 1) * 2 <= cap)
		return 0;
	if (cap > SIZE_MAX / 2 / sizeof(*h->table))
		return -1;
	struct urts_block **old = h->table;
	struct urts_block **t = calloc(cap * 2, sizeof(*t));
	if (!t)
		return -1;
	h->table = t;
	h->table_mask = cap * 2 - 1;
	for (size_t i = 0; i < cap; i++)
		if (old[i])
			table_put(h, t, old[i]);
	free(old);
	return 0;
}

/* Removes entry i, moving later entries of its probe run back. */
static void table_remove_at(struct urts_heap *h, size_t i)
{
	h->table[i] = NULL;
	h->table_used--;
	for (size_t j = (i + 1) & h->table_mask; h->table[j]; j = (j + 1) & h->table_mask) {
		size_t k = slot_of(h, h->table[j]->addr);
		/* Entry j may move to i unless its home k lies cyclically in (i, j]. */
		int stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
		if (!stays) {
			h->table[i] = h->table[j];
			h->table[j] = NULL;
			i = j;
		}
	}
}

/* ---- the allocator ------------------------------------------------------- */

int urts_heap_init(struct urts_heap *h, uint64_t start, uint64_t end)
{
	memset(h, 0, sizeof(*h));
	if (start % URTS_HEAP_ALIGN || end % URTS_HEAP_ALIGN || start >= end)
		return -1;
	h->start = start;
	h->end = end;
	h->table = calloc(TABLE_MIN, sizeof(*h->table));
	struct urts_block *b = calloc(1, sizeof(*b));
	if (!h->table || !b || pthread_mutex_init(&h->lock, NULL)) {
		free(h->table);
		free(b);
		h->table = NULL;
		return -1;
	}
	h->table_mask = TABLE_MIN - 1;
	b->addr = start;
	b->size = end - start;
	b->free = 1;
	h->first = b;
	bin_insert(h, b);
	return 0;
}

void urts_heap_fini(struct urts_heap *h)
{
	if (!h->table)
		return;
	for (struct urts_block *b = h->first, *n; b; b = n) {
		n = b->next;
		free(b);
	}
	for (struct urts_block *b = h->spare, *n; b; b = n) {
		n = b->next;
		free(b);
	}
	free(h->table);
	h->table = NULL;
	pthread_mutex_destroy(&h->lock);
}

static struct urts_block *find_fit(struct urts_heap *h, uint64_t n)
{
	uint32_t own = bin_of(n);
	struct urts_block *b = h->bins[own];
	for (int k = 0; b && k < FIRST_FIT_WALK; b = b->fnext, k++)
		if (b->size >= n)
			return b;
	/* Every block of a larger class fits. */
	uint64_t larger = own + 1 < URTS_HEAP_BINS ? h->nonempty & (~0ull << (own + 1)) : 0;
	if (larger)
		return h->bins[__builtin_ctzll(larger)];
	for (; b; b = b->fnext)
		if (b->size >= n)
			return b;
	return NULL;
}

uint64_t urts_heap_alloc(struct urts_heap *h, size_t size)
{
	if (!size)
		size = 1;
	if (size > h->end - h->start)
		return URTS_HEAP_NONE;
	uint64_t n = ((uint64_t)size + URTS_HEAP_ALIGN - 1) & ~(uint64_t)(URTS_HEAP_ALIGN - 1);
	uint64_t addr = URTS_HEAP_NONE;

	pthread_mutex_lock(&h->lock);
	struct urts_block *rest = NULL, *b;
	if (h->closed || table_reserve(h) || !(rest = desc_get(h)) || !(b = find_fit(h, n)))
		goto out;
	bin_remove(h, b);
	if (b->size > n) {
		rest->addr = b->addr + n;
		rest->size = b->size - n;
		rest->free = 1;
		rest->prev = b;
		rest->next = b->next;
		if (b->next)
			b->next->prev = rest;
		b->next = rest;
		bin_insert(h, rest);
		b->size = n;
		rest = NULL;
	}
	b->free = 0;
	table_put(h, h->table, b);
	h->table_used++;
	h->live++;
	h->live_bytes += b->size;
	addr = b->addr;
out:
	if (rest)
		desc_put(h, rest);
	pthread_mutex_unlock(&h->lock);
	return addr;
}

int urts_heap_free(struct urts_heap *h, uint64_t addr, size_t *live_after)
{
	pthread_mutex_lock(&h->lock);
	size_t i = addr % URTS_HEAP_ALIGN ? SIZE_MAX : table_find(h, addr);
	if (i == SIZE_MAX) {
		if (live_after)
			*live_after = h->live;
		pthread_mutex_unlock(&h->lock);
		return -1;
	}
	struct urts_block *b = h->table[i];
	table_remove_at(h, i);
	h->live--;
	h->live_bytes -= b->size;
	b->free = 1;
	struct urts_block *p = b->prev, *n = b->next;
	if (p && p->free) { /* merge into the free block before */
		bin_remove(h, p);
		p->size += b->size;
		p->next = n;
		if (n)
			n->prev = p;
		desc_put(h, b);
		b = p;
	}
	if (n && n->free) { /* absorb the free block after */
		bin_remove(h, n);
		b->size += n->size;
		b->next = n->next;
		if (n->next)
			n->next->prev = b;
		desc_put(h, n);
	}
	bin_insert(h, b);
	if (live_after)
		*live_after = h->live;
	pthread_mutex_unlock(&h->lock);
	return 0;
}

size_t urts_heap_close(struct urts_heap *h)
{
	pthread_mutex_lock(&h->lock);
	h->closed = 1;
	size_t live = h->live;
	pthread_mutex_unlock(&h->lock);
	return live;
}

uint64_t urts_heap_block_size(struct urts_heap *h, uint64_t addr)
{
	pthread_mutex_lock(&h->lock);
	size_t i = addr % URTS_HEAP_ALIGN ? SIZE_MAX : table_find(h, addr);
	uint64_t size = i == SIZE_MAX ? 0 : h->table[i]->size;
	pthread_mutex_unlock(&h->lock);
	return size;
}

int urts_heap_check(struct urts_heap *h)
{
	int rc = 0;
	pthread_mutex_lock(&h->lock);
	uint64_t at = h->start, bytes = 0;
	size_t live = 0, nfree = 0;
	struct urts_block *prev = NULL;
	for (struct urts_block *b = h->first; b && !rc; prev = b, b = b->next) {
		if (b->prev != prev)
			rc = 1; /* list links */
		else if (b->addr != at || !b->size || b->size % URTS_HEAP_ALIGN)
			rc = 2; /* blocks must tile the arena */
		else if (b->free && prev && prev->free)
			rc = 3; /* two free neighbours were not merged */
		else if (!b->free && table_find(h, b->addr) == SIZE_MAX)
			rc = 4; /* allocated but not in the table */
		else if (b->free && (b->bin != bin_of(b->size) || !(h->nonempty >> b->bin & 1)))
			rc = 5; /* free but in the wrong class */
		at = b->addr + b->size;
		if (b->free) {
			nfree++;
		} else {
			live++;
			bytes += b->size;
		}
	}
	if (!rc && at != h->end)
		rc = 6;
	if (!rc && (live != h->live || bytes != h->live_bytes || live != h->table_used))
		rc = 7;
	size_t inbins = 0;
	for (uint32_t k = 0; k < URTS_HEAP_BINS && !rc; k++) {
		if (!h->bins[k] != !(h->nonempty >> k & 1))
			rc = 8;
		for (struct urts_block *b = h->bins[k]; b && !rc; b = b->fnext, inbins++)
			if (!b->free || b->bin != k || (b->fnext && b->fnext->fprev != b))
				rc = 9;
	}
	if (!rc && inbins != nfree)
		rc = 10;
	pthread_mutex_unlock(&h->lock);
	return rc;
}
