/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The service's connection to the manager's control port (guest vsock port
 * 2, reachable only from the VMM process). Framing per include/de/evm_proto.h;
 * sends are queued so a 64 MiB image never blocks the event loop.
 */
#ifndef DE_PLATFORM_MGR_LINK_H
#define DE_PLATFORM_MGR_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "de/evm_proto.h"

struct evm;

struct out_buf {
	struct out_buf *next;
	size_t len, off;
	uint8_t data[];
};

struct mgr_link {
	int fd;
	int connected; /* the "OK <port>" line was seen */
	char line[32];
	size_t line_len;
	uint8_t rx[sizeof(struct de_msg_hdr) + 65536];
	size_t rx_len;
	struct out_buf *head, *tail;
	uint32_t next_seq;
};

typedef void (*mgr_msg_fn)(void *ctx, const struct de_msg_hdr *h, const uint8_t *payload);

int mgr_link_open(struct mgr_link *l, struct evm *e, char *err, size_t errlen);
void mgr_link_close(struct mgr_link *l);
/* Queues one request (header + a + b); returns its seq, or 0 on failure. */
uint32_t mgr_link_send(struct mgr_link *l, uint16_t type, const void *a, size_t alen, const void *b,
                       size_t blen);
/* epoll events the link wants now. */
uint32_t mgr_link_events(const struct mgr_link *l);
/*
 * Handles readiness: writes what is queued, reads and delivers every
 * complete message to fn. Returns -1 when the link is broken (with err set).
 */
int mgr_link_io(struct mgr_link *l, uint32_t events, mgr_msg_fn fn, void *ctx, char *err,
                size_t errlen);

#endif
