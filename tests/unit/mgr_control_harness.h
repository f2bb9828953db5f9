/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A host harness for the manager's control service (src/evm/manager/control.c):
 * stand-ins for the vsock driver, the kernel's calls and the enclave loader,
 * so that the byte-stream handling can be tested and fuzzed with sanitizers.
 * control.c is compiled with this header forced in (-include) and with
 * DE_MGR_HOST_TEST, MSGBUF and KEVENTS pointing at the harness's memory.
 */
#ifndef DE_TEST_MGR_CONTROL_HARNESS_H
#define DE_TEST_MGR_CONTROL_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "de/kernel_abi.h"

#define HARNESS_MSGBUF_BYTES ((64u << 20) + 8192u)
extern uint8_t harness_msgbuf[];
extern struct de_kevent_ring harness_ring;

struct harness {
	/* What the service sends: consumed by vsock_read. */
	const uint8_t *in;
	size_t in_len, in_pos;
	/* What the manager sends. */
	uint8_t *out;
	size_t out_len, out_cap;
	uint32_t tx_space;    /* what vsock_tx_space reports (minus out_len) */
	int closed;           /* the manager called vsock_close */
	int fail_alloc;       /* DE_SYS_ALLOC fails */
	uint32_t alloc_pages; /* MSGBUF pages mapped now */
	uint32_t loads, dispatched;
};

extern struct harness H;

/* Resets everything and connects a new controller. */
void harness_reset(void);
/* Feeds n bytes, chunk at a time (0 = all at once), running the handler. */
void harness_feed(const void *bytes, size_t n, size_t chunk);
/* Posts a kernel event (enclave exited) to the ring. */
void harness_post_exit(uint32_t space, int64_t code);
/*
 * Checks the manager's output: a sequence of whole, valid replies and
 * events. Returns how many, or -1 if anything is malformed (a message is
 * printed). Fills types[] (up to max) and statuses[] with the first field.
 */
int harness_replies(uint16_t *types, int32_t *statuses, int max);

#endif
