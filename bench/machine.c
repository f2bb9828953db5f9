/* SPDX-License-Identifier: Apache-2.0 */
/* Machine facts and CPU placement (machine.h). */
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "clock.h"
#include "machine.h"
#include "report.h"

static cpu_set_t original, chosen;
static int have_original, have_chosen;

static int exists(const char *path)
{
	return access(path, F_OK) == 0;
}

const char *machine_kvm_kind(void)
{
	if (!exists("/dev/kvm"))
		return "none";
	if (exists("/sys/module/kvm_pvm"))
		return "pvm";
	if (exists("/sys/module/kvm_intel"))
		return "intel-vmx";
	if (exists("/sys/module/kvm_amd"))
		return "amd-svm";
	return "unknown";
}

/* The first "model name" line of /proc/cpuinfo, and whether the CPU flags
 * say that this machine is itself a virtual machine. */
static void cpu_model(char *model, size_t len, int *hypervisor)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[4096];
	snprintf(model, len, "unknown");
	*hypervisor = 0;
	if (!f)
		return;
	int got_model = 0, got_flags = 0;
	while ((!got_model || !got_flags) && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		char *v = colon + 1;
		v += strspn(v, " \t");
		v[strcspn(v, "\n")] = 0;
		if (!got_model && !strncmp(line, "model name", 10)) {
			snprintf(model, len, "%s", v);
			got_model = 1;
		} else if (!got_flags && !strncmp(line, "flags", 5)) {
			*hypervisor = strstr(v, " hypervisor") || !strncmp(v, "hypervisor", 10);
			got_flags = 1;
		}
	}
	fclose(f);
}

void machine_describe(void)
{
	char model[256];
	int hv;
	cpu_model(model, sizeof(model), &hv);
	report_machine_str("cpu_model", model);
	report_machine_num("online_cpus", (double)sysconf(_SC_NPROCESSORS_ONLN));
	struct utsname u;
	if (!uname(&u))
		report_machine_str("kernel", u.release);
	const char *kind = machine_kvm_kind();
	report_machine_str("kvm", !strcmp(kind, "pvm") ? "PVM (kvm_pvm, paravirtual)"
	                          : !strcmp(kind, "intel-vmx")
	                              ? "hardware-assisted (kvm_intel, VMX)"
	                          : !strcmp(kind, "amd-svm") ? "hardware-assisted (kvm_amd, SVM)"
	                          : !strcmp(kind, "none")    ? "none (no /dev/kvm)"
	                                                     : "present, kind unknown");
	report_machine_str("kvm_kind", kind);
	report_machine_num("kvm_pvm", !strcmp(kind, "pvm"));
	report_machine_num("host_is_vm", hv);
	report_machine_num("tsc_ghz", clk_hz() / 1e9);
}

int machine_pin_off(const int *vcpu_cpus, int n, char *desc, size_t len)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set)) {
		snprintf(desc, len, "not pinned (sched_getaffinity failed)");
		return -1;
	}
	original = set;
	have_original = 1;
	for (int i = 0; i < n; i++)
		if (vcpu_cpus[i] >= 0 && vcpu_cpus[i] < CPU_SETSIZE)
			CPU_CLR(vcpu_cpus[i], &set);
	if (!CPU_COUNT(&set)) {
		snprintf(desc, len, "not pinned: every CPU it may use also runs a vCPU");
		return -1;
	}
	if (sched_setaffinity(0, sizeof(set), &set)) {
		snprintf(desc, len, "not pinned (sched_setaffinity failed)");
		return -1;
	}
	chosen = set;
	have_chosen = 1;
	size_t used = (size_t)snprintf(desc, len, "CPU");
	const char *sep = CPU_COUNT(&set) > 1 ? "s " : " ";
	for (int c = 0; c < CPU_SETSIZE && used < len; c++)
		if (CPU_ISSET(c, &set)) {
			used += (size_t)snprintf(desc + used, len - used, "%s%d", sep, c);
			sep = ",";
		}
	return 0;
}

void machine_unpin(void)
{
	if (have_original)
		sched_setaffinity(0, sizeof(original), &original);
}

int machine_first_cpu(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			return c;
	return -1;
}

int machine_other_cpu(int cpu)
{
	cpu_set_t set;
	if (have_original)
		set = original;
	else if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (c != cpu && CPU_ISSET(c, &set))
			return c;
	return -1;
}

int machine_pin_cpu(int cpu)
{
	cpu_set_t set;
	if (cpu < 0 || cpu >= CPU_SETSIZE)
		return -1;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -1 : 0;
}

void machine_repin(void)
{
	if (have_chosen)
		sched_setaffinity(0, sizeof(chosen), &chosen);
	else
		machine_unpin();
}

#define MAX_STAT_CPUS 64

struct cpu_ticks {
	unsigned long long total, steal;
};
static struct cpu_ticks steal_start[MAX_STAT_CPUS];
static int steal_cpus;

/* Per-CPU total and steal ticks from /proc/stat; how many CPUs, or -1. */
static int read_ticks(struct cpu_ticks *t, int max)
{
	FILE *f = fopen("/proc/stat", "r");
	char line[512];
	int n = 0;
	if (!f)
		return -1;
	while (n < max && fgets(line, sizeof(line), f)) {
		unsigned long long v[8] = {0};
		int cpu;
		if (strncmp(line, "cpu", 3) || line[3] < '0' || line[3] > '9')
			continue;
		if (sscanf(line, "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &v[0],
		           &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) < 9 ||
		    cpu != n)
			continue;
		t[n].total = v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7];
		t[n].steal = v[7];
		n++;
	}
	fclose(f);
	return n;
}

void machine_steal_start(void)
{
	steal_cpus = read_ticks(steal_start, MAX_STAT_CPUS);
}

double machine_steal_report(void)
{
	struct cpu_ticks now[MAX_STAT_CPUS];
	int n = read_ticks(now, MAX_STAT_CPUS);
	double most = -1;
	char key[32];
	for (int i = 0; i < n && i < steal_cpus; i++) {
		unsigned long long total = now[i].total - steal_start[i].total;
		if (!total)
			continue;
		double pct = 100.0 * (double)(now[i].steal - steal_start[i].steal) / (double)total;
		snprintf(key, sizeof(key), "steal_pct_cpu%d", i);
		report_machine_num(key, pct);
		most = pct > most ? pct : most;
	}
	return most;
}
