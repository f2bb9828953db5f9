/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Clients of control.sock: dectl and applications. Every request is
 * checked (ctl_req_check, then the EVM protocol codec for enclave requests)
 * before anything acts on it. Enclave requests are forwarded to the
 * manager; an enclave belongs to the connection that loaded it, only that
 * connection may start, destroy or share memory with it, and it is
 * destroyed when the connection closes, however the application ends.
 * Shared windows live exactly as long as their enclave: they are removed
 * from the EVM only after the manager has confirmed the enclave's address
 * space is gone, so no guest mapping can outlive its memory slot.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "service.h"
#include "util/log.h"
#include "de/enclave_meta.h"
#include "de/evm_proto_codec.h"

#define OUT_MAX      (1u << 20) /* responses a client may leave unread */
#define OP_RECONCILE 0xff00     /* internal: a LIST after the link came back */

static void reconcile(struct service *s, const uint8_t *payload, uint32_t len);

/* Sends what is queued; waits for EPOLLOUT when the socket is full. */
static void client_flush(struct client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
		                 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (w <= 0) {
			c->broken = true;
			return;
		}
		c->out_off += (size_t)w;
	}
	uint32_t want = EPOLLIN;
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	else
		want |= EPOLLOUT;
	struct epoll_event ev = {.events = want, .data.u64 = EP_CLIENT + (uint64_t)c->index};
	epoll_ctl(c->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Queues one response (header and payload) and sends what the socket takes. */
static void send_raw(struct client *c, enum de_ctl_status st, const void *payload, size_t n)
{
	struct de_ctl_resp r = {
	    .magic = DE_CTL_MAGIC,
	    .version = DE_CTL_VERSION,
	    .status = (uint16_t)st,
	    .len = (uint32_t)n,
	};
	if (c->fd < 0 || c->broken)
		return;
	if (c->out_len + sizeof(r) + n > OUT_MAX) {
		c->broken = true; /* it does not read its answers */
		return;
	}
	uint8_t *o = realloc(c->out, c->out_len + sizeof(r) + n);
	if (!o) {
		c->broken = true;
		return;
	}
	c->out = o;
	memcpy(o + c->out_len, &r, sizeof(r));
	if (n)
		memcpy(o + c->out_len + sizeof(r), payload, n);
	c->out_len += sizeof(r) + n;
	client_flush(c);
}

static void send_resp(struct client *c, enum de_ctl_status st, const char *text)
{
	send_raw(c, st, text, text ? strlen(text) : 0);
}

/* The link has something queued: have the event loop write it. */
static void mgr_kick(struct service *s)
{
	struct epoll_event ev = {.events = mgr_link_events(&s->mgr), .data.u64 = EP_MGR};
	epoll_ctl(s->epfd, EPOLL_CTL_MOD, s->mgr.fd, &ev);
}

static void destroy_enclave(struct service *s, uint32_t id)
{
	struct de_req_enclave r = {.id = id};
	if (!s->mgr_up)
		return;
	uint32_t seq = mgr_link_send(&s->mgr, DE_MSG_DESTROY, &r, sizeof(r), NULL, 0);
	for (int i = 0; seq && i < MAX_PENDING; i++)
		if (!s->pending[i].seq) {
			s->pending[i] = (struct pending){.seq = seq,
			                                 .client = -1,
			                                 .op = DE_CTL_DESTROY,
			                                 .reply = DE_MSG_DESTROY | DE_MSG_REPLY,
			                                 .enclave = id,
			                                 .window = -1};
			break;
		}
	if (seq)
		mgr_kick(s);
}

void client_close(struct service *s, struct client *c)
{
	if (c->fd >= 0 && c->out_off < c->out_len && !c->broken) /* a last answer, if it fits */
		(void)!send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
		            MSG_NOSIGNAL | MSG_DONTWAIT);
	if (c->fd >= 0) {
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	for (uint32_t id = 1; id <= 64; id++)
		if (c->owned & (1ull << (id - 1))) {
			log_msg(LOG_LVL_INFO,
			        "destroying enclave %u: its application (pid %d) went away", id,
			        (int)c->pid);
			destroy_enclave(s, id);
		}
	free(c->payload);
	free(c->out);
	if (c->passed_fd >= 0)
		close(c->passed_fd);
	uint32_t gen = c->gen + 1, index = c->index;
	int epfd = c->epfd;
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->passed_fd = -1;
	c->gen = gen;
	c->index = index;
	c->epfd = epfd;
}

static char *status_json(struct service *s)
{
	struct status_vcpu vcpus[DE_MAX_VCPUS];
	for (uint32_t i = 0; i < s->ecfg.nr_vcpus; i++) {
		struct evm_vcpu_info vi;
		evm_vcpu_info(s->evm, i, &vi);
		vcpus[i] = (struct status_vcpu){.id = i, .host_cpu = vi.host_cpu, .tid = vi.tid};
	}
	pthread_mutex_lock(&s->lock);
	struct status_info info = {
	    .running = !s->stopped,
	    .pid = (long)getpid(),
	    .nr_vcpus = s->ecfg.nr_vcpus,
	    .vcpus = vcpus,
	    .memory_mib = s->cfg.memory_mib,
	    .memory_locked = evm_memory_locked(s->evm),
	    .image = s->cfg.image,
	    .image_sha256 = evm_image_sha256(s->evm),
	    .debug = s->cfg.debug,
	    .uptime_s = ms_since(&s->start) / 1e3,
	    .boot_ms = s->boot_ms,
	    .runtime_dir = s->rt.dir,
	    .stop_reason = s->stopped ? s->stop_reason : NULL,
	};
	char *json = ctl_status_json(&info);
	pthread_mutex_unlock(&s->lock);
	return json;
}

void console_push(struct service *s, struct client *c)
{
	pthread_mutex_lock(&s->lock);
	uint64_t head = s->console_head;
	if (head - c->console_pos > CONSOLE_RING)
		c->console_pos = head - CONSOLE_RING; /* the reader fell behind: skip */
	while (c->console_pos < head) {
		size_t at = c->console_pos % CONSOLE_RING;
		size_t n = head - c->console_pos;
		if (n > CONSOLE_RING - at)
			n = CONSOLE_RING - at;
		ssize_t w = send(c->fd, s->console + at, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w <= 0)
			break;
		c->console_pos += (uint64_t)w;
	}
	pthread_mutex_unlock(&s->lock);
}

/*
 * Forwards a request to the manager and remembers who waits for it.
 * Returns the pending entry, or NULL when the client has been answered
 * with an error.
 */
static struct pending *forward(struct service *s, struct client *c, uint16_t type, const void *a,
                               size_t alen, const void *b, size_t blen)
{
	int slot = -1, free_slots = 0;
	for (int i = 0; i < MAX_PENDING; i++)
		if (!s->pending[i].seq) {
			free_slots++;
			if (slot < 0)
				slot = i;
		}
	if (!s->mgr_up) {
		send_resp(c, DE_CTL_ESTATE,
		          evm_running(s->evm) ? "the EVM's control link is down and the service is "
		                                "reconnecting; retry in a moment"
		                              : "the EVM has stopped; restart de_platform_service");
		return NULL;
	}
	if (free_slots <= (int)DE_MAX_ENCLAVES) { /* the rest is kept for cleanup destroys */
		send_resp(c, DE_CTL_ESTATE, "too many requests in flight; retry");
		return NULL;
	}
	uint32_t seq = mgr_link_send(&s->mgr, type, a, alen, b, blen);
	if (!seq) {
		send_resp(c, DE_CTL_ESTATE, "out of memory queueing the request");
		return NULL;
	}
	s->pending[slot] = (struct pending){.seq = seq,
	                                    .client = (int)(c - s->clients),
	                                    .gen = c->gen,
	                                    .op = c->hdr.op,
	                                    .reply = (uint16_t)(type | DE_MSG_REPLY),
	                                    .window = -1};
	mgr_kick(s);
	return &s->pending[slot];
}

/* ---- shared windows ------------------------------------------------------ */

void windows_init(struct service *s)
{
	for (uint32_t i = 0; i < DE_MAX_WINDOWS; i++)
		s->windows[i] = (struct window){.index = -1};
}

static void window_free(struct service *s, struct window *w)
{
	if (s->evm)
		evm_window_remove(s->evm, w->index);
	munmap(w->host, w->size);
	*w = (struct window){.index = -1};
}

/* The enclave's address space is gone: its windows can leave the EVM. */
static void windows_release(struct service *s, uint32_t enclave)
{
	for (uint32_t i = 0; i < DE_MAX_WINDOWS; i++) {
		struct window *w = &s->windows[i];
		if (w->index >= 0 && w->enclave == enclave) {
			log_msg(LOG_LVL_INFO, "window of %llu KiB at %#llx removed with enclave %u",
			        (unsigned long long)(w->size >> 10), (unsigned long long)w->va,
			        enclave);
			window_free(s, w);
		}
	}
}

void windows_cleanup(struct service *s)
{
	for (uint32_t i = 0; i < DE_MAX_WINDOWS; i++) {
		struct window *w = &s->windows[i];
		if (w->index >= 0) {
			munmap(w->host, w->size);
			*w = (struct window){.index = -1};
		}
	}
}

/*
 * WINDOW: checks what the application sent, maps the memfd, adds it to the
 * EVM and asks the manager to map it into the enclave. Every refusal says
 * what to change.
 */
static void window_request(struct service *s, struct client *c)
{
	struct de_ctl_window req;
	char err[256];
	memcpy(&req, c->payload, sizeof(req));
	int fd = c->passed_fd;
	c->passed_fd = -1;
	const char *why = NULL;
	struct stat st;

	if (fd < 0)
		why = "WINDOW needs the memfd: send it with SCM_RIGHTS in the same message";
	else if (req.reserved)
		why = "WINDOW has reserved bits set";
	else if (!req.id || req.id > 64 || !(c->owned & (1ull << (req.id - 1))))
		why = "no such enclave on this connection; load it first";
	else if (!req.size || (req.size & 4095) || req.size > DE_WINDOW_MAX)
		why = "the window size must be a nonzero multiple of 4096 of at most 16 GiB";
	else if ((req.va & 4095) || req.va + req.size > DE_MSG_USER_TOP ||
	         req.va + req.size < req.va)
		why = "the window address must be page aligned and inside the user address space";
	else if (fstat(fd, &st) || !S_ISREG(st.st_mode) || fcntl(fd, F_GET_SEALS) < 0)
		why = "the descriptor is not a memfd";
	else if ((uint64_t)st.st_size < req.size)
		why = "the memfd is smaller than the window; ftruncate it to the window size first";
	else if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) < 0)
		why = "the memfd does not allow sealing; create it with "
		      "memfd_create(name, MFD_ALLOW_SEALING)";
	else if (fstat(fd, &st) || (uint64_t)st.st_size < req.size)
		why = "the memfd shrank while the window was being set up";
	if (why) {
		if (fd >= 0)
			close(fd);
		send_resp(c, DE_CTL_EBADREQ, why);
		return;
	}
	struct window *w = NULL;
	for (uint32_t i = 0; i < DE_MAX_WINDOWS && !w; i++)
		if (s->windows[i].index < 0)
			w = &s->windows[i];
	void *host =
	    w ? mmap(NULL, req.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
	close(fd); /* the mapping keeps the memory */
	if (host == MAP_FAILED) {
		send_resp(c, DE_CTL_ESTATE,
		          w ? "cannot map the memfd in the service"
		            : "every window slot is in use");
		return;
	}
	uint64_t gpa;
	int index = evm_window_add(s->evm, host, req.size, &gpa, err, sizeof(err));
	if (index < 0) {
		munmap(host, req.size);
		send_resp(c, DE_CTL_ESTATE, err);
		return;
	}
	*w = (struct window){.index = index,
	                     .enclave = req.id,
	                     .host = host,
	                     .size = req.size,
	                     .gpa = gpa,
	                     .va = req.va};
	struct de_req_window m = {.id = req.id, .gpa = gpa, .size = req.size, .va = req.va};
	struct pending *p = forward(s, c, DE_MSG_ATTACH_WINDOW, &m, sizeof(m), NULL, 0);
	if (!p) {
		window_free(s, w);
		return;
	}
	p->window = (int)(w - s->windows);
}

/* A whole request is here: check it and act. Returns true to stop. */
static bool client_request(struct service *s, struct client *c)
{
	const struct de_ctl_req *r = &c->hdr;
	switch (r->op) {
	case DE_CTL_STATUS: {
		char *json = status_json(s);
		send_resp(c, json ? DE_CTL_OK : DE_CTL_ESTATE, json ? json : "out of memory");
		free(json);
		return false;
	}
	case DE_CTL_STOP:
		log_msg(LOG_LVL_INFO, "stop requested over the control socket");
		send_resp(c, DE_CTL_OK, "stopping");
		return true;
	case DE_CTL_CONSOLE:
		if (!s->cfg.debug) {
			send_resp(c, DE_CTL_ESTATE,
			          "the console exists only on debug EVMs; set debug = true in the "
			          "config and restart the service");
			return false;
		}
		send_resp(c, DE_CTL_OK, NULL);
		c->console = true;
		c->console_pos = 0;
		console_push(s, c);
		return false;
	case DE_CTL_ENCLAVES:
		forward(s, c, DE_MSG_LIST, NULL, 0, NULL, 0);
		return false;
	case DE_CTL_STATS:
		forward(s, c, DE_MSG_STATS, NULL, 0, NULL, 0);
		return false;
	case DE_CTL_WINDOW:
		window_request(s, c);
		return false;
	case DE_CTL_LOAD: {
		struct de_req_load req;
		memcpy(&req, c->payload, sizeof(req));
		req.owner_pid = (uint64_t)c->pid; /* the kernel's word, not the client's */
		struct de_msg_hdr h = {.magic = DE_MSG_MAGIC,
		                       .version = DE_MSG_VERSION,
		                       .type = DE_MSG_LOAD_ENCLAVE,
		                       .len = r->len};
		memcpy(c->payload, &req, sizeof(req));
		union de_request dec;
		int st = de_request_decode(&h, c->payload, r->len, &dec);
		if (st != DE_ST_OK) {
			struct de_reply_load rep = {.status = st};
			send_raw(c, DE_CTL_OK, &rep, sizeof(rep));
			return false;
		}
		forward(s, c, DE_MSG_LOAD_ENCLAVE, c->payload, r->len, NULL, 0);
		return false;
	}
	case DE_CTL_START:
	case DE_CTL_DESTROY: {
		struct de_req_enclave req;
		memcpy(&req, c->payload, sizeof(req));
		struct de_msg_hdr h = {.magic = DE_MSG_MAGIC,
		                       .version = DE_MSG_VERSION,
		                       .type =
		                           r->op == DE_CTL_START ? DE_MSG_START : DE_MSG_DESTROY,
		                       .len = sizeof(req)};
		int st = de_request_decode(&h, &req, sizeof(req), NULL);
		if (st == DE_ST_OK &&
		    (!req.id || req.id > 64 || !(c->owned & (1ull << (req.id - 1)))))
			st = DE_ST_ENOENT;
		if (st != DE_ST_OK) {
			struct de_reply_status rep = {.status = st};
			send_raw(c, DE_CTL_OK, &rep, sizeof(rep));
			return false;
		}
		struct pending *p =
		    forward(s, c, r->op == DE_CTL_START ? DE_MSG_START : DE_MSG_DESTROY, &req,
		            sizeof(req), NULL, 0);
		if (p && r->op == DE_CTL_DESTROY) {
			c->owned &= ~(1ull << (req.id - 1));
			p->enclave = req.id;
		}
		return false;
	}
	}
	return false;
}

/*
 * Reads like recv(), keeping the first descriptor that arrives with
 * SCM_RIGHTS for the request being received and closing any others.
 */
static ssize_t recv_fds(struct client *c, void *buf, size_t len)
{
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int) * 8)];
	} u;
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	struct msghdr m = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.space, .msg_controllen = sizeof(u)};
	ssize_t n = recvmsg(c->fd, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0)
		return n;
	for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
		if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
			continue;
		size_t nfds = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nfds; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof(fd));
			if (c->passed_fd < 0)
				c->passed_fd = fd;
			else
				close(fd);
		}
	}
	return n;
}

bool client_io(struct service *s, struct client *c)
{
	char err[256];
	if (c->out_len)
		client_flush(c); /* EPOLLOUT: the client took some of its answers */
	for (;;) {
		ssize_t n;
		if (c->broken) {
			client_close(s, c);
			return false;
		}
		if (c->got < sizeof(c->req)) {
			n = recv_fds(c, c->req + c->got, sizeof(c->req) - c->got);
		} else {
			n = recv_fds(c, c->payload + c->pgot, c->hdr.len - c->pgot);
		}
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			client_close(s, c);
			return false;
		}
		if (n < 0)
			return false;
		if (c->console) {
			client_close(s, c); /* console clients only listen; input ends the stream */
			return false;
		}
		if (c->got < sizeof(c->req)) {
			c->got += (size_t)n;
			if (c->got < sizeof(c->req))
				continue;
			enum de_ctl_status st =
			    ctl_req_check(c->req, c->got, &c->hdr, err, sizeof(err));
			if (st != DE_CTL_OK) {
				send_resp(c, st, err);
				client_close(s, c);
				return false;
			}
			if (c->hdr.len) {
				c->payload = malloc(c->hdr.len);
				if (!c->payload) {
					send_resp(c, DE_CTL_ESTATE, "out of memory");
					client_close(s, c);
					return false;
				}
				c->pgot = 0;
				continue;
			}
		} else {
			c->pgot += (size_t)n;
			if (c->pgot < c->hdr.len)
				continue;
		}
		bool stop = client_request(s, c);
		if (c->passed_fd >= 0) { /* sent with a request that takes none */
			close(c->passed_fd);
			c->passed_fd = -1;
		}
		free(c->payload);
		c->payload = NULL;
		c->got = c->pgot = 0;
		if (stop) {
			/* Answered later: the service closes it once the EVM is gone. */
			epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
			s->stop_fd = c->fd;
			c->fd = -1;
			client_close(s, c);
			return true;
		}
	}
}

void client_accept(struct service *s)
{
	int fd = accept4(s->ctl_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &s->clients[i];
		if (c->fd >= 0)
			continue;
		uint32_t gen = c->gen;
		memset(c, 0, sizeof(*c));
		c->gen = gen;
		c->fd = fd;
		c->passed_fd = -1;
		c->index = (uint32_t)i;
		c->epfd = s->epfd;
		struct ucred cred;
		socklen_t len = sizeof(cred);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
			c->pid = cred.pid;
		struct epoll_event ev = {.events = EPOLLIN, .data.u64 = EP_CLIENT + (uint64_t)i};
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev))
			client_close(s, c);
		return;
	}
	close(fd); /* too many clients at once */
}

static const char *state_name(uint32_t st)
{
	switch (st) {
	case DE_ENC_LOADED:
		return "loaded";
	case DE_ENC_RUNNING:
		return "running";
	case DE_ENC_EXITED:
		return "exited";
	case DE_ENC_CRASHED:
		return "crashed";
	default:
		return "unknown";
	}
}

static void hex(char *out, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* Adds the enclave's identity: mrenclave, mrsigner, attributes, ISV fields. */
static void identity_json(json_t *o, const struct de_identity *id)
{
	char h[65];
	hex(h, id->mrenclave, 32);
	json_object_set_new(o, "mrenclave", json_string(h));
	hex(h, id->mrsigner, 32);
	json_object_set_new(o, "mrsigner", json_string(h));
	json_object_set_new(o, "attributes", json_integer((json_int_t)id->attributes));
	json_object_set_new(o, "xfrm", json_integer((json_int_t)id->xfrm));
	json_object_set_new(o, "misc_select", json_integer(id->misc_select));
	json_object_set_new(o, "isv_prod_id", json_integer(id->isv_prod_id));
	json_object_set_new(o, "isv_svn", json_integer(id->isv_svn));
}

static char *list_json(const uint8_t *payload, uint32_t len)
{
	struct de_reply_list head;
	memcpy(&head, payload, sizeof(head));
	json_t *arr = json_array();
	for (uint32_t i = 0;
	     i < head.count && sizeof(head) + (i + 1) * sizeof(struct de_list_entry) <= len; i++) {
		struct de_list_entry e;
		memcpy(&e, payload + sizeof(head) + i * sizeof(e), sizeof(e));
		e.name[sizeof(e.name) - 1] = 0;
		json_t *o = json_pack("{s:i,s:s,s:I,s:I,s:i,s:i,s:s}", "id", (int)e.id, "state",
		                      state_name(e.state), "owner_pid", (json_int_t)e.owner_pid,
		                      "size", (json_int_t)e.size, "threads", (int)e.threads,
		                      "windows", (int)e.windows, "name", e.name);
		if (o && e.state == DE_ENC_EXITED)
			json_object_set_new(o, "exit_code", json_integer((json_int_t)e.exit_code));
		if (o && e.state == DE_ENC_CRASHED)
			json_object_set_new(o, "fault_vector",
			                    json_integer((json_int_t)e.fault_vector));
		if (o)
			identity_json(o, &e.identity);
		json_array_append_new(arr, o);
	}
	json_t *o = json_pack("{s:o}", "enclaves", arr);
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return text;
}

static char *stats_json(struct service *s, const struct de_reply_stats *st)
{
	struct de_reply_stats r = *st;
	uint32_t windows = 0;
	for (uint32_t i = 0; i < DE_MAX_WINDOWS; i++)
		windows += s->windows[i].index >= 0;
	json_t *o =
	    json_pack("{s:i,s:I,s:I,s:I,s:I,s:I,s:i}", "enclaves", (int)r.enclaves, "free_pages",
	              (json_int_t)r.free_pages, "total_pages", (json_int_t)r.total_pages, "loads",
	              (json_int_t)r.loads, "destroys", (json_int_t)r.destroys, "faults",
	              (json_int_t)r.faults, "windows", (int)windows);
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return text;
}

void relay_from_manager(void *ctx, const struct de_msg_hdr *h, const uint8_t *payload)
{
	struct service *s = ctx;

	if (h->type == DE_MSG_EVENT_ENCLAVE) {
		struct de_event_enclave ev;
		if (de_event_decode(h, payload, &ev) != DE_ST_OK)
			return;
		if (ev.state == DE_ENC_CRASHED)
			log_msg(LOG_LVL_WARN,
			        "enclave %u crashed: vector %u at rip %#llx, address %#llx (error "
			        "%#llx)",
			        ev.id, ev.vector, (unsigned long long)ev.rip,
			        (unsigned long long)ev.addr, (unsigned long long)ev.error);
		else
			log_msg(LOG_LVL_INFO, "enclave %u exited with status %lld", ev.id,
			        (long long)ev.exit_code);
		return;
	}
	struct pending *p = NULL;
	for (int i = 0; i < MAX_PENDING && !p; i++)
		if (s->pending[i].seq == h->seq)
			p = &s->pending[i];
	if (!p)
		return;
	struct pending done = *p;
	p->seq = 0;
	struct client *c = done.client >= 0 ? &s->clients[done.client] : NULL;
	if (c && (c->fd < 0 || c->gen != done.gen))
		c = NULL; /* the application went away meanwhile */

	if (de_reply_check(h, payload) != DE_ST_OK || h->type != done.reply) {
		/* Keep windows: whether the enclave is gone is unknown. */
		log_msg(LOG_LVL_ERR, "the manager sent a malformed reply (type %#x for %#x)",
		        h->type, done.reply);
		if (c)
			send_resp(c, DE_CTL_ESTATE, "the EVM sent a malformed reply");
		return;
	}
	/* Every reply starts with a status; a refusal may be only that. */
	union {
		struct de_reply_status st;
		struct de_reply_load load;
		struct de_reply_stats stats;
	} rep;
	memset(&rep, 0, sizeof(rep));
	memcpy(&rep, payload, h->len < sizeof(rep) ? h->len : sizeof(rep));
	int32_t status = rep.st.status;

	switch (done.op) {
	case OP_RECONCILE:
		if (status == DE_ST_OK)
			reconcile(s, payload, h->len);
		else
			relay_reconcile(s); /* ask again */
		break;
	case DE_CTL_ENCLAVES:
	case DE_CTL_STATS: {
		if (!c)
			break;
		if (status != DE_ST_OK) {
			char msg[96];
			snprintf(msg, sizeof(msg), "the EVM refused the request (status %d)",
			         status);
			send_resp(c, DE_CTL_ESTATE, msg);
			break;
		}
		char *json = done.op == DE_CTL_ENCLAVES ? list_json(payload, h->len)
		                                        : stats_json(s, &rep.stats);
		send_resp(c, json ? DE_CTL_OK : DE_CTL_ESTATE, json ? json : "out of memory");
		free(json);
		break;
	}
	case DE_CTL_WINDOW: {
		struct window *w = done.window >= 0 ? &s->windows[done.window] : NULL;
		if (w && w->index >= 0 && status == DE_ST_OK) {
			w->attached = true;
			log_msg(LOG_LVL_INFO, "window of %llu KiB at %#llx attached to enclave %u",
			        (unsigned long long)(w->size >> 10), (unsigned long long)w->va,
			        w->enclave);
		} else if (w && w->index >= 0) {
			window_free(s, w); /* the manager mapped nothing */
		}
		if (c)
			send_raw(c, DE_CTL_OK, &rep.st, sizeof(rep.st));
		break;
	}
	case DE_CTL_LOAD: {
		struct de_reply_load *l = &rep.load;
		if (status == DE_ST_OK && (!l->id || l->id > 64)) {
			l->status = DE_ST_EPROTO;
		} else if (status == DE_ST_OK && !c) {
			destroy_enclave(s, l->id); /* its application went away meanwhile */
		} else if (status == DE_ST_OK) {
			char mr[65];
			hex(mr, l->identity.mrenclave, 32);
			c->owned |= 1ull << (l->id - 1);
			log_msg(LOG_LVL_INFO,
			        "enclave %u loaded for pid %d (%llu KiB, MRENCLAVE %s)", l->id,
			        (int)c->pid, (unsigned long long)(l->size >> 10), mr);
		} else if (c && l->sgx_status) {
			log_msg(LOG_LVL_WARN, "enclave image from pid %d refused: %s: %s",
			        (int)c->pid, de_sgx_name(l->sgx_status),
			        l->reason < DE_R_COUNT ? de_reason_text((enum de_reason)l->reason)
			                               : "(unknown reason)");
		}
		if (c)
			send_raw(c, DE_CTL_OK, l, sizeof(*l));
		break;
	}
	case DE_CTL_DESTROY:
		/* The application need not wait for the memory slots to go (KVM takes ms). */
		if (c)
			send_raw(c, DE_CTL_OK, &rep.st, sizeof(rep.st));
		/* Gone (or never there): nothing in the EVM maps its windows now. */
		if (status == DE_ST_OK || status == DE_ST_ENOENT)
			windows_release(s, done.enclave);
		break;
	default:
		if (c)
			send_raw(c, DE_CTL_OK, &rep.st, sizeof(rep.st));
		break;
	}
}

void relay_reconcile(struct service *s)
{
	s->reconciled = false;
	uint32_t seq = mgr_link_send(&s->mgr, DE_MSG_LIST, NULL, 0, NULL, 0);
	for (int i = 0; seq && i < MAX_PENDING; i++)
		if (!s->pending[i].seq) {
			s->pending[i] = (struct pending){.seq = seq,
			                                 .client = -1,
			                                 .op = OP_RECONCILE,
			                                 .reply = DE_MSG_LIST | DE_MSG_REPLY,
			                                 .window = -1};
			break;
		}
	if (seq)
		mgr_kick(s);
}

static void reconcile(struct service *s, const uint8_t *payload, uint32_t len)
{
	uint64_t owned = 0, listed = 0;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (s->clients[i].fd >= 0)
			owned |= s->clients[i].owned;
	struct de_reply_list head;
	memcpy(&head, payload, sizeof(head));
	for (uint32_t i = 0;
	     i < head.count && sizeof(head) + (i + 1) * sizeof(struct de_list_entry) <= len; i++) {
		struct de_list_entry e;
		memcpy(&e, payload + sizeof(head) + i * sizeof(e), sizeof(e));
		if (!e.id || e.id > 64)
			continue;
		listed |= 1ull << (e.id - 1);
		if (!(owned & (1ull << (e.id - 1)))) {
			log_msg(
			    LOG_LVL_INFO,
			    "destroying enclave %u: its application went away while the EVM link "
			    "was down",
			    e.id);
			destroy_enclave(s, e.id);
		}
	}
	/* Windows of enclaves that no longer exist are free to go. */
	for (uint32_t id = 1; id <= 64; id++)
		if (!(listed & (1ull << (id - 1))))
			windows_release(s, id);
	log_msg(LOG_LVL_INFO, "EVM control link restored");
	s->relink_ms = 0;
	s->reconciled = true;
}

void relay_fail_all(struct service *s)
{
	for (int i = 0; i < MAX_PENDING; i++) {
		struct pending *p = &s->pending[i];
		if (!p->seq)
			continue;
		struct client *c = p->client >= 0 ? &s->clients[p->client] : NULL;
		if (c && c->fd >= 0 && c->gen == p->gen)
			send_resp(c, DE_CTL_ESTATE,
			          "the EVM's control link went down before the answer came");
		p->seq = 0;
	}
}
