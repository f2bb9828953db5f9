/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The control connection to de_platform_service (docs/control-protocol.md):
 * one request, one response, on a Unix stream socket. Each enclave has a
 * connection of its own, open for its lifetime (the service destroys an
 * enclave when the connection that loaded it closes).
 *
 * Whether an enclave still runs is asked with ENCLAVES on short-lived
 * connections of their own (they own nothing), without blocking the
 * waiting thread: probe() starts a request, and a later probe() collects
 * the answer.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "de/control.h"
#include "de/evm_proto.h"
#include "urts.h"

#define PROBE_TIMEOUT_NS (5ull * 1000000000u) /* an answer later than this is given up */
#define MAX_PIECES       3

struct urts_svc {
	int fd;      /* the connection that owns the enclave */
	uint32_t id; /* the enclave's id in the EVM */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	pthread_mutex_t probe_lock;
	int pfd;         /* the probe's connection, -1 when no probe is under way */
	uint64_t pstart; /* when it was sent */
	uint8_t *pbuf;   /* its response so far */
	size_t plen;
};

int urts_svc_path(char *path, size_t len)
{
	const char *dir = getenv("DE_RUNTIME_DIR");
	if (!dir || !*dir)
		dir = "/run/de";
	int n = snprintf(path, len, "%s/control.sock", dir);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int open_socket(const char *path, int flags)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(path);
	if (n >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, n + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);
	if (fd < 0)
		return -errno;
	struct timeval tv = {.tv_sec = URTS_IO_TIMEOUT_MS / 1000};
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

int urts_svc_connect(const char *path)
{
	return open_socket(path, 0);
}

/* Sends every byte of iov[0..n) (pass_fd with the first); 0, or -1 with errno. */
static int send_all(int fd, struct iovec *iov, int n, int pass_fd)
{
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr m = {.msg_iov = iov, .msg_iovlen = (size_t)n};
	if (pass_fd >= 0) {
		memset(&u, 0, sizeof(u));
		m.msg_control = u.space;
		m.msg_controllen = sizeof(u.space);
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	}
	while (m.msg_iovlen) {
		ssize_t w = sendmsg(fd, &m, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (w == 0) {
			errno = EPIPE;
			return -1;
		}
		m.msg_control = NULL; /* the descriptor went with the first bytes */
		m.msg_controllen = 0;
		size_t left = (size_t)w;
		while (m.msg_iovlen && left >= m.msg_iov[0].iov_len) {
			left -= m.msg_iov[0].iov_len;
			m.msg_iov++;
			m.msg_iovlen--;
		}
		if (m.msg_iovlen) {
			m.msg_iov[0].iov_base = (char *)m.msg_iov[0].iov_base + left;
			m.msg_iov[0].iov_len -= left;
		}
	}
	return 0;
}

/* Reads exactly n bytes before deadline; 0, or -1 with why. */
static int recv_all(int fd, void *buf, size_t n, uint64_t deadline, char *why, size_t whylen)
{
	char *p = buf;
	while (n) {
		uint64_t now = urts_now_ns();
		if (now >= deadline) {
			snprintf(why, whylen, "the service did not answer within %u s",
			         URTS_IO_TIMEOUT_MS / 1000);
			return -1;
		}
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int rc = poll(&pfd, 1, (int)((deadline - now) / 1000000u) + 1);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			snprintf(why, whylen, "poll: %s", strerror(errno));
			return -1;
		}
		if (rc == 0)
			continue;
		ssize_t r = recv(fd, p, n, MSG_DONTWAIT);
		if (r < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (r <= 0) {
			snprintf(why, whylen, "the service closed the connection%s%s",
			         r < 0 ? ": " : "", r < 0 ? strerror(errno) : "");
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int urts_svc_call(int fd, uint16_t op, const void *const *pieces, const size_t *sizes, int n,
                  int pass_fd, struct urts_resp *r, char *why, size_t whylen)
{
	struct de_ctl_req h = {.magic = DE_CTL_MAGIC, .version = DE_CTL_VERSION, .op = op};
	struct iovec iov[1 + MAX_PIECES] = {{.iov_base = &h, .iov_len = sizeof(h)}};
	uint64_t len = 0;
	memset(r, 0, sizeof(*r));
	if (n > MAX_PIECES)
		return -1;
	for (int i = 0; i < n; i++) {
		iov[1 + i].iov_base = (void *)(uintptr_t)pieces[i];
		iov[1 + i].iov_len = sizes[i];
		len += sizes[i];
	}
	if (len > DE_CTL_MAX_REQUEST) {
		snprintf(why, whylen, "the request is larger than the service takes");
		return -1;
	}
	h.len = (uint32_t)len;
	if (send_all(fd, iov, 1 + n, pass_fd)) {
		snprintf(why, whylen, "sending to the service failed: %s", strerror(errno));
		return -1;
	}
	struct de_ctl_resp resp;
	uint64_t deadline = urts_now_ns() + URTS_IO_TIMEOUT_MS * 1000000ull;
	if (recv_all(fd, &resp, sizeof(resp), deadline, why, whylen))
		return -1;
	if (resp.magic != DE_CTL_MAGIC || resp.len > DE_CTL_MAX_PAYLOAD) {
		snprintf(why, whylen, "the service sent a malformed response");
		return -1;
	}
	r->payload = malloc((size_t)resp.len + 1);
	if (!r->payload) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	if (recv_all(fd, r->payload, resp.len, deadline, why, whylen)) {
		free(r->payload);
		r->payload = NULL;
		return -1;
	}
	r->payload[resp.len] = 0;
	r->status = resp.status;
	r->len = resp.len;
	return 0;
}

struct urts_svc *urts_svc_new(int fd, uint32_t id, const char *path)
{
	struct urts_svc *s = calloc(1, sizeof(*s));
	if (!s || pthread_mutex_init(&s->probe_lock, NULL)) {
		free(s);
		close(fd);
		return NULL;
	}
	s->fd = fd;
	s->id = id;
	s->pfd = -1;
	snprintf(s->path, sizeof(s->path), "%s", path);
	return s;
}

/* ---- probing ---------------------------------------------------------------- */

static void probe_end(struct urts_svc *s)
{
	close(s->pfd);
	s->pfd = -1;
	s->plen = 0;
}

static void probe_start(struct urts_svc *s)
{
	if (!s->pbuf && !(s->pbuf = malloc(sizeof(struct de_ctl_resp) + DE_CTL_MAX_PAYLOAD + 1)))
		return;
	int fd = open_socket(s->path, SOCK_NONBLOCK);
	if (fd < 0)
		return; /* the service is busy or restarting: no news */
	struct de_ctl_req h = {
	    .magic = DE_CTL_MAGIC, .version = DE_CTL_VERSION, .op = DE_CTL_ENCLAVES};
	if (send(fd, &h, sizeof(h), MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)sizeof(h)) {
		close(fd);
		return;
	}
	s->pfd = fd;
	s->pstart = urts_now_ns();
	s->plen = 0;
}

/* What the complete ENCLAVES response in pbuf says about the enclave. */
static enum urts_live probe_verdict(struct urts_svc *s, char *detail, size_t n)
{
	struct de_ctl_resp resp;
	memcpy(&resp, s->pbuf, sizeof(resp));
	if (resp.status != DE_CTL_OK)
		return URTS_ALIVE; /* the service could not tell */
	const char *json = (const char *)s->pbuf + sizeof(resp);
	struct urts_json_enclave e;
	int rc = urts_json_find_enclave(json, resp.len, s->id, &e);
	if (rc < 0)
		return URTS_ALIVE;
	if (rc == 0) {
		snprintf(detail, n, "is no longer in the EVM");
		return URTS_DEAD;
	}
	if (!strcmp(e.state, "crashed")) {
		if (e.has_fault_vector)
			snprintf(detail, n, "crashed (exception vector %lld)",
			         (long long)e.fault_vector);
		else
			snprintf(detail, n, "crashed");
		return URTS_DEAD;
	}
	if (!strcmp(e.state, "exited")) {
		const char *why = "";
		if (e.has_exit_code && e.exit_code >= 90 && e.exit_code <= 98)
			why = " (its trusted runtime refused the shared window, see "
			      "sdk/trts/README.md: build the enclave with the SDK of this library)";
		else if (e.has_exit_code && e.exit_code == 99)
			why = " (its trusted runtime could not start a thread per TCS: raise "
			      "HeapMaxSize or lower TCSNum)";
		if (e.has_exit_code)
			snprintf(detail, n, "exited with status %lld%s", (long long)e.exit_code,
			         why);
		else
			snprintf(detail, n, "exited");
		return URTS_DEAD;
	}
	return URTS_ALIVE;
}

/* Collects what has arrived of the probe's response; decides when it is whole. */
static enum urts_live probe_continue(struct urts_svc *s, char *detail, size_t n)
{
	const size_t hlen = sizeof(struct de_ctl_resp);
	for (;;) {
		size_t want = hlen;
		if (s->plen >= hlen) {
			struct de_ctl_resp resp;
			memcpy(&resp, s->pbuf, hlen);
			if (resp.magic != DE_CTL_MAGIC || resp.len > DE_CTL_MAX_PAYLOAD) {
				probe_end(s);
				return URTS_ALIVE;
			}
			want = hlen + resp.len;
		}
		if (s->plen >= hlen && s->plen == want) {
			enum urts_live live = probe_verdict(s, detail, n);
			probe_end(s);
			return live;
		}
		ssize_t r = recv(s->pfd, s->pbuf + s->plen, want - s->plen, MSG_DONTWAIT);
		if (r > 0) {
			s->plen += (size_t)r;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
		    urts_now_ns() - s->pstart < PROBE_TIMEOUT_NS)
			return URTS_ALIVE; /* not yet */
		probe_end(s);              /* closed, failed or too slow: no news */
		return URTS_ALIVE;
	}
}

static enum urts_live svc_probe(void *ctx, char *detail, size_t n)
{
	struct urts_svc *s = ctx;
	if (pthread_mutex_trylock(&s->probe_lock))
		return URTS_ALIVE; /* another thread is at it */
	enum urts_live live = URTS_ALIVE;
	/* Our own connection: the service closes it only when it stops. */
	struct pollfd p = {.fd = s->fd, .events = POLLRDHUP};
	if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLRDHUP | POLLERR))) {
		snprintf(detail, n,
		         "de_platform_service closed its connection (it stopped or "
		         "restarted, and the EVM with it)");
		live = URTS_LOST;
	} else if (s->pfd < 0) {
		probe_start(s);
	} else {
		live = probe_continue(s, detail, n);
	}
	pthread_mutex_unlock(&s->probe_lock);
	return live;
}

static void svc_destroy(void *ctx)
{
	struct urts_svc *s = ctx;
	struct de_req_enclave req = {.id = s->id};
	const void *pieces[] = {&req};
	size_t sizes[] = {sizeof(req)};
	struct urts_resp r;
	char why[128];
	/* Whatever the answer: closing the connection destroys the enclave too. */
	if (!urts_svc_call(s->fd, DE_CTL_DESTROY, pieces, sizes, 1, -1, &r, why, sizeof(why)))
		free(r.payload);
}

static void svc_close(void *ctx)
{
	struct urts_svc *s = ctx;
	if (!s)
		return;
	close(s->fd);
	if (s->pfd >= 0)
		close(s->pfd);
	free(s->pbuf);
	pthread_mutex_destroy(&s->probe_lock);
	free(s);
}

const struct urts_ops urts_svc_ops = {
    .probe = svc_probe,
    .destroy = svc_destroy,
    .close = svc_close,
};
