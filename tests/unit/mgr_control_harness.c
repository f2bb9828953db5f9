/* SPDX-License-Identifier: Apache-2.0 */
/* Stand-ins for what control.c uses; see mgr_control_harness.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "enclave.h"
#include "manager.h"
#include "mgr_control_harness.h"
#include "vsock.h"
#include "de/evm_proto.h"
#include "de/evm_proto_codec.h"

uint8_t harness_msgbuf[HARNESS_MSGBUF_BYTES] __attribute__((aligned(4096)));
struct de_kevent_ring harness_ring;
struct harness H;

static struct de_bootinfo bootinfo = {.tsc_khz = 1000000};
struct manager_env env = {.bootinfo = &bootinfo};
static struct vsock_conn conn;
static vsock_handler handler;
static uint32_t next_id;

void mlog(const char *fmt, ...)
{
	if (!getenv("HARNESS_VERBOSE"))
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

long kcall(long nr, long a0, long a1, long a2, long a3, long a4)
{
	(void)a2, (void)a3, (void)a4;
	uint64_t pages = (uint64_t)a1;
	switch (nr) {
	case DE_SYS_ALLOC:
		if ((uintptr_t)a0 != (uintptr_t)harness_msgbuf || H.alloc_pages)
			abort(); /* the manager's one buffer, never allocated twice */
		if (H.fail_alloc || pages * 4096 > HARNESS_MSGBUF_BYTES)
			return -12;
		memset(harness_msgbuf, 0, pages * 4096);
		H.alloc_pages = (uint32_t)pages;
		return 0;
	case DE_SYS_FREE:
		if ((uintptr_t)a0 != (uintptr_t)harness_msgbuf || pages != H.alloc_pages)
			abort();                            /* frees exactly what it allocated */
		memset(harness_msgbuf, 0xa5, pages * 4096); /* stale reads show */
		H.alloc_pages = 0;
		return 0;
	case DE_SYS_MEMINFO:
		return a0 ? 1000 : 900;
	default:
		return -38;
	}
}

int vsock_listen(uint32_t port, vsock_handler h)
{
	(void)port;
	handler = h;
	return 0;
}

void vsock_close(struct vsock_conn *c)
{
	(void)c;
	H.closed = 1;
}

uint32_t vsock_tx_space(const struct vsock_conn *c)
{
	(void)c;
	return H.out_len >= H.tx_space ? 0 : H.tx_space - (uint32_t)H.out_len;
}

size_t vsock_read(struct vsock_conn *c, void *buf, size_t n)
{
	(void)c;
	if (H.closed)
		return 0; /* nothing arrives after our close */
	size_t k = H.in_len - H.in_pos < n ? H.in_len - H.in_pos : n;
	memcpy(buf, H.in + H.in_pos, k);
	H.in_pos += k;
	return k;
}

size_t vsock_write(struct vsock_conn *c, const void *buf, size_t n)
{
	(void)c;
	if (n > vsock_tx_space(c))
		abort(); /* the manager checks for room first: a partial write would break framing
		          */
	if (H.out_len + n > H.out_cap) {
		H.out_cap = (H.out_len + n) * 2;
		H.out = realloc(H.out, H.out_cap);
		if (!H.out)
			abort();
	}
	memcpy(H.out + H.out_len, buf, n);
	H.out_len += n;
	return n;
}

int enclave_load(const struct de_req_load *req, const uint8_t *image, uint64_t len,
                 struct de_reply_load *out)
{
	(void)req;
	/* Touch every byte: a stale or short buffer shows under the sanitizers. */
	volatile uint8_t sum = 0;
	for (uint64_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + image[i]);
	memset(out, 0, sizeof(*out));
	H.loads++;
	out->id = ++next_id;
	out->size = 4096;
	return DE_ST_OK;
}

int enclave_start(uint32_t id, uint64_t arg)
{
	(void)arg;
	return id ? DE_ST_OK : DE_ST_ENOENT;
}

int enclave_destroy(uint32_t id)
{
	return id ? DE_ST_OK : DE_ST_ENOENT;
}

int enclave_window(const struct de_req_window *w)
{
	return w->id ? DE_ST_OK : DE_ST_ENOENT;
}

int enclave_event(uint32_t space, uint32_t kind, int64_t code, uint32_t vector,
                  struct de_event_enclave *ev)
{
	(void)code, (void)vector;
	ev->id = space;
	ev->state = kind == 2 ? DE_ENC_CRASHED : DE_ENC_EXITED;
	return 0;
}

uint32_t enclave_list(struct de_list_entry *out, uint32_t max)
{
	(void)out, (void)max;
	return 0;
}

void enclave_stats(struct de_reply_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->free_pages = 900;
	out->total_pages = 1000;
}

void harness_reset(void)
{
	if (!handler && control_start())
		abort();
	/* The previous controller (if any) goes: the manager frees its buffer. */
	conn.state = VS_FREE;
	handler(&conn);
	if (H.alloc_pages)
		abort();
	free(H.out);
	memset(&H, 0, sizeof(H));
	H.tx_space = 65536;
	memset(&harness_ring, 0, sizeof(harness_ring));
	next_id = 0;
	conn.state = VS_CONNECTED; /* a new controller */
}

void harness_feed(const void *bytes, size_t n, size_t chunk)
{
	const uint8_t *p = bytes;
	size_t done = 0;
	do { /* at least once: with no bytes it is "there is room to send again" */
		size_t k = chunk && chunk < n - done ? chunk : n - done;
		H.in = p + done;
		H.in_len = k;
		H.in_pos = 0;
		handler(&conn);
		/* What the handler did not take stays for the next call. */
		done += H.in_pos;
		if (H.in_pos == 0)
			break; /* no progress: it waits for room to send, or it closed */
	} while (done < n);
	H.in = NULL;
	H.in_len = H.in_pos = 0;
}

void harness_post_exit(uint32_t space, int64_t code)
{
	uint32_t head = harness_ring.head;
	harness_ring.ev[head % DE_KEVENT_SLOTS] =
	    (struct de_kevent){.space = space, .kind = 1, .code = code};
	harness_ring.head = head + 1;
}

int harness_replies(uint16_t *types, int32_t *statuses, int max)
{
	size_t at = 0;
	int n = 0;
	while (at < H.out_len) {
		struct de_msg_hdr h;
		if (H.out_len - at < sizeof(h)) {
			fprintf(stderr, "harness: %zu stray bytes at the end\n", H.out_len - at);
			return -1;
		}
		memcpy(&h, H.out + at, sizeof(h));
		if (h.magic != DE_MSG_MAGIC || h.version != DE_MSG_VERSION ||
		    H.out_len - at - sizeof(h) < h.len) {
			fprintf(stderr, "harness: bad frame at %zu\n", at);
			return -1;
		}
		const uint8_t *pl = H.out + at + sizeof(h);
		int32_t st = 0;
		if (h.len >= 4)
			memcpy(&st, pl, 4);
		if (n < max) {
			types[n] = h.type;
			statuses[n] = st;
		}
		n++;
		at += sizeof(h) + h.len;
	}
	return n;
}
