/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Choosing the host CPUs that the EVM's vCPUs are pinned to, and refusing
 * choices that would leave the host without a whole physical core.
 */
#ifndef DE_PLATFORM_CPUS_H
#define DE_PLATFORM_CPUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CPUS_MAX 1024

struct cpu_topology {
	int nr; /* CPUs that exist: 0 .. nr-1 (possible) */
	bool present[CPUS_MAX];
	bool online[CPUS_MAX];
	int core[CPUS_MAX]; /* core number: CPUs sharing it are hyperthread siblings */
	int nr_cores;
};

/* Reads topology from a sysfs cpu directory (normally /sys/devices/system/cpu). */
int topology_read(const char *sysfs_cpu_dir, struct cpu_topology *t, char *err, size_t errlen);

/* Parses "1", "2-3,6", ... into a set. Strict: no spaces, ascending ranges. */
int cpulist_parse(const char *s, bool set[CPUS_MAX], char *err, size_t errlen);

/*
 * Picks the CPUs: cpu_list if given, else cpu_count CPUs taken from the
 * highest-numbered cores down. Fills out[] (at most max) and *n. Refuses with
 * one sentence when a CPU is missing or offline, or the host would keep no
 * whole core.
 */
int cpus_choose(const struct cpu_topology *t, const char *cpu_list, uint32_t cpu_count, int *out,
                uint32_t max, uint32_t *n, char *err, size_t errlen);

#endif
