/* SPDX-License-Identifier: Apache-2.0 */
/* The kernel's reusable mmap ranges (src/evm/kernel/holes.c), on the host. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "holes.h"

/* Every hole sorted, non-empty, neither overlapping nor touching the next. */
static void check_invariant(const struct holes *h)
{
	assert_true(h->nr <= HOLES_MAX);
	for (uint32_t i = 0; i < h->nr; i++) {
		assert_true(h->count[i] >= 1);
		if (i + 1 < h->nr)
			assert_true(h->first[i] + h->count[i] < h->first[i + 1]);
	}
}

static void test_take_exact_reuse(void **state)
{
	(void)state;
	struct holes h = {0};
	/* A 4-page mapping at page 101 with its guard pages 100 and 105. */
	holes_add(&h, 100, 6);
	assert_int_equal(holes_take(&h, 5), 0); /* 5 + 2 guard pages > 6 */
	assert_int_equal(holes_take(&h, 4), 101);
	/* The guard page after the mapping stays a hole of one page. */
	assert_int_equal(h.nr, 1);
	assert_int_equal(h.first[0], 105);
	assert_int_equal(h.count[0], 1);
	assert_int_equal(holes_take(&h, 1), 0);
	check_invariant(&h);
}

static void test_first_fit_and_split(void **state)
{
	(void)state;
	struct holes h = {0};
	holes_add(&h, 1000, 100);
	holes_add(&h, 10, 5);
	assert_int_equal(h.nr, 2);
	assert_int_equal(h.first[0], 10); /* sorted */
	assert_int_equal(holes_take(&h, 3), 11);
	assert_int_equal(holes_take(&h, 3), 1001); /* [14, 15) is too small now */
	assert_int_equal(holes_take(&h, 3), 1005); /* after the guard at 1004 */
	assert_int_equal(h.first[1], 1008);
	assert_int_equal(h.count[1], 92);
	assert_int_equal(holes_take(&h, 0), 0);
	assert_int_equal(holes_take(&h, UINT64_MAX), 0);
	assert_int_equal(holes_take(&h, UINT64_MAX - 2), 0);
	check_invariant(&h);
}

static void test_merge(void **state)
{
	(void)state;
	struct holes h = {0};
	holes_add(&h, 10, 2); /* [10, 12) */
	holes_add(&h, 14, 2); /* [14, 16) */
	holes_add(&h, 12, 2); /* touches both: [10, 16) */
	assert_int_equal(h.nr, 1);
	assert_int_equal(h.first[0], 10);
	assert_int_equal(h.count[0], 6);
	holes_add(&h, 8, 10); /* overlaps and covers: [8, 18) */
	assert_int_equal(h.nr, 1);
	assert_int_equal(h.first[0], 8);
	assert_int_equal(h.count[0], 10);
	holes_add(&h, 9, 2); /* inside: nothing changes (munmap twice) */
	assert_int_equal(h.nr, 1);
	assert_int_equal(h.count[0], 10);
	holes_add(&h, 0, 0);              /* empty: ignored */
	holes_add(&h, UINT64_MAX - 1, 5); /* wraps: ignored */
	assert_int_equal(h.nr, 1);
	check_invariant(&h);
}

static void test_full_keeps_largest(void **state)
{
	(void)state;
	struct holes h = {0};
	for (uint64_t i = 0; i < HOLES_MAX; i++)
		holes_add(&h, i * 100, 3 + i); /* sizes 3 .. 3 + HOLES_MAX - 1 */
	assert_int_equal(h.nr, HOLES_MAX);
	holes_add(&h, 100000, 2); /* smaller than all: not kept */
	assert_int_equal(h.nr, HOLES_MAX);
	assert_int_equal(h.first[HOLES_MAX - 1], (HOLES_MAX - 1) * 100);
	holes_add(&h, 100000, 50); /* the smallest (3 pages at 0) goes */
	assert_int_equal(h.nr, HOLES_MAX);
	assert_int_equal(h.first[0], 100);
	assert_int_equal(h.first[HOLES_MAX - 1], 100000);
	check_invariant(&h);
}

/* A random mix of takes and returns never hands out a page twice. */
static void test_no_double_use(void **state)
{
	(void)state;
	enum { PAGES = 4096 };
	static unsigned char used[PAGES];
	struct {
		uint64_t page, n;
	} live[256];
	int nlive = 0;
	struct holes h = {0};
	uint64_t rnd = 88172645463325252ull;
	holes_add(&h, 1, PAGES - 2);
	for (int step = 0; step < 20000; step++) {
		rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17;
		if (nlive < 256 && (rnd & 1)) {
			uint64_t n = 1 + (rnd >> 8) % 40;
			uint64_t p = holes_take(&h, n);
			if (!p)
				continue;
			assert_true(p >= 2 && p + n <= PAGES - 1);
			for (uint64_t i = 0; i < n; i++) {
				assert_int_equal(used[p + i], 0);
				used[p + i] = 1;
			}
			assert_int_equal(used[p - 1], 0); /* guard pages */
			assert_int_equal(used[p + n], 0);
			live[nlive].page = p;
			live[nlive++].n = n;
		} else if (nlive) {
			int k = (int)((rnd >> 16) % (uint64_t)nlive);
			uint64_t p = live[k].page, n = live[k].n;
			for (uint64_t i = 0; i < n; i++)
				used[p + i] = 0;
			/* As the kernel does: with the unmapped page on each side. */
			uint64_t lo = p, hi = p + n;
			if (!used[lo - 1])
				lo--;
			if (!used[hi])
				hi++;
			holes_add(&h, lo, hi - lo);
			live[k] = live[--nlive];
		}
		check_invariant(&h);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_take_exact_reuse),
	    cmocka_unit_test(test_first_fit_and_split),
	    cmocka_unit_test(test_merge),
	    cmocka_unit_test(test_full_keeps_largest),
	    cmocka_unit_test(test_no_double_use),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
