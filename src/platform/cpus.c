/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpus.h"

static int read_small(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = 0;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

int cpulist_parse(const char *s, bool set[CPUS_MAX], char *err, size_t errlen)
{
	const char *p = s;
	long prev_end = -1;

	memset(set, 0, sizeof(bool) * CPUS_MAX);
	if (!*p)
		goto bad;
	for (;;) {
		char *end;
		if (*p < '0' || *p > '9')
			goto bad;
		long a = strtol(p, &end, 10), b = a;
		p = end;
		if (*p == '-') {
			p++;
			if (*p < '0' || *p > '9')
				goto bad;
			b = strtol(p, &end, 10);
			p = end;
		}
		if (a > b || a <= prev_end || b >= CPUS_MAX)
			goto bad;
		for (long i = a; i <= b; i++)
			set[i] = true;
		prev_end = b;
		if (!*p)
			return 0;
		if (*p++ != ',')
			goto bad;
	}
bad:
	snprintf(err, errlen,
	         "cpu_list \"%s\" is not a CPU list; write CPU numbers and ranges in ascending "
	         "order, e.g. \"1\" or \"2-3,6\"",
	         s);
	return -1;
}

int topology_read(const char *dir, struct cpu_topology *t, char *err, size_t errlen)
{
	char path[512], buf[4096];
	bool set[CPUS_MAX];

	memset(t, 0, sizeof(*t));
	snprintf(path, sizeof(path), "%s/present", dir);
	if (read_small(path, buf, sizeof(buf)) || cpulist_parse(buf, t->present, err, errlen)) {
		snprintf(err, errlen, "cannot read the host CPU topology from %s", dir);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/online", dir);
	if (read_small(path, buf, sizeof(buf)) || cpulist_parse(buf, t->online, err, errlen)) {
		snprintf(err, errlen, "cannot read the online CPUs from %s/online", dir);
		return -1;
	}
	for (int c = 0; c < CPUS_MAX; c++) {
		t->core[c] = -1;
		if (t->present[c])
			t->nr = c + 1;
	}
	/* Group online CPUs into cores by their sibling lists. */
	for (int c = 0; c < t->nr; c++) {
		if (!t->online[c] || t->core[c] >= 0)
			continue;
		snprintf(path, sizeof(path), "%s/cpu%d/topology/thread_siblings_list", dir, c);
		if (read_small(path, buf, sizeof(buf)) || cpulist_parse(buf, set, err, errlen)) {
			memset(set, 0, sizeof(set));
			set[c] = true; /* no topology: a CPU is its own core */
		}
		set[c] = true;
		int id = t->nr_cores++;
		for (int s = 0; s < CPUS_MAX; s++)
			if (set[s] && t->core[s] < 0)
				t->core[s] = id;
	}
	return 0;
}

static void describe(const struct cpu_topology *t, char *buf, size_t cap)
{
	int online = 0;
	for (int c = 0; c < t->nr; c++)
		online += t->online[c];
	snprintf(buf, cap, "this host has %d online CPU%s in %d core%s", online,
	         online == 1 ? "" : "s", t->nr_cores, t->nr_cores == 1 ? "" : "s");
}

/* True if some core has no CPU in `use`. */
static bool host_keeps_a_core(const struct cpu_topology *t, const bool use[CPUS_MAX])
{
	for (int core = 0; core < t->nr_cores; core++) {
		bool free_core = true;
		for (int c = 0; c < CPUS_MAX && free_core; c++)
			if (t->core[c] == core && use[c])
				free_core = false;
		if (free_core)
			return true;
	}
	return false;
}

int cpus_choose(const struct cpu_topology *t, const char *cpu_list, uint32_t cpu_count, int *out,
                uint32_t max, uint32_t *n, char *err, size_t errlen)
{
	static bool use[CPUS_MAX];
	char topo[128];
	uint32_t count = 0;

	describe(t, topo, sizeof(topo));
	if (cpu_list) {
		if (cpulist_parse(cpu_list, use, err, errlen))
			return -1;
		for (int c = 0; c < CPUS_MAX; c++) {
			if (!use[c])
				continue;
			if (c >= t->nr || !t->present[c]) {
				snprintf(err, errlen,
				         "cpu_list names CPU %d, which does not exist (%s); choose "
				         "CPUs from 0 to %d",
				         c, topo, t->nr - 1);
				return -1;
			}
			if (!t->online[c]) {
				snprintf(
				    err, errlen,
				    "cpu_list names CPU %d, which is offline; bring it online "
				    "(echo 1 > /sys/devices/system/cpu/cpu%d/online) or choose "
				    "another CPU",
				    c, c);
				return -1;
			}
			if (count == max) {
				snprintf(err, errlen, "cpu_list names more than %u CPUs", max);
				return -1;
			}
			out[count++] = c;
		}
		if (!host_keeps_a_core(t, use)) {
			snprintf(err, errlen,
			         "cpu_list = %s would leave the host without a whole physical core "
			         "(%s); leave all CPUs of at least one core to the host",
			         cpu_list, topo);
			return -1;
		}
	} else {
		memset(use, 0, sizeof(use));
		if (cpu_count > max) {
			snprintf(err, errlen,
			         "cpu_count = %u is more than the %u vCPUs an EVM can have",
			         cpu_count, max);
			return -1;
		}
		/* Highest cores first, whole cores at a time, so CPU 0's core stays free. */
		for (int core = t->nr_cores - 1; core >= 0 && count < cpu_count; core--)
			for (int c = 0; c < t->nr && count < cpu_count; c++)
				if (t->core[c] == core && t->online[c]) {
					use[c] = true;
					out[count++] = c;
				}
		if (count < cpu_count || !host_keeps_a_core(t, use)) {
			int most = 0;
			for (int core = 1; core < t->nr_cores; core++)
				for (int c = 0; c < t->nr; c++)
					most += t->core[c] == core && t->online[c];
			snprintf(
			    err, errlen,
			    "cpu_count = %u would leave the host without a whole physical core "
			    "(%s); use cpu_count = %d or less",
			    cpu_count, topo, most);
			return -1;
		}
	}
	*n = count;
	return 0;
}
