/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where the time of sgx_create_enclave and sgx_destroy_enclave goes, seen
 * from the application: de_bench defines sendmsg() and recv(), which the
 * untrusted runtime calls for every control request and answer, so they
 * override the C library's for the whole process. While tracing is on they
 * note the time and the request (its control header) and pass the call on
 * to the C library unchanged. Nothing else changes; off, they cost one
 * atomic load.
 */
#ifndef BENCH_TRACE_H
#define BENCH_TRACE_H

#include <stddef.h>
#include <stdint.h>

enum trace_kind { TRACE_SEND, TRACE_RECV };

struct trace_ev {
	uint64_t ns; /* mono_ns() after the call returned */
	int fd;
	enum trace_kind kind;
	int op; /* TRACE_SEND of a control request: its op; else 0 */
};

/* Starts a new trace (drops the events so far). */
void trace_begin(void);
/* Stops tracing; the events, in order, and how many (at most 256). */
size_t trace_end(const struct trace_ev **evs);

#endif
