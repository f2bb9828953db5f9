/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Device side of a split virtqueue. Everything in the rings and descriptors
 * is written by the guest, so every index, length and address is checked
 * before use, and chains are bounded by the queue size.
 */
#ifndef DE_VMM_VIRTQ_H
#define DE_VMM_VIRTQ_H

#include <stdbool.h>
#include <stdint.h>

#include "guest_mem.h"

#define VIRTQ_MAX_SIZE  256u
#define VIRTQ_MAX_CHAIN 16u

struct virtq {
	uint16_t size; /* power of two, set by the driver */
	bool ready;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	uint16_t last_avail;
	/* Resolved at ready time. */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
};

struct virtq_buf {
	uint8_t *ptr;
	uint32_t len;
	bool writable; /* device may write (driver-to-device buffers are read-only) */
};

struct virtq_chain {
	uint16_t head;
	uint16_t nr;
	uint64_t total_read, total_write;
	struct virtq_buf buf[VIRTQ_MAX_CHAIN];
};

/* Maps the rings; fails if they are not inside guest RAM. */
int virtq_activate(struct virtq *q, const struct guest_mem *m);
void virtq_reset(struct virtq *q);
/*
 * Takes the next available chain. Returns 1 with *c filled, 0 if the ring is
 * empty, -1 if the guest put something malformed there (the entry is
 * consumed and must be returned with virtq_push(len 0)).
 */
int virtq_pop(struct virtq *q, const struct guest_mem *m, struct virtq_chain *c);
void virtq_push(struct virtq *q, uint16_t head, uint32_t len);
bool virtq_has_avail(const struct virtq *q);
/* Event suppression: tell the driver whether we want notifications. */
void virtq_set_notify(struct virtq *q, bool want);

#endif
