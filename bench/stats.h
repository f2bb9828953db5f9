/* SPDX-License-Identifier: Apache-2.0 */
/* Medians and percentiles of samples (nearest rank). */
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

/* Sorts v[0..n) in place and returns the p-th percentile (0 < p <= 100),
 * the smallest sample with at least p % of the samples at or below it.
 * 0 when n is 0. */
uint64_t stats_pct(uint64_t *v, size_t n, double p);
uint64_t stats_median(uint64_t *v, size_t n);

/* The same for doubles. */
double stats_pct_d(double *v, size_t n, double p);
double stats_median_d(double *v, size_t n);

#endif
