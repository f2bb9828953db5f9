/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The window arena's allocator (heap.c): alignment, bounds, exhaustion,
 * coalescing, refusal of bad frees, and random alloc/free sequences (one
 * thread and several) in which every block is filled with its own pattern
 * and checked when freed, so that any overlap shows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "urts.h"

#define ARENA (4u << 20)

static uint8_t *arena_mem;
static uint64_t arena_start;

static int setup(void **state)
{
	(void)state;
	arena_mem = aligned_alloc(4096, ARENA);
	arena_start = (uintptr_t)arena_mem;
	return arena_mem ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(arena_mem);
	return 0;
}

static uint64_t rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void test_basic(void **state)
{
	(void)state;
	struct urts_heap h;
	assert_int_equal(urts_heap_init(&h, arena_start, arena_start + ARENA), 0);
	uint64_t a = urts_heap_alloc(&h, 1);
	uint64_t b = urts_heap_alloc(&h, 17);
	uint64_t c = urts_heap_alloc(&h, 0); /* like malloc(0): a unique block */
	assert_int_not_equal(a, URTS_HEAP_NONE);
	assert_int_not_equal(b, URTS_HEAP_NONE);
	assert_int_not_equal(c, URTS_HEAP_NONE);
	assert_int_equal(a % 16, 0);
	assert_int_equal(b % 16, 0);
	assert_true(a >= arena_start && b >= arena_start && c >= arena_start);
	assert_int_equal(urts_heap_block_size(&h, a), 16);
	assert_int_equal(urts_heap_block_size(&h, b), 32);
	assert_int_equal(urts_heap_block_size(&h, c), 16);
	assert_int_equal(urts_heap_check(&h), 0);

	size_t live = 99;
	assert_int_equal(urts_heap_free(&h, b + 16, &live), -1); /* inside a block */
	assert_int_equal(live, 3);
	assert_int_equal(urts_heap_free(&h, b + 1, NULL), -1);                    /* unaligned */
	assert_int_equal(urts_heap_free(&h, arena_start + ARENA - 16, NULL), -1); /* free space */
	assert_int_equal(urts_heap_free(&h, 0, NULL), -1);
	assert_int_equal(urts_heap_free(&h, b, &live), 0);
	assert_int_equal(live, 2);
	assert_int_equal(urts_heap_free(&h, b, NULL), -1); /* twice */
	assert_int_equal(urts_heap_free(&h, a, NULL), 0);
	assert_int_equal(urts_heap_free(&h, c, &live), 0);
	assert_int_equal(live, 0);
	assert_int_equal(urts_heap_check(&h), 0);

	/* Everything merged back: the whole arena is one block again. */
	uint64_t all = urts_heap_alloc(&h, ARENA);
	assert_int_equal(all, arena_start);
	assert_int_equal(urts_heap_alloc(&h, 1), URTS_HEAP_NONE); /* exhausted */
	assert_int_equal(urts_heap_free(&h, all, NULL), 0);

	assert_int_equal(urts_heap_alloc(&h, ARENA + 1), URTS_HEAP_NONE);
	assert_int_equal(urts_heap_alloc(&h, SIZE_MAX), URTS_HEAP_NONE);
	assert_int_equal(urts_heap_alloc(&h, SIZE_MAX - 8), URTS_HEAP_NONE);
	assert_int_equal(urts_heap_check(&h), 0);
	urts_heap_fini(&h);
}

static void test_bad_init(void **state)
{
	(void)state;
	struct urts_heap h;
	assert_int_equal(urts_heap_init(&h, arena_start + 8, arena_start + ARENA), -1);
	assert_int_equal(urts_heap_init(&h, arena_start, arena_start), -1);
	assert_int_equal(urts_heap_init(&h, arena_start + 32, arena_start + 16), -1);
}

static void test_close(void **state)
{
	(void)state;
	struct urts_heap h;
	assert_int_equal(urts_heap_init(&h, arena_start, arena_start + ARENA), 0);
	uint64_t a = urts_heap_alloc(&h, 100);
	assert_int_equal(urts_heap_close(&h), 1);
	assert_int_equal(urts_heap_alloc(&h, 100), URTS_HEAP_NONE);
	size_t live = 9;
	assert_int_equal(urts_heap_free(&h, a, &live), 0); /* frees still work */
	assert_int_equal(live, 0);
	assert_int_equal(urts_heap_close(&h), 0);
	urts_heap_fini(&h);
}

/* Fills the arena with blocks of varied sizes, frees them in random order. */
static void test_coalesce(void **state)
{
	(void)state;
	struct urts_heap h;
	enum { N = 4096 };
	static uint64_t blocks[N];
	uint64_t x = 0x1234567;
	assert_int_equal(urts_heap_init(&h, arena_start, arena_start + ARENA), 0);
	size_t n = 0;
	for (; n < N; n++) {
		blocks[n] = urts_heap_alloc(&h, 1 + rnd(&x) % 2000);
		if (blocks[n] == URTS_HEAP_NONE)
			break;
	}
	assert_true(n > 100);
	assert_int_equal(urts_heap_check(&h), 0);
	for (size_t i = n - 1; i > 0; i--) {
		size_t j = rnd(&x) % (i + 1);
		uint64_t t = blocks[i];
		blocks[i] = blocks[j];
		blocks[j] = t;
	}
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(urts_heap_free(&h, blocks[i], NULL), 0);
		if (i % 97 == 0)
			assert_int_equal(urts_heap_check(&h), 0);
	}
	assert_int_equal(urts_heap_check(&h), 0);
	assert_int_equal(urts_heap_alloc(&h, ARENA), arena_start);
	urts_heap_fini(&h);
}

/* Many small blocks: the table of allocated blocks grows and shrinks. */
static void test_many(void **state)
{
	(void)state;
	struct urts_heap h;
	enum { N = 20000 };
	static uint64_t blocks[N];
	assert_int_equal(urts_heap_init(&h, arena_start, arena_start + ARENA), 0);
	for (size_t i = 0; i < N; i++) {
		blocks[i] = urts_heap_alloc(&h, 16);
		assert_int_equal(blocks[i], arena_start + 16 * i); /* first fit, in order */
	}
	for (size_t i = 0; i < N; i += 2)
		assert_int_equal(urts_heap_free(&h, blocks[i], NULL), 0);
	assert_int_equal(urts_heap_check(&h), 0);
	for (size_t i = 0; i < N; i += 2)
		assert_int_equal(urts_heap_block_size(&h, blocks[i]), 0);
	for (size_t i = 1; i < N; i += 2) {
		assert_int_equal(urts_heap_block_size(&h, blocks[i]), 16);
		assert_int_equal(urts_heap_free(&h, blocks[i], NULL), 0);
	}
	assert_int_equal(urts_heap_check(&h), 0);
	assert_int_equal(urts_heap_alloc(&h, ARENA), arena_start);
	urts_heap_fini(&h);
}

struct live_block {
	uint64_t addr;
	size_t size;
	uint8_t tag;
};

static void fill(const struct live_block *b)
{
	memset((void *)(uintptr_t)b->addr, b->tag, b->size);
}

static int intact(const struct live_block *b)
{
	const uint8_t *p = (const uint8_t *)(uintptr_t)b->addr;
	for (size_t i = 0; i < b->size; i++)
		if (p[i] != b->tag)
			return 0;
	return 1;
}

static size_t random_size(uint64_t *x)
{
	uint64_t r = rnd(x) % 100;
	if (r < 70)
		return 1 + rnd(x) % 256;
	if (r < 95)
		return 1 + rnd(x) % 16384;
	return 1 + rnd(x) % (256 << 10);
}

/*
 * Random alloc/free against [lo, hi) of the arena: every block lies inside,
 * is aligned, and keeps its pattern until freed (no two blocks overlap).
 */
static int churn(struct urts_heap *h, uint64_t seed, int ops, int check_every)
{
	enum { MAXLIVE = 512 };
	struct live_block live[MAXLIVE];
	size_t n = 0;
	uint64_t x = seed;
	for (int op = 0; op < ops; op++) {
		if (n < MAXLIVE && (n == 0 || rnd(&x) % 100 < 55)) {
			struct live_block b = {.size = random_size(&x),
			                       .tag = (uint8_t)(rnd(&x) | 1)};
			b.addr = urts_heap_alloc(h, b.size);
			if (b.addr == URTS_HEAP_NONE)
				continue; /* full for now */
			if (b.addr % 16 || b.addr < h->start || b.addr + b.size > h->end)
				return 1;
			fill(&b);
			live[n++] = b;
		} else {
			size_t i = rnd(&x) % n;
			if (!intact(&live[i]))
				return 2;
			if (urts_heap_free(h, live[i].addr, NULL))
				return 3;
			live[i] = live[--n];
		}
		if (check_every && op % check_every == 0 && urts_heap_check(h))
			return 4;
	}
	for (size_t i = 0; i < n; i++) {
		if (!intact(&live[i]))
			return 2;
		if (urts_heap_free(h, live[i].addr, NULL))
			return 3;
	}
	return 0;
}

static void test_random(void **state)
{
	(void)state;
	struct urts_heap h;
	assert_int_equal(urts_heap_init(&h, arena_start, arena_start + ARENA), 0);
	for (uint64_t seed = 1; seed <= 8; seed++)
		assert_int_equal(churn(&h, seed * 0x9e3779b97f4a7c15ull, 20000, 257), 0);
	assert_int_equal(urts_heap_check(&h), 0);
	assert_int_equal(urts_heap_alloc(&h, ARENA), arena_start);
	urts_heap_fini(&h);
}

struct worker {
	struct urts_heap *h;
	uint64_t seed;
	int rc;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	w->rc = churn(w->h, w->seed, 30000, 0);
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	struct urts_heap h;
	enum { T = 8 };
	pthread_t t[T];
	struct worker w[T];
	assert_int_equal(urts_heap_init(&h, arena_start, arena_start + ARENA), 0);
	for (int i = 0; i < T; i++) {
		w[i] = (struct worker){.h = &h, .seed = 0x51ed2700u + (uint64_t)i * 7919};
		assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	}
	for (int i = 0; i < T; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].rc, 0);
	}
	assert_int_equal(urts_heap_check(&h), 0);
	assert_int_equal(urts_heap_alloc(&h, ARENA), arena_start);
	urts_heap_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_basic),   cmocka_unit_test(test_bad_init),
	    cmocka_unit_test(test_close),   cmocka_unit_test(test_coalesce),
	    cmocka_unit_test(test_many),    cmocka_unit_test(test_random),
	    cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
