/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-vsock device with the hybrid-vsock host side.
 *
 * Host programs connect to a Unix socket and write "CONNECT <port>\n"; the
 * device opens a stream to that guest port and answers "OK <host port>\n",
 * after which bytes flow both ways. Guest-initiated connections reach
 * services inside the VMM (the readiness port).
 *
 * Layers: the virtio transport (virtio_mmio.c) calls notify() from vCPU
 * threads; the backend thread here owns the Unix sockets. Both take the
 * device lock. Flow control follows the virtio vsock credit scheme in both
 * directions: the guest never sends more than VSOCK_HOST_BUF unconsumed bytes
 * per connection, and the device never sends more than the guest's buf_alloc.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "evm_internal.h"
#include "virtio_mmio.h"
#include "vsock_wire.h"
#include "de/virtio.h"
#include "de/evm_proto.h"
#include "de/vsock_proto.h"

#define VSOCK_HOST_BUF  (256u * 1024u) /* guest-to-host bytes buffered per connection */
#define VSOCK_PKT_MAX   4096u          /* payload per packet to the guest */
#define VSOCK_MAX_CONNS 64u
#define VSOCK_QUEUE_MAX 256u
#define FIRST_HOST_PORT 1024u
/* Buffer space kept for our own "OK <port>" reply; not offered as credit. */
#define VSOCK_REPLY_RESERVE 64u

#define EP_LISTEN 0ull
#define EP_WAKE   1ull
#define EP_CONN   2ull /* + connection index */

enum hc_state { HC_FREE = 0, HC_LINE, HC_CONNECTING, HC_OPEN };

enum {
	P_REQUEST = 1u << 0,
	P_RESPONSE = 1u << 1,
	P_CREDIT = 1u << 2,
	P_SHUTDOWN = 1u << 3,
	P_RST = 1u << 4,
};

struct hconn {
	enum hc_state state;
	int fd; /* client socket; -1 when internal or closed */
	bool internal;
	uint32_t host_port, guest_port;
	char line[VSOCK_CONNECT_LINE_MAX];
	uint32_t line_len;
	/* guest -> host */
	uint8_t *obuf;
	uint32_t ohead, otail; /* free-running ring indices */
	uint32_t fwd_cnt, fwd_advertised;
	/* host -> guest */
	uint32_t peer_buf_alloc, peer_fwd_cnt, tx_cnt;
	uint32_t pending;
	uint32_t shut_flags;
	bool client_eof;    /* the host program sent EOF */
	bool guest_done;    /* guest reset or fully shut down: close after draining */
	bool guest_no_recv; /* guest will not receive more */
	bool guest_no_send; /* guest will not send more */
	uint32_t ev;        /* epoll interest */
	uint8_t msg[sizeof(struct de_ready_msg)];
	uint32_t msg_len;
};

struct vsock_dev {
	struct evm *evm;
	pthread_mutex_t lock;
	struct virtio_mmio transport;
	struct hconn conns[VSOCK_MAX_CONNS];
	uint32_t next_host_port;
	int listen_fd, epoll_fd, wake_fd;
	pthread_t thread;
	bool thread_started;
	bool rx_starved;
};

static struct virtq *rxq(struct vsock_dev *d)
{
	return &d->transport.vq[VSOCK_VQ_RX];
}

static uint32_t obuf_held(const struct hconn *c)
{
	return c->ohead - c->otail;
}

static uint32_t guest_credit(const struct hconn *c)
{
	uint32_t inflight = c->tx_cnt - c->peer_fwd_cnt;
	return inflight >= c->peer_buf_alloc ? 0 : c->peer_buf_alloc - inflight;
}

/* ---- epoll interest ----------------------------------------------------- */

static void conn_update_events(struct vsock_dev *d, struct hconn *c)
{
	if (c->fd < 0)
		return;
	uint32_t ev = 0;
	if (c->state == HC_LINE)
		ev |= EPOLLIN;
	if (c->state == HC_OPEN && !c->client_eof && !c->guest_no_recv && !c->guest_done &&
	    !d->rx_starved && guest_credit(c) > 0)
		ev |= EPOLLIN;
	if (obuf_held(c))
		ev |= EPOLLOUT;
	if (ev != c->ev) {
		struct epoll_event e = {.events = ev,
		                        .data.u64 = EP_CONN + (uint64_t)(c - d->conns)};
		epoll_ctl(d->epoll_fd, EPOLL_CTL_MOD, c->fd, &e);
		c->ev = ev;
	}
}

static void conn_close_fd(struct vsock_dev *d, struct hconn *c)
{
	if (c->fd >= 0) {
		epoll_ctl(d->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		c->fd = -1;
	}
}

static void conn_free(struct vsock_dev *d, struct hconn *c)
{
	conn_close_fd(d, c);
	free(c->obuf);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static struct hconn *conn_alloc(struct vsock_dev *d)
{
	for (uint32_t i = 0; i < VSOCK_MAX_CONNS; i++) {
		struct hconn *c = &d->conns[i];
		if (c->state == HC_FREE && c->fd < 0 && !c->pending) {
			memset(c, 0, sizeof(*c));
			c->fd = -1;
			c->obuf = malloc(VSOCK_HOST_BUF);
			if (!c->obuf)
				return NULL;
			return c;
		}
	}
	return NULL;
}

static struct hconn *conn_find(struct vsock_dev *d, uint32_t host_port, uint32_t guest_port)
{
	for (uint32_t i = 0; i < VSOCK_MAX_CONNS; i++) {
		struct hconn *c = &d->conns[i];
		if (c->state != HC_FREE && c->host_port == host_port && c->guest_port == guest_port)
			return c;
	}
	return NULL;
}

/* ---- to the guest ------------------------------------------------------- */

/*
 * Writes one packet into the next RX buffer. Returns false (and marks the
 * device starved) when the guest has posted none.
 */
static bool rx_packet(struct vsock_dev *d, struct hconn *c, uint16_t op, uint32_t flags,
                      const uint8_t *data, uint32_t len)
{
	struct virtq *q = rxq(d);
	struct virtq_chain ch;
	int r;

	while ((r = virtq_pop(q, &d->evm->mem, &ch)) < 0)
		virtq_push(q, ch.head, 0); /* malformed buffer: return it unused */
	if (r == 0) {
		d->rx_starved = true;
		virtq_set_notify(q, true);
		/* The guest may have added a buffer before it saw the flag. */
		if (!virtq_has_avail(q))
			return false;
		d->rx_starved = false;
		virtq_set_notify(q, false);
		return rx_packet(d, c, op, flags, data, len);
	}
	struct virtio_vsock_hdr h = {
	    .src_cid = DE_VSOCK_HOST_CID,
	    .dst_cid = DE_VSOCK_GUEST_CID,
	    .src_port = c->host_port,
	    .dst_port = c->guest_port,
	    .len = len,
	    .type = VIRTIO_VSOCK_TYPE_STREAM,
	    .op = op,
	    .flags = flags,
	    .buf_alloc = VSOCK_HOST_BUF - VSOCK_REPLY_RESERVE,
	    .fwd_cnt = c->fwd_cnt,
	};
	if (ch.total_write < sizeof(h) + len) {
		virtq_push(q, ch.head, 0);
		log_vsock_error("guest RX buffer too small (%llu bytes)",
		                (unsigned long long)ch.total_write);
		return false;
	}
	uint32_t written = vsock_chain_write(&ch, 0, &h, sizeof(h));
	written += vsock_chain_write(&ch, sizeof(h), data, len);
	virtq_push(q, ch.head, written);
	c->fwd_advertised = c->fwd_cnt;
	evm_event(d->evm);
	return true;
}

/* Sends the control packets a connection owes, in protocol order. */
static void conn_send_pending(struct vsock_dev *d, struct hconn *c)
{
	static const struct {
		uint32_t bit;
		uint16_t op;
	} order[] = {
	    {P_REQUEST, VIRTIO_VSOCK_OP_REQUEST},
	    {P_RESPONSE, VIRTIO_VSOCK_OP_RESPONSE},
	    {P_CREDIT, VIRTIO_VSOCK_OP_CREDIT_UPDATE},
	    {P_SHUTDOWN, VIRTIO_VSOCK_OP_SHUTDOWN},
	    {P_RST, VIRTIO_VSOCK_OP_RST},
	};
	if (c->fwd_cnt - c->fwd_advertised >= VSOCK_HOST_BUF / 4)
		c->pending |= P_CREDIT;
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (!(c->pending & order[i].bit))
			continue;
		uint32_t flags = order[i].bit == P_SHUTDOWN ? c->shut_flags : 0;
		if (!rx_packet(d, c, order[i].op, flags, NULL, 0))
			return;
		c->pending &= ~order[i].bit;
	}
}

/* Host program -> guest: read what credit and RX buffers allow. */
static void conn_pump_in(struct vsock_dev *d, struct hconn *c)
{
	uint8_t buf[VSOCK_PKT_MAX];

	while (c->state == HC_OPEN && c->fd >= 0 && !c->client_eof && !c->guest_no_recv &&
	       !c->guest_done && !c->pending && !d->rx_starved) {
		uint32_t n = guest_credit(c);
		if (!n)
			break;
		if (!virtq_has_avail(rxq(d))) {
			d->rx_starved = true;
			virtq_set_notify(rxq(d), true);
			if (!virtq_has_avail(rxq(d)))
				break;
			d->rx_starved = false;
			virtq_set_notify(rxq(d), false);
		}
		if (n > sizeof(buf))
			n = sizeof(buf);
		ssize_t got = read(c->fd, buf, n);
		if (got < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (got <= 0) {
			/* EOF (or the program vanished): tell the guest no more is coming. */
			c->client_eof = true;
			c->shut_flags =
			    VIRTIO_VSOCK_SHUTDOWN_SEND | (got < 0 ? VIRTIO_VSOCK_SHUTDOWN_RCV : 0);
			c->pending |= P_SHUTDOWN;
			conn_send_pending(d, c);
			break;
		}
		if (!rx_packet(d, c, VIRTIO_VSOCK_OP_RW, 0, buf, (uint32_t)got)) {
			/* Cannot happen: availability was checked under the lock. */
			break;
		}
		c->tx_cnt += (uint32_t)got;
	}
}

/* Guest -> host program: write buffered bytes without blocking. */
static void conn_pump_out(struct vsock_dev *d, struct hconn *c)
{
	while (c->fd >= 0 && obuf_held(c)) {
		uint32_t at = c->otail % VSOCK_HOST_BUF, n = obuf_held(c);
		if (n > VSOCK_HOST_BUF - at)
			n = VSOCK_HOST_BUF - at;
		ssize_t w = send(c->fd, c->obuf + at, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (w <= 0) {
			/* The host program is gone: reset the guest side. */
			conn_close_fd(d, c);
			c->otail = c->ohead;
			if (!c->guest_done) {
				c->guest_done = true;
				c->pending |= P_RST;
			}
			break;
		}
		c->otail += (uint32_t)w;
		c->fwd_cnt += (uint32_t)w;
	}
	if (c->fd >= 0 && !obuf_held(c) && c->guest_no_send && !c->guest_done)
		shutdown(c->fd, SHUT_WR);
}

/* Bring a connection up to date after anything happened to it. */
static void conn_service(struct vsock_dev *d, struct hconn *c)
{
	if (c->state == HC_FREE && !c->pending)
		return;
	conn_pump_out(d, c);
	conn_send_pending(d, c);
	conn_pump_in(d, c);
	if (c->guest_done && !c->pending && (c->fd < 0 || !obuf_held(c))) {
		conn_free(d, c);
		return;
	}
	conn_update_events(d, c);
}

static void service_all(struct vsock_dev *d)
{
	for (uint32_t i = 0; i < VSOCK_MAX_CONNS; i++)
		conn_service(d, &d->conns[i]);
}

/* ---- from the guest ----------------------------------------------------- */

static void reset_orphan(struct vsock_dev *d, const struct virtio_vsock_hdr *h)
{
	if (h->op == VIRTIO_VSOCK_OP_RST)
		return;
	struct hconn *c = conn_alloc(d);
	if (!c)
		return;
	c->state = HC_OPEN;
	c->host_port = h->dst_port;
	c->guest_port = h->src_port;
	c->guest_done = true;
	c->pending = P_RST;
}

/* VMM-internal service on DE_HOST_PORT_READY. */
static void ready_data(struct vsock_dev *d, struct hconn *c, const uint8_t *p, uint32_t n)
{
	uint32_t take = n;
	if (take > sizeof(c->msg) - c->msg_len)
		take = (uint32_t)sizeof(c->msg) - c->msg_len;
	memcpy(c->msg + c->msg_len, p, take);
	c->msg_len += take;
	c->fwd_cnt += n;
	if (c->msg_len < sizeof(c->msg))
		return;
	struct de_ready_msg m;
	memcpy(&m, c->msg, sizeof(m));
	c->msg_len = 0;
	if (m.magic != DE_READY_MAGIC || m.version != DE_READY_VERSION) {
		log_vsock_error("the trusted OS sent a malformed readiness message");
		c->guest_done = true;
		c->pending |= P_RST;
		return;
	}
	if (d->evm->cb.ready)
		d->evm->cb.ready(d->evm->cb.ctx);
}

static void guest_packet(struct vsock_dev *d, const struct virtio_vsock_hdr *h,
                         const struct virtq_chain *ch)
{
	if (h->src_cid != DE_VSOCK_GUEST_CID || h->dst_cid != DE_VSOCK_HOST_CID ||
	    h->type != VIRTIO_VSOCK_TYPE_STREAM)
		return;
	struct hconn *c = conn_find(d, h->dst_port, h->src_port);

	if (h->op == VIRTIO_VSOCK_OP_REQUEST) {
		if (c || h->dst_port != DE_HOST_PORT_READY || !(c = conn_alloc(d))) {
			reset_orphan(d, h);
			return;
		}
		c->state = HC_OPEN;
		c->internal = true;
		c->host_port = h->dst_port;
		c->guest_port = h->src_port;
		c->peer_buf_alloc = h->buf_alloc;
		c->peer_fwd_cnt = h->fwd_cnt;
		c->pending |= P_RESPONSE;
		return;
	}
	if (!c) {
		reset_orphan(d, h);
		return;
	}
	c->peer_buf_alloc = h->buf_alloc;
	c->peer_fwd_cnt = h->fwd_cnt;

	switch (h->op) {
	case VIRTIO_VSOCK_OP_RESPONSE:
		if (c->state != HC_CONNECTING) {
			c->guest_done = true;
			c->pending |= P_RST;
			break;
		}
		c->state = HC_OPEN;
		c->ohead += (uint32_t)snprintf((char *)c->obuf, 32, "OK %u\n", c->host_port);
		/* The reply is ours, not the guest's bytes: it does not count as credit. */
		c->fwd_cnt -= c->ohead;
		break;
	case VIRTIO_VSOCK_OP_RW: {
		uint32_t n = h->len;
		if (c->state != HC_OPEN || n > ch->total_read - sizeof(*h) ||
		    n > VSOCK_HOST_BUF - obuf_held(c)) {
			/* Data before the handshake, or beyond the credit we gave. */
			c->guest_done = true;
			c->pending |= P_RST;
			c->otail = c->ohead;
			break;
		}
		if (c->internal) {
			uint8_t tmp[VSOCK_PKT_MAX];
			uint32_t take = n < sizeof(tmp) ? n : (uint32_t)sizeof(tmp);
			vsock_chain_read(ch, sizeof(*h), tmp, take);
			ready_data(d, c, tmp, take);
			c->fwd_cnt += n - take;
			break;
		}
		uint32_t at = c->ohead % VSOCK_HOST_BUF, first = VSOCK_HOST_BUF - at;
		if (first > n)
			first = n;
		vsock_chain_read(ch, sizeof(*h), c->obuf + at, first);
		vsock_chain_read(ch, sizeof(*h) + first, c->obuf, n - first);
		c->ohead += n;
		break;
	}
	case VIRTIO_VSOCK_OP_CREDIT_UPDATE:
		break;
	case VIRTIO_VSOCK_OP_CREDIT_REQUEST:
		c->pending |= P_CREDIT;
		break;
	case VIRTIO_VSOCK_OP_SHUTDOWN:
		if (h->flags & VIRTIO_VSOCK_SHUTDOWN_RCV)
			c->guest_no_recv = true;
		if (h->flags & VIRTIO_VSOCK_SHUTDOWN_SEND)
			c->guest_no_send = true;
		if (c->guest_no_recv && c->guest_no_send && !c->guest_done) {
			c->guest_done = true;
			c->pending |= P_RST;
		}
		break;
	case VIRTIO_VSOCK_OP_RST:
		c->guest_done = true;
		c->pending &= ~(uint32_t)(P_RESPONSE | P_CREDIT | P_SHUTDOWN | P_RST);
		if (c->state != HC_OPEN)
			conn_close_fd(d, c); /* connect refused: the program sees EOF */
		break;
	default:
		c->guest_done = true;
		c->pending |= P_RST;
		break;
	}
}

static void process_tx(struct vsock_dev *d)
{
	struct virtq *q = &d->transport.vq[VSOCK_VQ_TX];
	struct virtq_chain ch;
	int r;

	while ((r = virtq_pop(q, &d->evm->mem, &ch)) != 0) {
		struct virtio_vsock_hdr h;
		if (r > 0 && ch.total_read >= sizeof(h)) {
			vsock_chain_read(&ch, 0, &h, sizeof(h));
			guest_packet(d, &h, &ch);
		}
		virtq_push(q, ch.head, 0);
	}
}

/* ---- transport callbacks (device lock held) ----------------------------- */

static void vsock_config_read(void *dev, uint32_t off, void *data, uint32_t len)
{
	(void)dev;
	struct virtio_vsock_config cfg = {.guest_cid = DE_VSOCK_GUEST_CID};
	memcpy(data, (const uint8_t *)&cfg + off, len);
}

static void vsock_notify(void *dev, uint32_t queue)
{
	struct vsock_dev *d = dev;
	if (queue == VSOCK_VQ_TX) {
		process_tx(d);
	} else if (queue == VSOCK_VQ_RX) {
		d->rx_starved = false;
		virtq_set_notify(rxq(d), false);
	}
	service_all(d);
}

static void vsock_status(void *dev, uint32_t status)
{
	struct vsock_dev *d = dev;
	if (status == 0) {
		/* Driver reset: every connection is gone. */
		for (uint32_t i = 0; i < VSOCK_MAX_CONNS; i++)
			if (d->conns[i].state != HC_FREE || d->conns[i].fd >= 0)
				conn_free(d, &d->conns[i]);
		d->rx_starved = false;
	}
}

static const struct virtio_device_ops vsock_ops = {
    .device_id = VIRTIO_ID_VSOCK,
    .features = 1ull << VIRTIO_F_VERSION_1,
    .nr_queues = VSOCK_NR_VQS,
    .queue_max = VSOCK_QUEUE_MAX,
    .config_read = vsock_config_read,
    .notify = vsock_notify,
    .status = vsock_status,
};

/* ---- backend: Unix sockets ---------------------------------------------- */

static void client_accept(struct vsock_dev *d)
{
	int fd = accept4(d->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	struct hconn *c = conn_alloc(d);
	if (!c) {
		static const char busy[] = "ERR too many connections\n";
		(void)!write(fd, busy, sizeof(busy) - 1);
		close(fd);
		return;
	}
	c->fd = fd;
	c->state = HC_LINE;
	c->ev = EPOLLIN;
	struct epoll_event e = {.events = EPOLLIN, .data.u64 = EP_CONN + (uint64_t)(c - d->conns)};
	if (epoll_ctl(d->epoll_fd, EPOLL_CTL_ADD, fd, &e)) {
		conn_free(d, c);
		return;
	}
}

/* Reads the CONNECT line one byte at a time so no stream data is consumed. */
static void client_line(struct vsock_dev *d, struct hconn *c)
{
	for (;;) {
		char ch;
		ssize_t n = read(c->fd, &ch, 1);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			conn_free(d, c);
			return;
		}
		if (c->line_len == sizeof(c->line)) {
			conn_free(d, c);
			return;
		}
		c->line[c->line_len++] = ch;
		if (ch != '\n')
			continue;
		uint32_t port;
		if (vsock_parse_connect(c->line, c->line_len, &port)) {
			static const char msg[] = "ERR expected \"CONNECT <port>\\n\"\n";
			(void)!write(c->fd, msg, sizeof(msg) - 1);
			conn_free(d, c);
			return;
		}
		if (port == DE_PORT_CONTROL) {
			static const char msg[] =
			    "ERR port 2 is reserved for de_platform_service; use control.sock\n";
			(void)!write(c->fd, msg, sizeof(msg) - 1);
			conn_free(d, c);
			return;
		}
		c->guest_port = port;
		c->host_port = d->next_host_port++;
		if (d->next_host_port < FIRST_HOST_PORT)
			d->next_host_port = FIRST_HOST_PORT;
		c->state = HC_CONNECTING;
		c->pending |= P_REQUEST;
		conn_service(d, c);
		return;
	}
}

static void client_event(struct vsock_dev *d, struct hconn *c, uint32_t events)
{
	if (c->fd < 0)
		return;
	if (c->state == HC_LINE) {
		client_line(d, c);
		return;
	}
	if (events & (EPOLLERR | EPOLLHUP)) {
		/* Gone for good: drop what it cannot read and reset the guest side. */
		conn_close_fd(d, c);
		c->otail = c->ohead;
		if (c->state == HC_CONNECTING || c->state == HC_OPEN) {
			if (!c->guest_done) {
				c->guest_done = true;
				c->pending = (c->pending & P_REQUEST) ? 0 : P_RST;
			}
		}
		if (!c->pending)
			conn_free(d, c);
	}
	conn_service(d, c);
}

static void *backend_thread(void *arg)
{
	struct vsock_dev *d = arg;
	struct epoll_event evs[32];

	for (;;) {
		int n = epoll_wait(d->epoll_fd, evs, 32, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		for (int i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;
			if (tag == EP_WAKE)
				return NULL;
			pthread_mutex_lock(&d->lock);
			if (tag == EP_LISTEN)
				client_accept(d);
			else if (tag - EP_CONN < VSOCK_MAX_CONNS)
				client_event(d, &d->conns[tag - EP_CONN], evs[i].events);
			pthread_mutex_unlock(&d->lock);
		}
	}
	return NULL;
}

int evm_vsock_connect(struct evm *e, uint32_t port, char *err, size_t errlen)
{
	struct vsock_dev *d = e->vsock;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv)) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		return -errno;
	}
	pthread_mutex_lock(&d->lock);
	struct hconn *c = conn_alloc(d);
	if (!c) {
		pthread_mutex_unlock(&d->lock);
		close(sv[0]);
		close(sv[1]);
		snprintf(err, errlen, "no free vsock connection slot");
		return -ENOSPC;
	}
	c->fd = sv[0];
	c->state = HC_CONNECTING;
	c->guest_port = port;
	c->host_port = d->next_host_port++;
	c->pending |= P_REQUEST;
	c->ev = 0;
	struct epoll_event ev = {.events = 0, .data.u64 = EP_CONN + (uint64_t)(c - d->conns)};
	if (epoll_ctl(d->epoll_fd, EPOLL_CTL_ADD, c->fd, &ev)) {
		int en = errno;
		conn_free(d, c);
		pthread_mutex_unlock(&d->lock);
		close(sv[1]);
		snprintf(err, errlen, "epoll_ctl: %s", strerror(en));
		return -en;
	}
	conn_service(d, c);
	pthread_mutex_unlock(&d->lock);
	return sv[1];
}

int vsock_dev_create(struct evm *e, char *err, size_t errlen)
{
	struct vsock_dev *d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	d->evm = e;
	d->listen_fd = d->epoll_fd = d->wake_fd = -1;
	d->next_host_port = FIRST_HOST_PORT;
	for (uint32_t i = 0; i < VSOCK_MAX_CONNS; i++)
		d->conns[i].fd = -1;
	pthread_mutex_init(&d->lock, NULL);
	e->vsock = d;
	int rc = virtio_mmio_init(&d->transport, e, DE_VSOCK_MMIO, &vsock_ops, d, &d->lock,
	                          sizeof(struct virtio_vsock_config));
	if (rc)
		snprintf(err, errlen, "cannot register the vsock device");
	return rc;
}

int vsock_dev_start(struct vsock_dev *d, char *err, size_t errlen)
{
	const char *path = d->evm->cfg.vsock_path;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int rc;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "vsock socket path %s is too long; use a shorter runtime_dir",
		         path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	d->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	d->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	d->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->listen_fd < 0 || d->epoll_fd < 0 || d->wake_fd < 0)
		goto sys_fail;
	unlink(path);
	if (bind(d->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(d->listen_fd, 64))
		goto sys_fail;
	if (chmod(path, 0660) ||
	    (d->evm->cfg.socket_gid >= 0 && chown(path, 0, (gid_t)d->evm->cfg.socket_gid)))
		goto sys_fail;
	struct epoll_event le = {.events = EPOLLIN, .data.u64 = EP_LISTEN};
	struct epoll_event we = {.events = EPOLLIN, .data.u64 = EP_WAKE};
	if (epoll_ctl(d->epoll_fd, EPOLL_CTL_ADD, d->listen_fd, &le) ||
	    epoll_ctl(d->epoll_fd, EPOLL_CTL_ADD, d->wake_fd, &we))
		goto sys_fail;
	rc = pthread_create(&d->thread, NULL, backend_thread, d);
	if (rc) {
		snprintf(err, errlen, "cannot start the vsock thread: %s", strerror(rc));
		return -rc;
	}
	d->thread_started = true;
	return 0;
sys_fail:
	rc = errno;
	snprintf(err, errlen, "cannot listen on vsock socket %s: %s", path, strerror(rc));
	return -rc;
}

void vsock_dev_destroy(struct vsock_dev *d)
{
	if (d->thread_started) {
		uint64_t one = 1;
		(void)!write(d->wake_fd, &one, sizeof(one));
		pthread_join(d->thread, NULL);
	}
	for (uint32_t i = 0; i < VSOCK_MAX_CONNS; i++)
		if (d->conns[i].fd >= 0 || d->conns[i].obuf)
			conn_free(d, &d->conns[i]);
	if (d->listen_fd >= 0) {
		close(d->listen_fd);
		unlink(d->evm->cfg.vsock_path);
	}
	if (d->epoll_fd >= 0)
		close(d->epoll_fd);
	if (d->wake_fd >= 0)
		close(d->wake_fd);
	pthread_mutex_destroy(&d->lock);
	free(d);
}
