/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The parts measured with de_bench's own enclave (bench.edl), which
 * calls.c creates once: calls.c (round trips, throughput), compute.c (the
 * same kernels natively and in the enclave), buffers.c (ECALLs with [in]
 * and [out] buffers, and where their time goes).
 */
#ifndef BENCH_CALLS_H
#define BENCH_CALLS_H

#include <stddef.h>
#include <stdint.h>

#include "sgx_eid.h"

struct bench_opts;

/* The bench enclave, while bench_calls() runs. */
extern sgx_enclave_id_t bench_eid;
/* The rate of the enclave's TSC, measured against the host's. */
extern double bench_enclave_tsc_hz;

/* Cycles of a timed region less the cost of timing it. */
uint64_t calls_net(uint64_t t0, uint64_t t1);

/* Records p50, p90, p99, p99.9, min and the sample count of v[0..n)
 * (sorted in place) as details "<what>_<p>_us"; cycle_hz converts. */
void calls_record_pcts(const char *what, uint64_t *v, size_t n, double cycle_hz);

/* Loops that time every call stop after `max` calls or when their time
 * budget is spent, whichever comes first, checked every 16 calls. */
#define CALLS_OVER(i, deadline) (((i)&15) == 15 && mono_ns() > (deadline))

int calls_compute(const struct bench_opts *o);
int calls_buffers(const struct bench_opts *o);

#endif
