/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Talking to de_platform_service: STATUS on control.sock
 * (docs/control-protocol.md) and plain Unix stream connections.
 */
#ifndef BENCH_SVC_H
#define BENCH_SVC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Connects to the Unix stream socket at path; the descriptor, or -errno. */
int svc_connect(const char *path);

/* Bounds every later blocking read on fd to ms milliseconds (SO_RCVTIMEO). */
void svc_timeout(int fd, int ms);
/* Reads exactly n bytes (blocking); 0, or -1 (timeout, EOF, error). */
int svc_read_full(int fd, void *buf, size_t n);
/* Writes all n bytes; 0 or -1. */
int svc_write_full(int fd, const void *buf, size_t n);

/* A request whose answer is one JSON object (STATUS, STATS, ENCLAVES) to
 * the service at <rundir>/control.sock: the parsed object (json_decref
 * it), or NULL with the reason in why. */
json_t *svc_query(const char *rundir, uint16_t op, int timeout_ms, char *why, size_t len);
json_t *svc_status(const char *rundir, int timeout_ms, char *why, size_t len);

/* The EVM's free 4 KiB pages (STATS), or -1. */
long svc_free_pages(const char *rundir);

/* The host CPUs the EVM's vCPUs are pinned to, from STATUS; how many
 * (at most max). */
int svc_vcpu_cpus(json_t *status, int *cpus, int max);

#endif
