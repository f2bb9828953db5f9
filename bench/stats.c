/* SPDX-License-Identifier: Apache-2.0 */
/* Percentiles (stats.h). */
#include <math.h>
#include <stdlib.h>

#include "stats.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static size_t rank(size_t n, double p)
{
	size_t r = (size_t)ceil(p / 100.0 * (double)n);
	return r ? r - 1 : 0;
}

uint64_t stats_pct(uint64_t *v, size_t n, double p)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[rank(n, p)];
}

uint64_t stats_median(uint64_t *v, size_t n)
{
	return stats_pct(v, n, 50);
}

double stats_pct_d(double *v, size_t n, double p)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_d);
	return v[rank(n, p)];
}

double stats_median_d(double *v, size_t n)
{
	return stats_pct_d(v, n, 50);
}
