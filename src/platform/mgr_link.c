/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "evm.h"
#include "mgr_link.h"
#include "de/evm_proto_codec.h"

int mgr_link_open(struct mgr_link *l, struct evm *e, char *err, size_t errlen)
{
	memset(l, 0, sizeof(*l));
	l->next_seq = 1;
	l->fd = evm_vsock_connect(e, DE_PORT_CONTROL, err, errlen);
	return l->fd < 0 ? -1 : 0;
}

void mgr_link_close(struct mgr_link *l)
{
	while (l->head) {
		struct out_buf *b = l->head;
		l->head = b->next;
		free(b);
	}
	l->tail = NULL;
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

uint32_t mgr_link_send(struct mgr_link *l, uint16_t type, const void *a, size_t alen, const void *b,
                       size_t blen)
{
	if (l->fd < 0 || alen + blen > DE_MSG_MAX_LEN)
		return 0;
	struct out_buf *o = malloc(sizeof(*o) + sizeof(struct de_msg_hdr) + alen + blen);
	if (!o)
		return 0;
	uint32_t seq = l->next_seq++;
	if (!l->next_seq)
		l->next_seq = 1;
	struct de_msg_hdr h = {
	    .magic = DE_MSG_MAGIC,
	    .version = DE_MSG_VERSION,
	    .type = type,
	    .len = (uint32_t)(alen + blen),
	    .seq = seq,
	};
	memcpy(o->data, &h, sizeof(h));
	if (alen)
		memcpy(o->data + sizeof(h), a, alen);
	if (blen)
		memcpy(o->data + sizeof(h) + alen, b, blen);
	o->len = sizeof(h) + alen + blen;
	o->off = 0;
	o->next = NULL;
	if (l->tail)
		l->tail->next = o;
	else
		l->head = o;
	l->tail = o;
	return seq;
}

uint32_t mgr_link_events(const struct mgr_link *l)
{
	return EPOLLIN | (l->head && l->connected ? EPOLLOUT : 0);
}

static int flush(struct mgr_link *l, char *err, size_t errlen)
{
	while (l->connected && l->head) {
		struct out_buf *o = l->head;
		ssize_t n =
		    send(l->fd, o->data + o->off, o->len - o->off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0) {
			snprintf(err, errlen, "write to the manager failed: %s",
			         n < 0 ? strerror(errno) : "closed");
			return -1;
		}
		o->off += (size_t)n;
		if (o->off == o->len) {
			l->head = o->next;
			if (!l->head)
				l->tail = NULL;
			free(o);
		}
	}
	return 0;
}

int mgr_link_io(struct mgr_link *l, uint32_t events, mgr_msg_fn fn, void *ctx, char *err,
                size_t errlen)
{
	if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN)) {
		snprintf(err, errlen, "the manager closed its control connection");
		return -1;
	}
	while (!l->connected) {
		char c;
		ssize_t n = read(l->fd, &c, 1);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0 || l->line_len == sizeof(l->line) - 1) {
			snprintf(err, errlen, "the manager refused the control connection");
			return -1;
		}
		l->line[l->line_len++] = c;
		if (c == '\n') {
			l->line[l->line_len] = 0;
			if (strncmp(l->line, "OK ", 3)) {
				snprintf(err, errlen, "unexpected reply from the vsock device: %s",
				         l->line);
				return -1;
			}
			l->connected = 1;
		}
	}
	if (flush(l, err, errlen))
		return -1;
	for (;;) {
		ssize_t n = read(l->fd, l->rx + l->rx_len, sizeof(l->rx) - l->rx_len);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0) {
			snprintf(err, errlen, "the manager closed its control connection");
			return -1;
		}
		l->rx_len += (size_t)n;
		size_t off = 0;
		while (l->rx_len - off >= sizeof(struct de_msg_hdr)) {
			struct de_msg_hdr h;
			memcpy(&h, l->rx + off, sizeof(h));
			if (de_msg_check_reply_hdr(&h) != DE_ST_OK ||
			    h.len > sizeof(l->rx) - sizeof(h)) {
				snprintf(err, errlen,
				         "the manager sent a malformed message (type %u)", h.type);
				return -1;
			}
			if (l->rx_len - off < sizeof(h) + h.len)
				break;
			fn(ctx, &h, l->rx + off + sizeof(h));
			off += sizeof(h) + h.len;
		}
		memmove(l->rx, l->rx + off, l->rx_len - off);
		l->rx_len -= off;
	}
	return 0;
}
