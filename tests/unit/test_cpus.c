/* SPDX-License-Identifier: Apache-2.0 */
/* CPU lists and the "host keeps a whole core" rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cpus.h"

static char err[512];
static bool set[CPUS_MAX];

static void lists(void **state)
{
	(void)state;
	assert_int_equal(cpulist_parse("1", set, err, sizeof(err)), 0);
	assert_true(set[1]);
	assert_false(set[0]);
	assert_int_equal(cpulist_parse("2-3,6", set, err, sizeof(err)), 0);
	assert_true(set[2] && set[3] && set[6]);
	assert_false(set[4] || set[5] || set[7]);
	static const char *const bad[] = {"",     "a",  "1-", "-1",     "3-2",  "1,1", "2,1",
	                                  "1,,2", "1 ", " 1", "1-1024", "1024", "1;2", "0-3,2"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cpulist_parse(bad[i], set, err, sizeof(err)) != -1)
			fail_msg("\"%s\" was accepted", bad[i]);
}

/* n cores of `threads` siblings each: core k owns CPUs k*threads .. */
static void topo(struct cpu_topology *t, int cores, int threads)
{
	memset(t, 0, sizeof(*t));
	t->nr = cores * threads;
	t->nr_cores = cores;
	for (int c = 0; c < CPUS_MAX; c++)
		t->core[c] = -1;
	for (int c = 0; c < t->nr; c++) {
		t->present[c] = t->online[c] = true;
		t->core[c] = c / threads;
	}
}

static void choose(void **state)
{
	(void)state;
	static struct cpu_topology t;
	int out[64];
	uint32_t n;

	topo(&t, 2, 1);
	assert_int_equal(cpus_choose(&t, NULL, 1, out, 64, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], 1); /* the highest core; CPU 0's core stays with the host */
	assert_int_equal(cpus_choose(&t, NULL, 2, out, 64, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "use cpu_count = 1 or less"));
	assert_int_equal(cpus_choose(&t, "0-1", 0, out, 64, &n, err, sizeof(err)), -1);
	assert_int_equal(cpus_choose(&t, "0", 0, out, 64, &n, err, sizeof(err)), 0);
	assert_int_equal(out[0], 0);

	topo(&t, 4, 2); /* CPUs 0-7, siblings (0,1) (2,3) (4,5) (6,7) */
	assert_int_equal(cpus_choose(&t, NULL, 6, out, 64, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 6);
	for (uint32_t i = 0; i < n; i++)
		assert_true(out[i] >= 2);
	assert_int_equal(cpus_choose(&t, NULL, 7, out, 64, &n, err, sizeof(err)), -1);
	assert_int_equal(cpus_choose(&t, "1,3,5,7", 0, out, 64, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "whole physical core"));
	assert_int_equal(cpus_choose(&t, "2-7", 0, out, 64, &n, err, sizeof(err)), 0);

	t.online[5] = false;
	assert_int_equal(cpus_choose(&t, "5", 0, out, 64, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "CPU 5, which is offline"));
	assert_int_equal(cpus_choose(&t, "8", 0, out, 64, &n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "CPU 8, which does not exist"));
	assert_int_equal(cpus_choose(&t, NULL, 65, out, 64, &n, err, sizeof(err)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(lists),
	    cmocka_unit_test(choose),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
