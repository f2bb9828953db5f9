/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Guest virtio-vsock driver. Runs entirely in ring 3: the device registers
 * and the queues are mapped into the manager, the driver polls the used
 * rings, and it exits the VM only to notify the device of new TX packets
 * (one notify per poll pass) or new RX buffers when the device asked for
 * them. Everything the device writes is checked before use.
 */
#include <string.h>

#include "manager.h"
#include "virtq.h"
#include "vsock.h"
#include "de/virtio.h"

#define HDR_SIZE sizeof(struct virtio_vsock_hdr)
#define BUF_SIZE (HDR_SIZE + VSOCK_PKT_DATA)

enum {
	PEND_RESPONSE = 1u << 0,
	PEND_CREDIT = 1u << 1,
	PEND_SHUTDOWN = 1u << 2, /* vsock_close() was called */
	PEND_RST = 1u << 3,
};

#define MAX_LISTENERS 4u
#define MAX_ORPHANS   16u

static struct vq queues[VSOCK_NR_VQS] __attribute__((aligned(4096)));
static uint8_t rx_bufs[VQ_SIZE][BUF_SIZE] __attribute__((aligned(64)));
static uint8_t tx_bufs[VQ_SIZE][BUF_SIZE] __attribute__((aligned(64)));
static uint8_t ev_bufs[4][8];
static struct vsock_conn conns[VSOCK_MAX_CONNS];
static struct {
	uint32_t port;
	vsock_handler handler;
} listeners[MAX_LISTENERS];
static struct virtio_vsock_hdr orphans[MAX_ORPHANS]; /* RSTs owed to unknown peers */
static uint32_t nr_orphans;
static uint64_t guest_cid;
static uint32_t next_local_port = VSOCK_LOCAL_PORT;
static int tx_kick;

static uint32_t rd32(uint32_t off)
{
	return *(volatile uint32_t *)(env.vsock_mmio + off);
}

static void wr32(uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(env.vsock_mmio + off) = v;
}

/* ---- rings -------------------------------------------------------------- */

uint32_t vsock_rx_avail(const struct vsock_conn *c)
{
	return c->rx.head - c->rx.tail;
}

uint32_t vsock_tx_space(const struct vsock_conn *c)
{
	return VSOCK_RING - (c->tx.head - c->tx.tail);
}

static void ring_put(struct vsock_ring *r, const uint8_t *p, uint32_t n)
{
	uint32_t at = r->head % VSOCK_RING, first = VSOCK_RING - at;
	if (first > n)
		first = n;
	memcpy(r->data + at, p, first);
	memcpy(r->data, p + first, n - first);
	r->head += n;
}

static void ring_get(struct vsock_ring *r, uint8_t *p, uint32_t n)
{
	uint32_t at = r->tail % VSOCK_RING, first = VSOCK_RING - at;
	if (first > n)
		first = n;
	memcpy(p, r->data + at, first);
	memcpy(p + first, r->data, n - first);
	r->tail += n;
}

size_t vsock_read(struct vsock_conn *c, void *buf, size_t n)
{
	uint32_t have = vsock_rx_avail(c);
	if (n > have)
		n = have;
	ring_get(&c->rx, buf, (uint32_t)n);
	c->fwd_cnt += (uint32_t)n;
	return n;
}

size_t vsock_write(struct vsock_conn *c, const void *buf, size_t n)
{
	if (c->state != VS_CONNECTED || (c->peer_shutdown & VIRTIO_VSOCK_SHUTDOWN_RCV))
		return 0;
	uint32_t space = vsock_tx_space(c);
	if (n > space)
		n = space;
	ring_put(&c->tx, buf, (uint32_t)n);
	return n;
}

/* ---- packets ------------------------------------------------------------ */

static void hdr_fill(struct virtio_vsock_hdr *h, const struct vsock_conn *c, uint16_t op)
{
	*h = (struct virtio_vsock_hdr){
	    .src_cid = guest_cid,
	    .dst_cid = c->peer_cid,
	    .src_port = c->local_port,
	    .dst_port = c->peer_port,
	    .type = VIRTIO_VSOCK_TYPE_STREAM,
	    .op = op,
	    .buf_alloc = VSOCK_RING,
	    .fwd_cnt = c->fwd_cnt,
	};
}

/* Queue one packet. Returns 0 when the TX queue is full. */
static int tx_packet(const struct virtio_vsock_hdr *h, struct vsock_ring *from, uint32_t len)
{
	struct vq *q = &queues[VSOCK_VQ_TX];
	int id = vq_next_id(q);
	if (id < 0)
		return 0;
	uint8_t *buf = tx_bufs[id];
	memcpy(buf, h, HDR_SIZE);
	((struct virtio_vsock_hdr *)buf)->len = len;
	if (len)
		ring_get(from, buf + HDR_SIZE, len);
	vq_add(q, virt_to_phys(buf), (uint32_t)HDR_SIZE + len, 0);
	tx_kick = 1;
	return 1;
}

static int tx_control(struct vsock_conn *c, uint16_t op, uint32_t flags)
{
	struct virtio_vsock_hdr h;
	hdr_fill(&h, c, op);
	h.flags = flags;
	if (!tx_packet(&h, NULL, 0))
		return 0;
	c->fwd_advertised = c->fwd_cnt;
	return 1;
}

static void orphan_rst(const struct virtio_vsock_hdr *in)
{
	if (in->op == VIRTIO_VSOCK_OP_RST || nr_orphans >= MAX_ORPHANS)
		return;
	orphans[nr_orphans++] = (struct virtio_vsock_hdr){
	    .src_cid = guest_cid,
	    .dst_cid = in->src_cid,
	    .src_port = in->dst_port,
	    .dst_port = in->src_port,
	    .type = VIRTIO_VSOCK_TYPE_STREAM,
	    .op = VIRTIO_VSOCK_OP_RST,
	};
}

static void conn_free(struct vsock_conn *c)
{
	vsock_handler h = c->handler;
	c->state = VS_FREE;
	if (h)
		h(c);
	memset(c, 0, offsetof(struct vsock_conn, rx));
	c->rx.head = c->rx.tail = c->tx.head = c->tx.tail = 0;
}

static struct vsock_conn *conn_find(uint64_t cid, uint32_t peer_port, uint32_t local_port)
{
	for (uint32_t i = 0; i < VSOCK_MAX_CONNS; i++) {
		struct vsock_conn *c = &conns[i];
		if (c->state != VS_FREE && c->peer_cid == cid && c->peer_port == peer_port &&
		    c->local_port == local_port)
			return c;
	}
	return NULL;
}

static struct vsock_conn *conn_alloc(uint64_t cid, uint32_t peer_port, uint32_t local_port,
                                     vsock_handler handler)
{
	for (uint32_t i = 0; i < VSOCK_MAX_CONNS; i++) {
		struct vsock_conn *c = &conns[i];
		if (c->state == VS_FREE) {
			memset(c, 0, offsetof(struct vsock_conn, rx));
			c->rx.head = c->rx.tail = c->tx.head = c->tx.tail = 0;
			c->peer_cid = cid;
			c->peer_port = peer_port;
			c->local_port = local_port;
			c->handler = handler;
			return c;
		}
	}
	return NULL;
}

static vsock_handler listener_for(uint32_t port)
{
	for (uint32_t i = 0; i < MAX_LISTENERS; i++)
		if (listeners[i].handler && listeners[i].port == port)
			return listeners[i].handler;
	return NULL;
}

static void rx_packet(const struct virtio_vsock_hdr *h, const uint8_t *data, uint32_t n)
{
	if (h->dst_cid != guest_cid || h->type != VIRTIO_VSOCK_TYPE_STREAM)
		return;
	struct vsock_conn *c = conn_find(h->src_cid, h->src_port, h->dst_port);

	if (h->op == VIRTIO_VSOCK_OP_REQUEST) {
		vsock_handler handler = listener_for(h->dst_port);
		if (c || !handler ||
		    !(c = conn_alloc(h->src_cid, h->src_port, h->dst_port, handler))) {
			orphan_rst(h);
			return;
		}
		c->state = VS_CONNECTED;
		c->peer_buf_alloc = h->buf_alloc;
		c->peer_fwd_cnt = h->fwd_cnt;
		c->pending |= PEND_RESPONSE;
		c->handler(c);
		return;
	}
	if (!c) {
		orphan_rst(h);
		return;
	}
	c->peer_buf_alloc = h->buf_alloc;
	c->peer_fwd_cnt = h->fwd_cnt;

	switch (h->op) {
	case VIRTIO_VSOCK_OP_RESPONSE:
		if (c->state != VS_CONNECTING) {
			c->pending |= PEND_RST;
			break;
		}
		c->state = VS_CONNECTED;
		c->handler(c);
		break;
	case VIRTIO_VSOCK_OP_RW:
		/* The peer may not send more than the credit we gave it. */
		if (c->state != VS_CONNECTED || n > VSOCK_RING - vsock_rx_avail(c)) {
			c->pending |= PEND_RST;
			break;
		}
		ring_put(&c->rx, data, n);
		break;
	case VIRTIO_VSOCK_OP_CREDIT_UPDATE:
		break;
	case VIRTIO_VSOCK_OP_CREDIT_REQUEST:
		c->pending |= PEND_CREDIT;
		break;
	case VIRTIO_VSOCK_OP_SHUTDOWN:
		c->peer_shutdown |=
		    h->flags & (VIRTIO_VSOCK_SHUTDOWN_RCV | VIRTIO_VSOCK_SHUTDOWN_SEND);
		if (c->peer_shutdown & VIRTIO_VSOCK_SHUTDOWN_RCV)
			c->tx.tail = c->tx.head; /* nobody will read it */
		break;
	case VIRTIO_VSOCK_OP_RST:
		conn_free(c);
		break;
	default:
		c->pending |= PEND_RST;
		break;
	}
}

/* Send what a connection owes: control packets, then data within credit. */
static int conn_flush(struct vsock_conn *c)
{
	int did = 0;

	if (c->pending & PEND_RST) {
		if (tx_control(c, VIRTIO_VSOCK_OP_RST, 0))
			conn_free(c);
		return 1;
	}
	if ((c->pending & PEND_RESPONSE) && tx_control(c, VIRTIO_VSOCK_OP_RESPONSE, 0)) {
		c->pending &= ~PEND_RESPONSE;
		did = 1;
	}
	if (c->state == VS_CONNECTED && c->handler && !(c->pending & PEND_RESPONSE))
		c->handler(c);
	while (c->state == VS_CONNECTED && !(c->pending & PEND_RESPONSE)) {
		uint32_t held = c->tx.head - c->tx.tail;
		uint32_t credit = c->peer_buf_alloc - (c->tx_cnt - c->peer_fwd_cnt);
		uint32_t n = held;
		if (n > credit)
			n = credit;
		if (n > VSOCK_PKT_DATA)
			n = VSOCK_PKT_DATA;
		if (!n)
			break;
		struct virtio_vsock_hdr h;
		hdr_fill(&h, c, VIRTIO_VSOCK_OP_RW);
		if (!tx_packet(&h, &c->tx, n))
			break;
		c->fwd_advertised = c->fwd_cnt;
		c->tx_cnt += n;
		did = 1;
	}
	if ((c->pending & PEND_CREDIT) || c->fwd_cnt - c->fwd_advertised >= VSOCK_RING / 4) {
		if (tx_control(c, VIRTIO_VSOCK_OP_CREDIT_UPDATE, 0)) {
			c->pending &= ~PEND_CREDIT;
			did = 1;
		}
	}
	int tx_empty = c->tx.head == c->tx.tail;
	if ((c->pending & PEND_SHUTDOWN) && tx_empty && c->state == VS_CONNECTED) {
		if (tx_control(c, VIRTIO_VSOCK_OP_SHUTDOWN,
		               VIRTIO_VSOCK_SHUTDOWN_RCV | VIRTIO_VSOCK_SHUTDOWN_SEND)) {
			c->pending &= ~PEND_SHUTDOWN;
			c->state = VS_CLOSING;
			did = 1;
		}
	}
	/* The peer is done sending and everything it sent has been answered. */
	if (c->state == VS_CONNECTED && (c->peer_shutdown & VIRTIO_VSOCK_SHUTDOWN_SEND) &&
	    vsock_rx_avail(c) == 0 && tx_empty) {
		if (tx_control(c, VIRTIO_VSOCK_OP_RST, 0))
			conn_free(c);
		did = 1;
	}
	return did;
}

/* ---- public ------------------------------------------------------------- */

int vsock_listen(uint32_t port, vsock_handler handler)
{
	for (uint32_t i = 0; i < MAX_LISTENERS; i++) {
		if (!listeners[i].handler) {
			listeners[i].port = port;
			listeners[i].handler = handler;
			return 0;
		}
	}
	return -1;
}

struct vsock_conn *vsock_connect(uint64_t cid, uint32_t port, vsock_handler handler)
{
	struct vsock_conn *c = conn_alloc(cid, port, next_local_port++, handler);
	if (!c)
		return NULL;
	c->state = VS_CONNECTING;
	struct virtio_vsock_hdr h;
	hdr_fill(&h, c, VIRTIO_VSOCK_OP_REQUEST);
	if (!tx_packet(&h, NULL, 0)) {
		c->state = VS_FREE;
		return NULL;
	}
	return c;
}

void vsock_close(struct vsock_conn *c)
{
	c->pending |= PEND_SHUTDOWN;
}

/* Give the device one receive buffer; descriptor i always owns rx_bufs[i]. */
static void post_rx(void)
{
	struct vq *q = &queues[VSOCK_VQ_RX];
	int id = vq_next_id(q);
	if (id >= 0)
		vq_add(q, virt_to_phys(rx_bufs[id]), BUF_SIZE, 1);
}

int vsock_poll(void)
{
	struct vq *rx = &queues[VSOCK_VQ_RX], *tx = &queues[VSOCK_VQ_TX];
	int did = 0, reposted = 0;
	uint16_t id;
	uint32_t len;
	int r;

	while ((r = vq_pop_used(tx, &id, &len)) != 0)
		if (r > 0)
			vq_free(tx, id);

	while ((r = vq_pop_used(rx, &id, &len)) != 0) {
		if (r < 0)
			continue;
		did = 1;
		if (len >= HDR_SIZE && len <= BUF_SIZE) {
			struct virtio_vsock_hdr h;
			memcpy(&h, rx_bufs[id], HDR_SIZE);
			uint32_t n = len - (uint32_t)HDR_SIZE;
			if (h.len <= n)
				rx_packet(&h, rx_bufs[id] + HDR_SIZE, h.len);
		}
		vq_free(rx, id);
		post_rx();
		reposted = 1;
	}
	if (reposted) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (!(__atomic_load_n(&rx->used.flags, __ATOMIC_ACQUIRE) & 1))
			wr32(VIRTIO_MMIO_QUEUE_NOTIFY, VSOCK_VQ_RX);
	}

	while (nr_orphans && vq_next_id(tx) >= 0) {
		tx_packet(&orphans[--nr_orphans], NULL, 0);
		did = 1;
	}
	for (uint32_t i = 0; i < VSOCK_MAX_CONNS; i++)
		if (conns[i].state != VS_FREE)
			did |= conn_flush(&conns[i]);

	if (tx_kick) {
		tx_kick = 0;
		wr32(VIRTIO_MMIO_QUEUE_NOTIFY, VSOCK_VQ_TX);
		did = 1;
	}
	return did;
}

static int setup_queue(uint32_t index, struct vq *q)
{
	wr32(VIRTIO_MMIO_QUEUE_SEL, index);
	if (rd32(VIRTIO_MMIO_QUEUE_READY) || rd32(VIRTIO_MMIO_QUEUE_NUM_MAX) < VQ_SIZE)
		return -1;
	vq_init(q);
	uint64_t d = virt_to_phys(q->desc), a = virt_to_phys(&q->avail), u = virt_to_phys(&q->used);
	wr32(VIRTIO_MMIO_QUEUE_NUM, VQ_SIZE);
	wr32(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)d);
	wr32(VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(d >> 32));
	wr32(VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)a);
	wr32(VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(a >> 32));
	wr32(VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)u);
	wr32(VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(u >> 32));
	wr32(VIRTIO_MMIO_QUEUE_READY, 1);
	return 0;
}

int vsock_init(void)
{
	if (rd32(VIRTIO_MMIO_MAGIC) != VIRTIO_MMIO_MAGIC_VALUE || rd32(VIRTIO_MMIO_VERSION) != 2 ||
	    rd32(VIRTIO_MMIO_DEVICE_ID) != VIRTIO_ID_VSOCK)
		return -1;
	wr32(VIRTIO_MMIO_STATUS, 0);
	wr32(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	wr32(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr32(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	if (!(rd32(VIRTIO_MMIO_DEVICE_FEATURES) & (1u << (VIRTIO_F_VERSION_1 - 32))))
		return -2;
	wr32(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr32(VIRTIO_MMIO_DRIVER_FEATURES, 1u << (VIRTIO_F_VERSION_1 - 32));
	wr32(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr32(VIRTIO_MMIO_DRIVER_FEATURES, 0);
	uint32_t st = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK;
	wr32(VIRTIO_MMIO_STATUS, st);
	if (!(rd32(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK))
		return -3;
	for (uint32_t i = 0; i < VSOCK_NR_VQS; i++)
		if (setup_queue(i, &queues[i]))
			return -4;
	guest_cid = rd32(VIRTIO_MMIO_CONFIG) | (uint64_t)rd32(VIRTIO_MMIO_CONFIG + 4) << 32;

	for (uint16_t i = 0; i < VQ_SIZE; i++)
		post_rx();
	for (uint32_t i = 0; i < 4; i++)
		vq_add(&queues[VSOCK_VQ_EVENT], virt_to_phys(ev_bufs[i]), sizeof(ev_bufs[i]), 1);
	wr32(VIRTIO_MMIO_STATUS, st | VIRTIO_STATUS_DRIVER_OK);
	wr32(VIRTIO_MMIO_QUEUE_NOTIFY, VSOCK_VQ_RX);
	return 0;
}
