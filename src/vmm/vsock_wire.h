/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Parsing for the vsock device's untrusted inputs: descriptor chains from the
 * guest and the CONNECT line from host programs. Pure functions, fuzzed.
 */
#ifndef DE_VMM_VSOCK_WIRE_H
#define DE_VMM_VSOCK_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "virtq.h"

#define VSOCK_CONNECT_LINE_MAX 32u

/* Copy out of / into a chain at a byte offset; returns bytes copied. */
uint32_t vsock_chain_read(const struct virtq_chain *ch, uint64_t off, void *dst, uint32_t len);
uint32_t vsock_chain_write(struct virtq_chain *ch, uint64_t off, const void *src, uint32_t len);

/*
 * Parses exactly "CONNECT <port>\n" (port decimal, 0..4294967295, no sign,
 * no leading zeros beyond a single "0", no other bytes). Returns 0 or -1.
 */
int vsock_parse_connect(const char *line, size_t len, uint32_t *port);

void log_vsock_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
