/* SPDX-License-Identifier: Apache-2.0 */
/* Driver side of a split virtqueue with one buffer per descriptor. */
#ifndef DE_MGR_VIRTQ_H
#define DE_MGR_VIRTQ_H

#include <stdint.h>

#include "de/virtio.h"

#define VQ_SIZE 64u

struct vq {
	struct virtq_desc desc[VQ_SIZE] __attribute__((aligned(16)));
	struct {
		uint16_t flags;
		uint16_t idx;
		uint16_t ring[VQ_SIZE];
		uint16_t used_event;
	} avail __attribute__((aligned(2)));
	struct {
		uint16_t flags;
		uint16_t idx;
		struct virtq_used_elem ring[VQ_SIZE];
		uint16_t avail_event;
	} used __attribute__((aligned(4096)));
	uint16_t last_used; /* next used entry to read */
	uint16_t nr_free;
	uint16_t free_head;
	uint16_t next_free[VQ_SIZE];
};

void vq_init(struct vq *q);
/* The id the next vq_add will use, or -1 when the queue is full. */
int vq_next_id(const struct vq *q);
/* Queue and publish one buffer; returns the descriptor id, or -1 when full. */
int vq_add(struct vq *q, uint64_t addr, uint32_t len, int device_writes);
/* Take one completed buffer; returns 0 when none. */
int vq_pop_used(struct vq *q, uint16_t *id, uint32_t *len);
int vq_has_used(const struct vq *q);
void vq_free(struct vq *q, uint16_t id);

#endif /* DE_MGR_VIRTQ_H */
