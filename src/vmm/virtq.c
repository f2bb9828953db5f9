/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "virtq.h"
#include "de/virtio.h"

#define VIRTQ_USED_F_NO_NOTIFY 1u

int virtq_activate(struct virtq *q, const struct guest_mem *m)
{
	uint64_t n = q->size;
	if (!n || n > VIRTQ_MAX_SIZE || (n & (n - 1)))
		return -1;
	q->desc = guest_mem_ptr(m, q->desc_gpa, n * sizeof(struct virtq_desc));
	q->avail = guest_mem_ptr(m, q->avail_gpa, 6 + 2 * n);
	q->used = guest_mem_ptr(m, q->used_gpa, 6 + 8 * n);
	if (!q->desc || !q->avail || !q->used || (q->desc_gpa & 15) || (q->avail_gpa & 1) ||
	    (q->used_gpa & 3))
		return -1;
	q->last_avail = 0;
	q->ready = true;
	return 0;
}

void virtq_reset(struct virtq *q)
{
	memset(q, 0, sizeof(*q));
}

bool virtq_has_avail(const struct virtq *q)
{
	return q->ready && __atomic_load_n(&q->avail->idx, __ATOMIC_ACQUIRE) != q->last_avail;
}

int virtq_pop(struct virtq *q, const struct guest_mem *m, struct virtq_chain *c)
{
	if (!virtq_has_avail(q))
		return 0;
	uint16_t head = __atomic_load_n(&q->avail->ring[q->last_avail % q->size], __ATOMIC_RELAXED);
	q->last_avail++;
	c->head = head;
	c->nr = 0;
	c->total_read = c->total_write = 0;
	if (head >= q->size)
		return -1;

	uint16_t i = head;
	for (uint32_t hops = 0;; hops++) {
		struct virtq_desc d;
		memcpy(&d, &q->desc[i], sizeof(d)); /* one read: no double fetch */
		if (hops >= q->size || c->nr == VIRTQ_MAX_CHAIN)
			return -1;
		uint8_t *p = guest_mem_ptr(m, d.addr, d.len);
		if (!p && d.len)
			return -1;
		bool w = (d.flags & VIRTQ_DESC_F_WRITE) != 0;
		/* Readable buffers come before writable ones (virtio §2.7.4.2). */
		if (!w && c->total_write)
			return -1;
		c->buf[c->nr++] = (struct virtq_buf){.ptr = p, .len = d.len, .writable = w};
		if (w)
			c->total_write += d.len;
		else
			c->total_read += d.len;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			break;
		if (d.next >= q->size)
			return -1;
		i = d.next;
	}
	return 1;
}

void virtq_push(struct virtq *q, uint16_t head, uint32_t len)
{
	uint16_t idx = q->used->idx;
	struct virtq_used_elem *e = &q->used->ring[idx % q->size];
	e->id = head;
	e->len = len;
	__atomic_store_n(&q->used->idx, (uint16_t)(idx + 1), __ATOMIC_RELEASE);
}

void virtq_set_notify(struct virtq *q, bool want)
{
	if (!q->ready)
		return;
	uint16_t f = want ? 0 : VIRTQ_USED_F_NO_NOTIFY;
	__atomic_store_n(&q->used->flags, f, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
