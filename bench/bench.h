/* SPDX-License-Identifier: Apache-2.0 */
/*
 * de_bench: what the measurement files share. main.c parses the options and
 * runs the parts in order; each part records its numbers with report.h.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>

struct bench_opts {
	int json;                 /* --json: one JSON object on stdout */
	int quick;                /* --quick: few iterations (smoke test) */
	const char *runtime_dir;  /* the live service's runtime directory */
	const char *enclave;      /* the bench enclave (signed) */
	const char *samplemath;   /* SampleMath's signed enclave, or NULL: search */
	const char *image;        /* image.bin for the boot runs, or NULL: the live EVM's */
	const char *service;      /* de_platform_service for the boot runs */
	unsigned boot_runs;       /* service restarts for the boot time */
	unsigned boot_memory_mib; /* 0: the live EVM's memory_mib */
	unsigned boot_cpus;       /* 0: the live EVM's vCPU count */
	char bin_dir[4096];       /* the directory de_bench runs from */
};

/* The parts, in the order main.c runs them. Each returns 0, or -1 after it
 * has said on stderr why it could not measure (its metrics stay empty). */
int bench_baselines_local(const struct bench_opts *o);
int bench_calls(const struct bench_opts *o);
int bench_lifecycle(const struct bench_opts *o);
int bench_baseline_vsock(const struct bench_opts *o);
int bench_boot(const struct bench_opts *o, unsigned live_memory_mib, unsigned live_cpus);

/* Progress and problems go to stderr, prefixed "de_bench: ". */
void bench_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The iteration counts for a normal run or --quick. */
#define BENCH_N(o, full, few) ((o)->quick ? (few) : (full))

#endif
