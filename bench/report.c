/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The results table and its output (report.h). The headline metrics and
 * their targets are DESIGN.md section 6; the baselines have no target.
 */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "report.h"

enum cmp { CMP_NONE, CMP_LE, CMP_GE };

struct metric {
	const char *key;
	const char *label;
	const char *unit;
	enum cmp cmp;
	double target;
};

struct value {
	double value;
	int have;
	char note[480];
};

static const struct metric metrics[] = {
    {"ecall_empty_p50_us", "empty ECALL round trip, p50", "us", CMP_LE, 1},
    {"ecall_empty_p99_us", "empty ECALL round trip, p99", "us", CMP_LE, 5},
    {"ocall_empty_p50_us", "empty OCALL round trip, p50", "us", CMP_LE, 1},
    {"ocall_empty_p99_us", "empty OCALL round trip, p99", "us", CMP_NONE, 0},
    {"ecall_4k_inout_p50_us", "ECALL, 4 KiB [in] + 4 KiB [out], p50", "us", CMP_LE, 3},
    {"ecalls_per_s", "empty ECALLs per second, one TCS", "/s", CMP_GE, 1e6},
    {"ecalls_per_s_all_tcs", "empty ECALLs per second, all TCS", "/s", CMP_NONE, 0},
    {"ecall_syscall_p50_us", "ECALL making one EVM system call, p50", "us", CMP_NONE, 0},
    {"create_enclave_ms", "sgx_create_enclave, median", "ms", CMP_LE, 20},
    {"destroy_enclave_ms", "sgx_destroy_enclave, median", "ms", CMP_NONE, 0},
    {"evm_boot_ms", "EVM boot, service start to ready, median", "ms", CMP_LE, 150},
    {"compute_ratio", "CPU-bound code, enclave speed / native", "x", CMP_GE, 0.97},
    {"vmm_rss_mib", "VMM resident memory beyond guest memory", "MiB", CMP_LE, 10},
    {"baseline_func_call_us", "baseline: in-process function call", "us", CMP_NONE, 0},
    {"baseline_uds_rtt_p50_us", "baseline: Unix socket round trip, p50", "us", CMP_NONE, 0},
    {"baseline_exit_rtt_p50_us", "baseline: vsock echo round trip (VM exits), p50", "us", CMP_NONE,
     0},
};
#define NR_METRICS (sizeof(metrics) / sizeof(metrics[0]))
static struct value values[NR_METRICS];

static json_t *details, *machine;

struct line {
	struct line *next;
	char text[256];
};
static struct line *lines, **lines_tail = &lines;

static struct value *find(const char *key)
{
	for (size_t i = 0; i < NR_METRICS; i++)
		if (!strcmp(metrics[i].key, key))
			return &values[i];
	fprintf(stderr, "de_bench: internal error: unknown metric %s\n", key);
	abort();
}

void report_set(const char *key, double value)
{
	struct value *m = find(key);
	m->value = value;
	m->have = isfinite(value);
}

void report_note(const char *key, const char *fmt, ...)
{
	struct value *m = find(key);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m->note, sizeof(m->note), fmt, ap);
	va_end(ap);
}

static json_t *obj(json_t **o)
{
	if (!*o)
		*o = json_object();
	return *o;
}

/* Numbers with enough digits for what they are, no more. */
static void format_num(char *buf, size_t len, double v)
{
	double a = fabs(v);
	if (a >= 1e5)
		snprintf(buf, len, "%.0f", v);
	else if (a >= 100)
		snprintf(buf, len, "%.1f", v);
	else if (a >= 1)
		snprintf(buf, len, "%.2f", v);
	else if (a >= 0.01)
		snprintf(buf, len, "%.3f", v);
	else
		snprintf(buf, len, "%.2g", v);
}

static void add_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void add_line(const char *fmt, ...)
{
	struct line *l = calloc(1, sizeof(*l));
	if (!l)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(l->text, sizeof(l->text), fmt, ap);
	va_end(ap);
	*lines_tail = l;
	lines_tail = &l->next;
}

void report_detail(const char *key, double value, const char *unit, const char *label)
{
	char v[48];
	if (!isfinite(value))
		return;
	json_object_set_new(obj(&details), key, json_real(value));
	format_num(v, sizeof(v), value);
	add_line("%-66s %12s %s", label, v, unit ? unit : "");
}

void report_detail_str(const char *key, const char *value, const char *label)
{
	json_object_set_new(obj(&details), key, json_string(value));
	add_line("%-66s %s", label, value);
}

void report_machine_str(const char *key, const char *value)
{
	json_object_set_new(obj(&machine), key, json_string(value));
}

void report_machine_num(const char *key, double value)
{
	json_object_set_new(obj(&machine), key, json_real(value));
}

static const char *machine_str(const char *key)
{
	const char *s = json_string_value(json_object_get(machine, key));
	return s ? s : "?";
}

/* "met", "MISSED" or "" (no target or no value). */
static const char *verdict(const struct metric *m, const struct value *v)
{
	if (m->cmp == CMP_NONE || !v->have)
		return "";
	int ok = m->cmp == CMP_LE ? v->value <= m->target : v->value >= m->target;
	return ok ? "met" : "MISSED";
}

static void target_text(char *buf, size_t len, const struct metric *m)
{
	char t[32];
	if (m->cmp == CMP_NONE) {
		snprintf(buf, len, "-");
		return;
	}
	format_num(t, sizeof(t), m->target);
	snprintf(buf, len, "%s %s %s", m->cmp == CMP_LE ? "<=" : ">=", t, m->unit);
}

void report_print_table(FILE *f, const struct bench_opts *o)
{
	fprintf(f, "de_bench: DE Enclave performance%s\n",
	        o->quick ? " (--quick: few iterations)" : "");
	fprintf(f, "machine:  %s, %.0f online CPUs, KVM: %s\n", machine_str("cpu_model"),
	        json_number_value(json_object_get(machine, "online_cpus")), machine_str("kvm"));
	fprintf(f, "EVM:      %s\n\n", machine_str("evm"));
	fprintf(f, "%-50s %14s  %-14s %s\n", "metric", "value", "DESIGN target", "result");
	for (size_t i = 0; i < NR_METRICS; i++) {
		const struct metric *m = &metrics[i];
		const struct value *val = &values[i];
		char v[48], t[48];
		if (val->have) {
			char n[40];
			format_num(n, sizeof(n), val->value);
			snprintf(v, sizeof(v), "%s %s", n, m->unit);
		} else {
			snprintf(v, sizeof(v), "n/a");
		}
		target_text(t, sizeof(t), m);
		fprintf(f, "%-50s %14s  %-14s %s\n", m->label, v, t, verdict(m, val));
	}
	int any = 0;
	for (size_t i = 0; i < NR_METRICS; i++) {
		if (!values[i].note[0])
			continue;
		if (!any++)
			fprintf(f, "\nnotes:\n");
		fprintf(f, "  %s: %s\n", metrics[i].key, values[i].note);
	}
	if (lines)
		fprintf(f, "\ndetails:\n");
	for (struct line *l = lines; l; l = l->next)
		fprintf(f, "  %s\n", l->text);
}

int report_print_json(FILE *f, const struct bench_opts *o)
{
	json_t *root = json_object(), *targets = json_object(), *notes = json_object();
	if (!root || !targets || !notes)
		return -1;
	json_object_set_new(root, "tool", json_string("de_bench"));
	json_object_set_new(root, "quick", json_boolean(o->quick));
	for (size_t i = 0; i < NR_METRICS; i++) {
		const struct metric *m = &metrics[i];
		const struct value *val = &values[i];
		json_object_set_new(root, m->key, val->have ? json_real(val->value) : json_null());
		if (m->cmp != CMP_NONE) {
			const char *v = verdict(m, val);
			json_object_set_new(
			    targets, m->key,
			    json_pack("{s:s, s:f, s:s, s:o}", "cmp", m->cmp == CMP_LE ? "<=" : ">=",
			              "target", m->target, "unit", m->unit, "met",
			              *v ? json_boolean(!strcmp(v, "met")) : json_null()));
		}
		if (val->note[0])
			json_object_set_new(notes, m->key, json_string(val->note));
	}
	json_object_set_new(root, "targets", targets);
	json_object_set_new(root, "notes", notes);
	json_object_set(root, "machine", obj(&machine));
	json_object_set(root, "details", obj(&details));
	char *s = json_dumps(root, JSON_REAL_PRECISION(6) | JSON_COMPACT);
	json_decref(root);
	if (!s)
		return -1;
	fprintf(f, "%s\n", s);
	free(s);
	return 0;
}
