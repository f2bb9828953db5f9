/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The manager's control service (include/de/evm_proto.h). One connection
 * at a time: the platform service's. Messages are assembled from the
 * stream, checked completely by the shared codec before anything acts on
 * them, and answered with exactly one reply. A malformed message gets an
 * error reply and the stream continues at the next header; a framing error
 * that leaves no next header (bad magic or version, impossible length)
 * closes the connection, and the service connects again. Large payloads (enclave images) are
 * gathered in scratch pages, not in the vsock ring; a LOAD body is placed so that its image starts
 * on a page boundary, which lets the loader give those pages to the enclave instead of copying
 * them.
 */
#include <string.h>

#include "control.h"
#include "enclave.h"
#include "kernel_calls.h"
#include "manager.h"
#include "vsock.h"
#include "de/evm_proto.h"
#include "de/evm_proto_codec.h"
#include "de/kernel_abi.h"
#include "de/manager_abi.h"

#define PAGE 4096ull
#ifndef MSGBUF /* host unit tests point these at their own memory */
#define MSGBUF (DE_MGR_SCRATCH + (32ull << 30)) /* payload buffer, 64 MiB + 1 page */
#endif
#ifndef KEVENTS
#define KEVENTS DE_MGR_KEVENTS
#endif
/* tx space needed before a request is taken: room for the largest reply (LIST). */
#define REPLY_ROOM                                                                                 \
	((uint32_t)(sizeof(struct de_msg_hdr) + sizeof(struct de_reply_list) +                     \
	            DE_MAX_ENCLAVES * sizeof(struct de_list_entry)))
#define EVENT_BYTES (sizeof(struct de_msg_hdr) + sizeof(struct de_event_enclave))

/* Where the current connection's stream is. */
enum rx_mode {
	RX_HDR,    /* assembling a header */
	RX_BODY,   /* assembling a payload in MSGBUF */
	RX_SKIP,   /* discarding the payload of a refused request */
	RX_CLOSED, /* framing lost: closed, waiting for the next controller */
};

static struct vsock_conn *conn;
static struct de_msg_hdr hdr;
static enum rx_mode mode;
static uint32_t hdr_got, body_got, skip_left, buf_pages, body_off;
static uint64_t boot_tsc;

static void buf_release(void)
{
	if (buf_pages)
		kcall(DE_SYS_FREE, (long)MSGBUF, buf_pages, 0, 0, 0);
	buf_pages = 0;
}

static int events_pending(void);

static void rx_reset(void)
{
	buf_release();
	mode = RX_HDR;
	hdr_got = body_got = skip_left = 0;
}

/* Sends a whole message or nothing (callers make sure there is room). */
static void send_msg(uint16_t type, uint32_t seq, const void *payload, uint32_t len)
{
	uint8_t out[sizeof(struct de_msg_hdr) + sizeof(struct de_reply_list) +
	            DE_MAX_ENCLAVES * sizeof(struct de_list_entry)];
	size_t n = de_msg_encode(out, sizeof(out), type, seq, payload, len);
	if (!n || !conn || vsock_tx_space(conn) < n)
		return;
	vsock_write(conn, out, n);
}

static void reply_status(uint16_t type, uint32_t seq, int32_t status)
{
	struct de_reply_status r = {.status = status};
	send_msg(type | DE_MSG_REPLY, seq, &r, sizeof(r));
}

static void dispatch(const uint8_t *body)
{
	uint16_t type = hdr.type;
	uint32_t seq = hdr.seq;
	union de_request req;
	int st = de_request_decode(&hdr, body, hdr.len, &req);

	if (st != DE_ST_OK) {
		mlog("control: rejected request type %u (status %d)", type, st);
		reply_status(type, seq, st);
		return;
	}
	switch (type) {
	case DE_MSG_PING: {
		struct de_reply_ping r = {.status = 0, .version = DE_MSG_VERSION};
		uint32_t lo, hi;
		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
		uint64_t khz = env.bootinfo->tsc_khz ? env.bootinfo->tsc_khz : 1000000;
		r.uptime_ns = (((uint64_t)hi << 32 | lo) - boot_tsc) / khz * 1000000;
		send_msg(type | DE_MSG_REPLY, seq, &r, sizeof(r));
		break;
	}
	case DE_MSG_LOAD_ENCLAVE: { /* consumes the image's pages (enclave.h) */
		struct de_reply_load r;
		int s = enclave_load(&req.load.req, req.load.image, req.load.req.image_len, &r);
		r.status = s;
		send_msg(type | DE_MSG_REPLY, seq, &r, sizeof(r));
		break;
	}
	case DE_MSG_ATTACH_WINDOW:
		reply_status(type, seq, enclave_window(&req.window));
		break;
	case DE_MSG_START:
		reply_status(type, seq, enclave_start(req.enclave.id, req.enclave.arg));
		break;
	case DE_MSG_DESTROY:
		reply_status(type, seq, enclave_destroy(req.enclave.id));
		break;
	case DE_MSG_LIST: {
		struct {
			struct de_reply_list head;
			struct de_list_entry e[DE_MAX_ENCLAVES];
		} r;
		r.head.count = enclave_list(r.e, DE_MAX_ENCLAVES);
		r.head.status = 0;
		send_msg(type | DE_MSG_REPLY, seq, &r,
		         (uint32_t)(sizeof(r.head) + r.head.count * sizeof(r.e[0])));
		break;
	}
	case DE_MSG_STATS: {
		struct de_reply_stats r;
		enclave_stats(&r);
		send_msg(type | DE_MSG_REPLY, seq, &r, sizeof(r));
		break;
	}
	default:
		reply_status(type, seq, DE_ST_ENOSYS);
		break;
	}
}

/*
 * Reads what the stream has; runs every complete request. A request with a
 * sound frame (magic, version, length within bounds) that fails its checks
 * is answered with an error and its payload skipped, so the stream goes
 * on; so is one that does not fit in memory. Only a frame that cannot be
 * trusted to say where the next one starts closes the connection.
 */
static void control_handler(struct vsock_conn *c)
{
	if (c->state != VS_CONNECTED) {
		if (c == conn) {
			conn = NULL;
			rx_reset();
		}
		return;
	}
	if (conn && conn != c) {
		vsock_close(c); /* one controller at a time */
		return;
	}
	conn = c;
	while (mode != RX_CLOSED && vsock_tx_space(c) >= REPLY_ROOM) {
		if (mode == RX_HDR) {
			hdr_got += (uint32_t)vsock_read(c, (uint8_t *)&hdr + hdr_got,
			                                sizeof(hdr) - hdr_got);
			if (hdr_got < sizeof(hdr))
				return;
			hdr_got = 0;
			int st = de_msg_check_request_hdr(&hdr);
			if (st != DE_ST_OK) {
				if (hdr.magic != DE_MSG_MAGIC || hdr.version != DE_MSG_VERSION ||
				    hdr.len > DE_MSG_MAX_LEN) {
					mlog("control: unusable header (status %d); closing the "
					     "connection",
					     st);
					reply_status(hdr.type, hdr.seq, st);
					vsock_close(c);
					mode = RX_CLOSED;
					return;
				}
				mlog("control: refused request type %#x (status %d)", hdr.type, st);
				reply_status(hdr.type, hdr.seq, st);
				mode = RX_SKIP;
				skip_left = hdr.len;
				continue;
			}
			body_off = hdr.type == DE_MSG_LOAD_ENCLAVE
			               ? (uint32_t)(PAGE - sizeof(struct de_req_load))
			               : 0;
			uint32_t pages = (uint32_t)((body_off + hdr.len + PAGE - 1) / PAGE);
			if (pages && kcall(DE_SYS_ALLOC, (long)MSGBUF, pages, 0, 0, 0)) {
				mlog("control: no memory for a %u-byte message", hdr.len);
				reply_status(hdr.type, hdr.seq, DE_ST_ENOMEM);
				mode = RX_SKIP;
				skip_left = hdr.len;
				continue;
			}
			buf_pages = pages;
			body_got = 0;
			mode = RX_BODY;
		}
		if (mode == RX_SKIP) {
			uint8_t sink[512];
			while (skip_left) {
				size_t n = vsock_read(
				    c, sink, skip_left < sizeof(sink) ? skip_left : sizeof(sink));
				if (!n)
					return;
				skip_left -= (uint32_t)n;
			}
			mode = RX_HDR;
			continue;
		}
		if (body_got < hdr.len) {
			size_t n = vsock_read(c, (uint8_t *)MSGBUF + body_off + body_got,
			                      hdr.len - body_got);
			body_got += (uint32_t)n;
			if (body_got < hdr.len)
				return;
		}
		/* Events first (ids may be reused); wait while they do not fit. */
		control_poll_events();
		if (events_pending())
			return;
		dispatch((const uint8_t *)MSGBUF + body_off);
		buf_release();
		mode = RX_HDR;
	}
}

static int events_pending(void)
{
	const struct de_kevent_ring *ring = (const struct de_kevent_ring *)KEVENTS;
	return ring->tail != __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);
}

int control_poll_events(void)
{
	struct de_kevent_ring *ring = (struct de_kevent_ring *)KEVENTS;
	int did = 0;
	while (ring->tail != __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE)) {
		/* Keep it in the ring until it can go out whole, after room for a reply. */
		if (!conn || conn->state != VS_CONNECTED || mode == RX_CLOSED ||
		    vsock_tx_space(conn) < REPLY_ROOM + EVENT_BYTES)
			break; /* no controller to tell (yet): it stays in the ring */
		struct de_kevent k = ring->ev[ring->tail % DE_KEVENT_SLOTS];
		__atomic_store_n(&ring->tail, ring->tail + 1, __ATOMIC_RELEASE);
		did = 1;
		struct de_event_enclave ev = {0};
		if (enclave_event(k.space, k.kind, k.code, (uint32_t)k.vector, &ev))
			continue;
		ev.exit_code = k.code;
		ev.vector = (uint32_t)k.vector;
		ev.error = k.error;
		ev.rip = k.rip;
		ev.addr = k.addr;
		if (k.kind == 2)
			mlog("enclave %u crashed: vector %lu at %#lx, address %#lx", k.space,
			     (unsigned long)k.vector, (unsigned long)k.rip, (unsigned long)k.addr);
		else
			mlog("enclave %u exited with status %ld", k.space, (long)k.code);
		send_msg(DE_MSG_EVENT_ENCLAVE, 0, &ev, sizeof(ev));
	}
	return did;
}

int control_start(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	boot_tsc = (uint64_t)hi << 32 | lo;
	rx_reset();
	return vsock_listen(DE_PORT_CONTROL, control_handler);
}
