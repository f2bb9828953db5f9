/* SPDX-License-Identifier: Apache-2.0 */
/*
 * de_bench's results: the headline metrics (with DESIGN.md section 6's
 * targets), supporting details, machine facts, and the two ways of
 * printing them (a table, or one JSON object).
 */
#ifndef BENCH_REPORT_H
#define BENCH_REPORT_H

#include <stdio.h>

struct bench_opts;

/* Records a headline metric by its JSON key (one of report.c's table). */
void report_set(const char *key, double value);
/* A remark on a headline metric, printed under the table and kept in
 * "notes" in JSON: why it is missing, or what it measured. */
void report_note(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A supporting number: "details" in JSON, "label: value unit" in the table
 * output, in the order recorded. */
void report_detail(const char *key, double value, const char *unit, const char *label);
/* A supporting string: "details" in JSON and in the table output. */
void report_detail_str(const char *key, const char *value, const char *label);

/* Machine facts ("machine" in JSON, the header of the table). */
void report_machine_str(const char *key, const char *value);
void report_machine_num(const char *key, double value);

void report_print_table(FILE *f, const struct bench_opts *o);
/* Exactly one JSON object and a newline; 0, or -1 if it could not be built. */
int report_print_json(FILE *f, const struct bench_opts *o);

#endif
