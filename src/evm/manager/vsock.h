/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The guest vsock driver (virtio-vsock over virtio-mmio, polled). Stream
 * connections with per-connection receive and send rings and virtio credit
 * flow control. Services register a port and a callback.
 */
#ifndef DE_MGR_VSOCK_H
#define DE_MGR_VSOCK_H

#include <stdint.h>
#include <stddef.h>

#define VSOCK_RING       65536u /* per direction, per connection */
#define VSOCK_MAX_CONNS  16u
#define VSOCK_PKT_DATA   4096u
#define VSOCK_LOCAL_PORT 1024u /* first port for connections we open */

enum vsock_state {
	VS_FREE = 0,
	VS_CONNECTING, /* we sent REQUEST */
	VS_CONNECTED,
	VS_CLOSING, /* we sent SHUTDOWN, waiting for RST */
};

struct vsock_ring {
	uint32_t head, tail; /* free-running; head - tail = bytes held */
	uint8_t data[VSOCK_RING];
};

struct vsock_conn;

/* Called when there is new data in rx, or room in tx, or a state change. */
typedef void (*vsock_handler)(struct vsock_conn *c);

struct vsock_conn {
	enum vsock_state state;
	uint32_t local_port;
	uint32_t peer_port;
	uint64_t peer_cid;
	uint32_t peer_buf_alloc;
	uint32_t peer_fwd_cnt;
	uint32_t tx_cnt;         /* bytes we sent */
	uint32_t fwd_cnt;        /* bytes the service consumed from rx */
	uint32_t fwd_advertised; /* fwd_cnt as last sent to the peer */
	uint32_t peer_shutdown;  /* VIRTIO_VSOCK_SHUTDOWN_* received */
	uint32_t pending;        /* control packets owed: PEND_* */
	vsock_handler handler;
	void *user;
	struct vsock_ring rx, tx;
};

int vsock_init(void);
int vsock_listen(uint32_t port, vsock_handler handler);
struct vsock_conn *vsock_connect(uint64_t cid, uint32_t port, vsock_handler handler);
/* Begin an orderly close: flush tx, then SHUTDOWN; freed on the peer's RST. */
void vsock_close(struct vsock_conn *c);

/* Ring helpers for services. */
uint32_t vsock_rx_avail(const struct vsock_conn *c);
uint32_t vsock_tx_space(const struct vsock_conn *c);
size_t vsock_read(struct vsock_conn *c, void *buf, size_t n);
size_t vsock_write(struct vsock_conn *c, const void *buf, size_t n);

/* One pass over the device; returns non-zero if anything happened. */
int vsock_poll(void);

#endif /* DE_MGR_VSOCK_H */
