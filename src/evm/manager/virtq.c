/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Split virtqueue, driver side (virtio 1.x §2.7). Used entries come from the
 * VMM; ids are checked before use.
 */
#include "virtq.h"

void vq_init(struct vq *q)
{
	q->last_used = 0;
	q->nr_free = VQ_SIZE;
	q->free_head = 0;
	for (uint16_t i = 0; i < VQ_SIZE; i++)
		q->next_free[i] = (uint16_t)(i + 1);
}

int vq_next_id(const struct vq *q)
{
	return q->nr_free ? q->free_head : -1;
}

int vq_add(struct vq *q, uint64_t addr, uint32_t len, int device_writes)
{
	if (!q->nr_free)
		return -1;
	uint16_t id = q->free_head;
	q->free_head = q->next_free[id];
	q->nr_free--;
	q->desc[id] = (struct virtq_desc){
	    .addr = addr,
	    .len = len,
	    .flags = device_writes ? VIRTQ_DESC_F_WRITE : 0,
	};
	q->avail.ring[q->avail.idx % VQ_SIZE] = id;
	__atomic_store_n(&q->avail.idx, (uint16_t)(q->avail.idx + 1), __ATOMIC_RELEASE);
	return id;
}

int vq_has_used(const struct vq *q)
{
	return __atomic_load_n(&q->used.idx, __ATOMIC_ACQUIRE) != q->last_used;
}

int vq_pop_used(struct vq *q, uint16_t *id, uint32_t *len)
{
	if (!vq_has_used(q))
		return 0;
	const struct virtq_used_elem *e = &q->used.ring[q->last_used % VQ_SIZE];
	uint32_t eid = e->id;
	*len = e->len;
	q->last_used++;
	if (eid >= VQ_SIZE)
		return -1;
	*id = (uint16_t)eid;
	return 1;
}

void vq_free(struct vq *q, uint16_t id)
{
	q->next_free[id] = q->free_head;
	q->free_head = id;
	q->nr_free++;
}
