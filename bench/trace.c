/* SPDX-License-Identifier: Apache-2.0 */
/* sendmsg() and recv() with time stamps (trace.h). */
#include <dlfcn.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"
#include "de/control.h"
#include "trace.h"

#define MAX_EVENTS 256

static atomic_int tracing;
static struct trace_ev events[MAX_EVENTS];
static atomic_size_t nr_events;

typedef ssize_t (*sendmsg_fn)(int, const struct msghdr *, int);
typedef ssize_t (*recv_fn)(int, void *, size_t, int);

static void note(int fd, enum trace_kind kind, int op)
{
	size_t i = atomic_fetch_add(&nr_events, 1);
	if (i < MAX_EVENTS)
		events[i] = (struct trace_ev){.ns = mono_ns(), .fd = fd, .kind = kind, .op = op};
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	static _Atomic(sendmsg_fn) real;
	sendmsg_fn f = atomic_load(&real);
	if (!f) {
		f = (sendmsg_fn)dlsym(RTLD_NEXT, "sendmsg");
		atomic_store(&real, f);
	}
	int op = 0;
	if (atomic_load_explicit(&tracing, memory_order_relaxed) && msg && msg->msg_iovlen &&
	    msg->msg_iov[0].iov_len >= sizeof(struct de_ctl_req)) {
		struct de_ctl_req h;
		memcpy(&h, msg->msg_iov[0].iov_base, sizeof(h));
		if (h.magic == DE_CTL_MAGIC)
			op = h.op;
		note(fd, TRACE_SEND, op); /* before: the request leaves now */
	}
	return f(fd, msg, flags);
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	static _Atomic(recv_fn) real;
	recv_fn f = atomic_load(&real);
	if (!f) {
		f = (recv_fn)dlsym(RTLD_NEXT, "recv");
		atomic_store(&real, f);
	}
	ssize_t r = f(fd, buf, len, flags);
	if (r > 0 && atomic_load_explicit(&tracing, memory_order_relaxed))
		note(fd, TRACE_RECV, 0); /* after: the answer is here */
	return r;
}

void trace_begin(void)
{
	atomic_store(&nr_events, 0);
	atomic_store(&tracing, 1);
}

size_t trace_end(const struct trace_ev **evs)
{
	atomic_store(&tracing, 0);
	size_t n = atomic_load(&nr_events);
	*evs = events;
	return n < MAX_EVENTS ? n : MAX_EVENTS;
}
