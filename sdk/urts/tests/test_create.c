/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libde_urts through its public API against a fake de_platform_service: a
 * thread of this test listens on <DE_RUNTIME_DIR>/control.sock, speaks the
 * control protocol (LOAD, WINDOW with the memfd, START, DESTROY, ENCLAVES),
 * checks what the library sends, and plays the enclave on the window it
 * was given (the "EVM" shares this process). What the fake service does is
 * chosen by the enclave file's text: "enclave tcs=N mode=MODE".
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <pthread.h>

#include "de/callslot.h"
#include "de/control.h"
#include "de/enclave_meta.h"
#include "de/evm_proto.h"
#include "de/evm_proto_codec.h"
#include "de_window.h"
#include "sgx_edger8r.h"
#include "sgx_urts.h"
#include "sgx_uswitchless.h"

/* Checks in the fake service's threads (cmocka's asserts belong to the test's thread). */
#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "fake service: line %d: %s\n", __LINE__, #c);              \
			abort();                                                                   \
		}                                                                                  \
	} while (0)
#define CHECK_EQ(a, b)     CHECK((uint64_t)(a) == (uint64_t)(b))
#define CHECK_MEM(a, b, n) CHECK(!memcmp((a), (b), (n)))

/* ---- the fake service and its enclaves -------------------------------------- */

enum { E_ADD, E_OCALL, E_SLOW, E_FAULT };

struct add {
	int a, b, r;
};

struct fenc {
	uint32_t id;
	int conn; /* the connection that loaded it */
	char mode[16];
	char state[16];
	uint32_t tcs;
	uint8_t *va;
	uint64_t size;
	pthread_t threads[8];
	uint32_t nthreads;
	atomic_int stop;
	int gone;
};

struct svc {
	char dir[64], path[96];
	int lfd;
	pthread_t thread;
	atomic_int stop;
	atomic_int conns; /* connection threads running */
	pthread_mutex_t lock;
	struct fenc encs[16];
	uint32_t nencs;
	atomic_int loads, windows, starts, destroys, listings;
	int last_conn;
	struct de_req_load last_load;
};

static struct svc svc;

static void nap(long ns)
{
	struct timespec ts = {0, ns};
	nanosleep(&ts, NULL);
}

static struct de_call_slot *fslot(struct fenc *e, uint32_t i)
{
	const struct de_window_hdr *h = (const struct de_window_hdr *)e->va;
	return (struct de_call_slot *)(e->va + h->slot_offset) + i;
}

struct fthread {
	struct fenc *e;
	uint32_t i;
};

static void *fenc_main(void *arg)
{
	struct fthread *t = arg;
	struct fenc *e = t->e;
	uint32_t i = t->i;
	free(t);
	struct de_call_slot *s = fslot(e, i);
	const struct de_window_hdr *h = (const struct de_window_hdr *)e->va;
	while (!atomic_load(&e->stop)) {
		uint32_t st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
		if (st == DE_SLOT_SHUTDOWN)
			return NULL;
		if (st != DE_SLOT_ECALL) {
			nap(20000);
			continue;
		}
		int32_t status = SGX_SUCCESS;
		switch (s->index) {
		case E_ADD: {
			struct add *a = (struct add *)(uintptr_t)s->ms;
			a->r = a->a + a->b;
			break;
		}
		case E_OCALL: { /* OCALL 0 with an int on the OCALL stack: doubles it */
			int *o = (int *)(e->va + h->ocall_offset + i * h->ocall_size);
			int *io = (int *)(uintptr_t)s->ms;
			*o = *io;
			s->index = 0;
			s->ms = (uintptr_t)o;
			__atomic_store_n(&s->state, DE_SLOT_OCALL, __ATOMIC_RELEASE);
			while (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != DE_SLOT_OCALL_RET)
				nap(20000);
			status = s->status;
			*io = *o;
			break;
		}
		case E_SLOW:
			for (int k = 0; k < 20 && !atomic_load(&e->stop); k++)
				nap(10000000);
			break;
		case E_FAULT: /* the EVM sees a fault: no answer, the state says crashed */
			pthread_mutex_lock(&svc.lock);
			snprintf(e->state, sizeof(e->state), "crashed");
			pthread_mutex_unlock(&svc.lock);
			return NULL;
		default:
			status = SGX_ERROR_INVALID_FUNCTION;
		}
		if (atomic_load(&e->stop))
			return NULL; /* killed: no answer */
		s->status = status;
		__atomic_store_n(&s->state, DE_SLOT_ECALL_RET, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void fenc_stop(struct fenc *e)
{
	atomic_store(&e->stop, 1);
	for (uint32_t i = 0; i < e->nthreads; i++)
		pthread_join(e->threads[i], NULL);
	e->nthreads = 0;
}

static int full_read(int fd, void *p, size_t n, int *passed)
{
	char *c = p;
	while (n) {
		union {
			struct cmsghdr h;
			char space[CMSG_SPACE(sizeof(int))];
		} u;
		struct iovec iov = {.iov_base = c, .iov_len = n};
		struct msghdr m = {.msg_iov = &iov,
		                   .msg_iovlen = 1,
		                   .msg_control = u.space,
		                   .msg_controllen = sizeof(u)};
		ssize_t r = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		for (struct cmsghdr *ch = CMSG_FIRSTHDR(&m); ch; ch = CMSG_NXTHDR(&m, ch))
			if (ch->cmsg_level == SOL_SOCKET && ch->cmsg_type == SCM_RIGHTS) {
				int got;
				memcpy(&got, CMSG_DATA(ch), sizeof(got));
				if (passed && *passed < 0)
					*passed = got;
				else
					close(got);
			}
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

static void reply(int fd, uint16_t status, const void *p, uint32_t len)
{
	struct de_ctl_resp r = {
	    .magic = DE_CTL_MAGIC, .version = DE_CTL_VERSION, .status = status, .len = len};
	char buf[sizeof(r) + 4096];
	memcpy(buf, &r, sizeof(r));
	memcpy(buf + sizeof(r), p, len);
	CHECK_EQ(send(fd, buf, sizeof(r) + len, MSG_NOSIGNAL), (ssize_t)(sizeof(r) + len));
}

static struct fenc *find_enc(uint32_t id, int conn)
{
	for (uint32_t i = 0; i < svc.nencs; i++)
		if (svc.encs[i].id == id && !svc.encs[i].gone && svc.encs[i].conn == conn)
			return &svc.encs[i];
	return NULL;
}

static void do_load(int fd, const uint8_t *p, uint32_t len)
{
	struct de_req_load req;
	struct de_reply_load rep = {0};
	CHECK(len > sizeof(req));
	memcpy(&req, p, sizeof(req));
	CHECK_EQ(req.image_len, len - sizeof(req));
	CHECK(req.nr_threads >= 1 && req.nr_threads <= 64);
	CHECK(req.stack_size && req.stack_size % 4096 == 0);
	CHECK_EQ(req.heap_size % 4096, 0);
	CHECK_EQ(req.flags & ~(uint32_t)DE_LOAD_DEBUG, 0);
	CHECK(memchr(req.name, 0, sizeof(req.name)));
	/* Exactly what the real service and manager accept (NUL padding included). */
	struct de_msg_hdr mh = {.magic = DE_MSG_MAGIC,
	                        .version = DE_MSG_VERSION,
	                        .type = DE_MSG_LOAD_ENCLAVE,
	                        .len = len};
	CHECK_EQ(de_request_decode(&mh, p, len, NULL), DE_ST_OK);
	char text[64] = {0}, mode[16] = "ok";
	unsigned tcs = 1;
	memcpy(text, p + sizeof(req), req.image_len < 63 ? req.image_len : 63);
	sscanf(text, "enclave tcs=%u mode=%15s", &tcs, mode);
	pthread_mutex_lock(&svc.lock);
	svc.last_load = req;
	atomic_fetch_add(&svc.loads, 1);
	if (!strcmp(mode, "refuse")) {
		pthread_mutex_unlock(&svc.lock);
		const char *why = "LOAD refused for the test; do something else";
		reply(fd, DE_CTL_EBADREQ, why, (uint32_t)strlen(why));
		return;
	}
	if (!strcmp(mode, "sig")) {
		rep.status = DE_ST_EPERM;
		rep.sgx_status = SGX_ERROR_INVALID_SIGNATURE;
		rep.reason = DE_R_SS_RSA;
	} else if (!strcmp(mode, "nomem")) {
		rep.status = DE_ST_ENOMEM;
	} else if (!strcmp(mode, "full")) {
		rep.status = DE_ST_ENOSPC;
	} else if (!strcmp(mode, "noexec")) {
		rep.status = DE_ST_ENOEXEC;
	} else {
		struct fenc *e = &svc.encs[svc.nencs++];
		memset(e, 0, sizeof(*e));
		e->id = svc.nencs;
		e->conn = fd;
		e->tcs = tcs;
		snprintf(e->mode, sizeof(e->mode), "%s", mode);
		snprintf(e->state, sizeof(e->state), "loaded");
		rep.id = e->id;
		rep.tcs_num = tcs;
		rep.identity.attributes = 0x4; /* MODE64BIT */
		rep.identity.xfrm = 0x3;
		rep.identity.misc_select = 0;
		rep.base = 0x20000000000ull;
	}
	pthread_mutex_unlock(&svc.lock);
	reply(fd, DE_CTL_OK, &rep, sizeof(rep));
}

static void do_window(int fd, const uint8_t *p, uint32_t len, int mfd)
{
	struct de_ctl_window w;
	struct de_reply_status st = {0};
	CHECK_EQ(len, sizeof(w));
	memcpy(&w, p, sizeof(w));
	if (mfd < 0) {
		const char *why =
		    "WINDOW needs the memfd: send it with SCM_RIGHTS in the same message";
		reply(fd, DE_CTL_EBADREQ, why, (uint32_t)strlen(why));
		return;
	}
	/* The checks the service makes, in its order. */
	struct stat sb;
	CHECK_EQ(w.reserved, 0);
	CHECK(w.size && w.size % 4096 == 0 && w.size <= (16ull << 30));
	CHECK_EQ(w.va % 4096, 0);
	CHECK_EQ(fstat(mfd, &sb), 0);
	CHECK(S_ISREG(sb.st_mode));
	CHECK((uint64_t)sb.st_size >= w.size);
	CHECK_EQ(fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	/* The application's mapping shows the same memory as the memfd. */
	uint8_t *mine = mmap(NULL, 4096, PROT_READ, MAP_SHARED, mfd, 0);
	CHECK(mine != MAP_FAILED);
	CHECK_MEM(mine, (void *)(uintptr_t)w.va, 4096);
	munmap(mine, 4096);
	close(mfd);
	pthread_mutex_lock(&svc.lock);
	struct fenc *e = find_enc(w.id, fd);
	atomic_fetch_add(&svc.windows, 1);
	if (!e) {
		st.status = DE_ST_ENOENT;
	} else if (!strcmp(e->mode, "winfail")) {
		st.status = DE_ST_ENOMEM;
	} else {
		e->va = (uint8_t *)(uintptr_t)w.va;
		e->size = w.size;
	}
	pthread_mutex_unlock(&svc.lock);
	reply(fd, DE_CTL_OK, &st, sizeof(st));
}

static void do_start(int fd, const uint8_t *p, uint32_t len)
{
	struct de_req_enclave r;
	struct de_reply_status st = {0};
	CHECK_EQ(len, sizeof(r));
	memcpy(&r, p, sizeof(r));
	pthread_mutex_lock(&svc.lock);
	atomic_fetch_add(&svc.starts, 1);
	struct fenc *e = find_enc(r.id, fd);
	if (!e || !e->va) {
		st.status = DE_ST_ENOENT;
		goto out;
	}
	CHECK_EQ(r.arg, (uintptr_t)e->va); /* START's argument is the window */
	const struct de_window_hdr *h = (const struct de_window_hdr *)e->va;
	CHECK_EQ(h->magic, DE_WINDOW_MAGIC);
	CHECK_EQ(h->version, DE_WINDOW_VERSION);
	CHECK_EQ(h->nr_slots, e->tcs);
	CHECK_EQ(h->size, e->size);
	CHECK_EQ(h->slot_offset, DE_WINDOW_PAGE);
	CHECK(h->heap_offset < h->size);
	snprintf(e->state, sizeof(e->state), "running");
	if (!strcmp(e->mode, "crash")) {
		snprintf(e->state, sizeof(e->state), "crashed");
	} else if (!strcmp(e->mode, "exit")) {
		snprintf(e->state, sizeof(e->state), "exited");
	} else if (!strcmp(e->mode, "abort")) {
		__atomic_store_n(&((struct de_window_hdr *)e->va)->crashed, 1, __ATOMIC_RELEASE);
	} else if (!strcmp(e->mode, "startfail")) {
		st.status = DE_ST_EIO;
	} else {
		for (uint32_t i = 0; i < e->tcs; i++) {
			struct fthread *t = malloc(sizeof(*t));
			*t = (struct fthread){e, i};
			CHECK_EQ(pthread_create(&e->threads[i], NULL, fenc_main, t), 0);
			e->nthreads++;
		}
		__atomic_store_n(&((struct de_window_hdr *)e->va)->ready, 1, __ATOMIC_RELEASE);
	}
out:
	pthread_mutex_unlock(&svc.lock);
	reply(fd, DE_CTL_OK, &st, sizeof(st));
}

static void destroy_enc(struct fenc *e)
{
	fenc_stop(e);
	e->gone = 1;
	atomic_fetch_add(&svc.destroys, 1);
}

static void do_destroy(int fd, const uint8_t *p, uint32_t len)
{
	struct de_req_enclave r;
	struct de_reply_status st = {0};
	CHECK_EQ(len, sizeof(r));
	memcpy(&r, p, sizeof(r));
	CHECK_EQ(r.arg, 0);
	pthread_mutex_lock(&svc.lock);
	struct fenc *e = find_enc(r.id, fd);
	if (e)
		destroy_enc(e);
	else
		st.status = DE_ST_ENOENT;
	pthread_mutex_unlock(&svc.lock);
	reply(fd, DE_CTL_OK, &st, sizeof(st));
}

static void do_enclaves(int fd)
{
	char json[4000];
	size_t n = (size_t)snprintf(json, sizeof(json), "{\"enclaves\":[");
	pthread_mutex_lock(&svc.lock);
	atomic_fetch_add(&svc.listings, 1);
	int first = 1;
	for (uint32_t i = 0; i < svc.nencs; i++) {
		struct fenc *e = &svc.encs[i];
		if (e->gone)
			continue;
		n += (size_t)snprintf(json + n, sizeof(json) - n,
		                      "%s{\"id\":%u,\"state\":\"%s\",\"owner_pid\":%d,\"name\":"
		                      "\"x\\\",\\\"id\\\":%u,\\\"state\\\":\\\"running\\\"\"%s%s}",
		                      first ? "" : ",", e->id, e->state, (int)getpid(), e->id,
		                      !strcmp(e->state, "crashed") ? ",\"fault_vector\":14" : "",
		                      !strcmp(e->state, "exited") ? ",\"exit_code\":3" : "");
		first = 0;
	}
	pthread_mutex_unlock(&svc.lock);
	n += (size_t)snprintf(json + n, sizeof(json) - n, "]}");
	reply(fd, DE_CTL_OK, json, (uint32_t)n);
}

static void *conn_main(void *arg)
{
	int fd = (int)(intptr_t)arg;
	for (;;) {
		struct de_ctl_req h;
		int mfd = -1;
		if (full_read(fd, &h, sizeof(h), &mfd))
			break;
		CHECK_EQ(h.magic, DE_CTL_MAGIC);
		CHECK_EQ(h.version, DE_CTL_VERSION);
		CHECK_EQ(h.reserved, 0);
		uint8_t *p = malloc(h.len + 1);
		CHECK(p);
		if (h.len && full_read(fd, p, h.len, &mfd)) {
			free(p);
			break;
		}
		switch (h.op) {
		case DE_CTL_LOAD:
			do_load(fd, p, h.len);
			break;
		case DE_CTL_WINDOW:
			do_window(fd, p, h.len, mfd);
			mfd = -1;
			break;
		case DE_CTL_START:
			do_start(fd, p, h.len);
			break;
		case DE_CTL_DESTROY:
			do_destroy(fd, p, h.len);
			break;
		case DE_CTL_ENCLAVES:
			CHECK_EQ(h.len, 0);
			do_enclaves(fd);
			break;
		default:
			CHECK(!"unexpected op");
		}
		if (mfd >= 0)
			close(mfd);
		free(p);
	}
	/* The connection closed: its enclaves go. */
	pthread_mutex_lock(&svc.lock);
	for (uint32_t i = 0; i < svc.nencs; i++)
		if (svc.encs[i].conn == fd && !svc.encs[i].gone)
			destroy_enc(&svc.encs[i]);
	pthread_mutex_unlock(&svc.lock);
	close(fd);
	atomic_fetch_sub(&svc.conns, 1);
	return NULL;
}

static void *accept_main(void *arg)
{
	(void)arg;
	while (!atomic_load(&svc.stop)) {
		struct pollfd p = {.fd = svc.lfd, .events = POLLIN};
		if (poll(&p, 1, 20) <= 0)
			continue;
		int fd = accept4(svc.lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		pthread_mutex_lock(&svc.lock);
		svc.last_conn = fd;
		pthread_mutex_unlock(&svc.lock);
		pthread_t t;
		atomic_fetch_add(&svc.conns, 1);
		CHECK_EQ(pthread_create(&t, NULL, conn_main, (void *)(intptr_t)fd), 0);
		pthread_detach(t);
	}
	return NULL;
}

static int setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_DFL); /* the library must not need SIGPIPE ignored */
	snprintf(svc.dir, sizeof(svc.dir), "/tmp/de_urts_test.XXXXXX");
	if (!mkdtemp(svc.dir))
		return -1;
	snprintf(svc.path, sizeof(svc.path), "%s/control.sock", svc.dir);
	svc.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", svc.path);
	if (svc.lfd < 0 || bind(svc.lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(svc.lfd, 16))
		return -1;
	pthread_mutex_init(&svc.lock, NULL);
	setenv("DE_RUNTIME_DIR", svc.dir, 1);
	return pthread_create(&svc.thread, NULL, accept_main, NULL);
}

static int teardown(void **state)
{
	(void)state;
	atomic_store(&svc.stop, 1);
	pthread_join(svc.thread, NULL);
	close(svc.lfd);
	unlink(svc.path);
	for (int i = 0; i < 500 && atomic_load(&svc.conns); i++)
		nap(10000000);
	DIR *d = opendir(svc.dir);
	for (struct dirent *de; d && (de = readdir(d));)
		if (de->d_name[0] != '.')
			unlinkat(dirfd(d), de->d_name, 0);
	if (d)
		closedir(d);
	rmdir(svc.dir);
	return 0;
}

/* An enclave file with this text. */
static const char *enclave_file(const char *name, const char *text)
{
	static char path[256];
	snprintf(path, sizeof(path), "%s/%s", svc.dir, name);
	FILE *f = fopen(path, "w");
	CHECK(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* ---- the application -------------------------------------------------------- */

static sgx_status_t o_double(void *ms)
{
	*(int *)ms *= 2;
	return SGX_SUCCESS;
}

static const struct {
	size_t nr_ocall;
	void *table[1];
} ocalls = {1, {(void *)o_double}};

static sgx_status_t add(sgx_enclave_id_t eid, int a, int b, int *r)
{
	struct add *m = de_window_alloc(eid, sizeof(*m));
	if (!m)
		return SGX_ERROR_OUT_OF_MEMORY;
	m->a = a;
	m->b = b;
	sgx_status_t st = sgx_ecall(eid, E_ADD, &ocalls, m);
	*r = m->r;
	de_window_free(eid, m);
	return st;
}

static void test_create_call_destroy(void **state)
{
	(void)state;
	const char *file = enclave_file("app.signed.so", "enclave tcs=3 mode=ok");
	sgx_launch_token_t token = {0};
	int updated = 7;
	sgx_enclave_id_t eid = 0;
	sgx_misc_attribute_t misc;
	int loads = atomic_load(&svc.loads);
	assert_int_equal(sgx_create_enclave(file, SGX_DEBUG_FLAG, &token, &updated, &eid, &misc),
	                 SGX_SUCCESS);
	assert_int_not_equal(eid, 0);
	assert_int_equal(updated, 0);
	assert_int_equal(atomic_load(&svc.loads), loads + 1);
	assert_string_equal(svc.last_load.name, "app.signed.so");
	assert_int_equal(svc.last_load.flags, SGX_DEBUG_FLAG ? DE_LOAD_DEBUG : 0);
	assert_int_equal(svc.last_load.owner_pid, (uint64_t)getpid());
	assert_int_equal(misc.secs_attr.flags,
	                 0x4 | SGX_FLAGS_INITTED | (SGX_DEBUG_FLAG ? SGX_FLAGS_DEBUG : 0));
	assert_int_equal(misc.secs_attr.xfrm, 3);
	assert_int_equal(misc.misc_select, 0);

	int r = 0;
	for (int i = 0; i < 100; i++) {
		assert_int_equal(add(eid, i, 5, &r), SGX_SUCCESS);
		assert_int_equal(r, i + 5);
	}
	int *io = de_window_alloc(eid, sizeof(int));
	*io = 21;
	assert_int_equal(sgx_ecall(eid, E_OCALL, &ocalls, io), SGX_SUCCESS);
	assert_int_equal(*io, 42);
	de_window_free(eid, io);

	int destroys = atomic_load(&svc.destroys);
	assert_int_equal(sgx_destroy_enclave(eid), SGX_SUCCESS);
	assert_int_equal(atomic_load(&svc.destroys), destroys + 1);    /* DESTROY, not just close */
	assert_int_equal(add(eid, 1, 2, &r), SGX_ERROR_OUT_OF_MEMORY); /* no window any more */
	assert_int_equal(sgx_ecall(eid, E_ADD, &ocalls, NULL), SGX_ERROR_INVALID_ENCLAVE_ID);
	assert_int_equal(sgx_destroy_enclave(eid), SGX_ERROR_INVALID_ENCLAVE_ID);
}

static void test_two_enclaves(void **state)
{
	(void)state;
	sgx_enclave_id_t a = 0, b = 0;
	assert_int_equal(sgx_create_enclave(enclave_file("a.so", "enclave tcs=1 mode=ok"), 0, NULL,
	                                    NULL, &a, NULL),
	                 SGX_SUCCESS);
	assert_int_equal(sgx_create_enclave(enclave_file("b.so", "enclave tcs=2 mode=ok"), 0, NULL,
	                                    NULL, &b, NULL),
	                 SGX_SUCCESS);
	assert_int_not_equal(a, b);
	assert_int_equal(svc.last_load.flags, 0);
	int r;
	assert_int_equal(add(a, 1, 2, &r), SGX_SUCCESS);
	assert_int_equal(r, 3);
	assert_int_equal(add(b, 3, 4, &r), SGX_SUCCESS);
	assert_int_equal(r, 7);
	assert_int_equal(sgx_destroy_enclave(a), SGX_SUCCESS);
	assert_int_equal(add(b, 5, 6, &r), SGX_SUCCESS);
	assert_int_equal(r, 11);
	assert_int_equal(sgx_destroy_enclave(b), SGX_SUCCESS);
}

static void test_switchless(void **state)
{
	(void)state;
	const char *file = enclave_file("sl.so", "enclave tcs=2 mode=ok");
	sgx_uswitchless_config_t cfg = SGX_USWITCHLESS_CONFIG_INITIALIZER;
	cfg.retries_before_fallback = 5000;
	cfg.retries_before_sleep = 10000;
	const void *features[32] = {0};
	features[SGX_CREATE_ENCLAVE_EX_SWITCHLESS_BIT_IDX] = &cfg;
	sgx_enclave_id_t eid = 0;
	assert_int_equal(sgx_create_enclave_ex(file, 0, NULL, NULL, &eid, NULL,
	                                       SGX_CREATE_ENCLAVE_EX_SWITCHLESS, features),
	                 SGX_SUCCESS);
	int r;
	assert_int_equal(add(eid, 40, 2, &r), SGX_SUCCESS);
	assert_int_equal(r, 42);
	struct add *m = de_window_alloc(eid, sizeof(*m));
	m->a = 1;
	m->b = 1;
	assert_int_equal(sgx_ecall_switchless(eid, E_ADD, &ocalls, m), SGX_SUCCESS);
	assert_int_equal(m->r, 2);
	de_window_free(eid, m);
	assert_int_equal(sgx_destroy_enclave(eid), SGX_SUCCESS);

	/* Features: unknown bits, unsupported ones, a missing configuration. */
	int loads = atomic_load(&svc.loads);
	assert_int_equal(sgx_create_enclave_ex(file, 0, NULL, NULL, &eid, NULL, 1u << 5, features),
	                 SGX_ERROR_INVALID_PARAMETER);
	assert_int_equal(sgx_create_enclave_ex(file, 0, NULL, NULL, &eid, NULL,
	                                       SGX_CREATE_ENCLAVE_EX_PCL, features),
	                 SGX_ERROR_FEATURE_NOT_SUPPORTED);
	assert_int_equal(sgx_create_enclave_ex(file, 0, NULL, NULL, &eid, NULL,
	                                       SGX_CREATE_ENCLAVE_EX_KSS, features),
	                 SGX_ERROR_FEATURE_NOT_SUPPORTED);
	assert_int_equal(sgx_create_enclave_ex(file, 0, NULL, NULL, &eid, NULL,
	                                       SGX_CREATE_ENCLAVE_EX_SWITCHLESS, NULL),
	                 SGX_ERROR_INVALID_PARAMETER);
	features[SGX_CREATE_ENCLAVE_EX_SWITCHLESS_BIT_IDX] = NULL;
	assert_int_equal(sgx_create_enclave_ex(file, 0, NULL, NULL, &eid, NULL,
	                                       SGX_CREATE_ENCLAVE_EX_SWITCHLESS, features),
	                 SGX_ERROR_INVALID_PARAMETER);
	assert_int_equal(atomic_load(&svc.loads), loads); /* refused before LOAD */
}

static void test_refusals(void **state)
{
	(void)state;
	sgx_enclave_id_t eid = 0;
	static const struct {
		const char *text;
		sgx_status_t want;
	} cases[] = {
	    {"enclave tcs=1 mode=sig", SGX_ERROR_INVALID_SIGNATURE},
	    {"enclave tcs=1 mode=nomem", SGX_ERROR_OUT_OF_EPC},
	    {"enclave tcs=1 mode=full", SGX_ERROR_OUT_OF_EPC},
	    {"enclave tcs=1 mode=noexec", SGX_ERROR_INVALID_ENCLAVE},
	    {"enclave tcs=1 mode=refuse", SGX_ERROR_UNEXPECTED},
	    {"enclave tcs=0 mode=ok", SGX_ERROR_INVALID_METADATA},
	    {"enclave tcs=64 mode=ok", SGX_ERROR_INVALID_METADATA},
	    {"enclave tcs=1 mode=winfail", SGX_ERROR_OUT_OF_EPC},
	    {"enclave tcs=1 mode=startfail", SGX_ERROR_UNEXPECTED},
	    {"enclave tcs=1 mode=crash", SGX_ERROR_ENCLAVE_CRASHED},
	    {"enclave tcs=1 mode=exit", SGX_ERROR_ENCLAVE_CRASHED},
	    {"enclave tcs=1 mode=abort", SGX_ERROR_ENCLAVE_CRASHED},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int destroys = atomic_load(&svc.destroys);
		sgx_status_t st = sgx_create_enclave(enclave_file("bad.so", cases[i].text), 0, NULL,
		                                     NULL, &eid, NULL);
		if (st != cases[i].want)
			fail_msg("%s: %#x, not %#x", cases[i].text, st, cases[i].want);
		/* Whatever was loaded is gone again (the connection was closed). */
		if (strstr(cases[i].text, "tcs=0") || strstr(cases[i].text, "tcs=64") ||
		    strstr(cases[i].text, "fail") || strstr(cases[i].text, "crash") ||
		    strstr(cases[i].text, "exit") || strstr(cases[i].text, "abort")) {
			for (int k = 0; k < 200 && atomic_load(&svc.destroys) == destroys; k++)
				nap(5000000);
			assert_int_equal(atomic_load(&svc.destroys), destroys + 1);
		}
	}
}

static void test_local_errors(void **state)
{
	(void)state;
	sgx_enclave_id_t eid = 0;
	int loads = atomic_load(&svc.loads);
	assert_int_equal(sgx_create_enclave(NULL, 0, NULL, NULL, &eid, NULL),
	                 SGX_ERROR_INVALID_PARAMETER);
	char file[256];
	snprintf(file, sizeof(file), "%s", enclave_file("ok.so", "enclave tcs=1 mode=ok"));
	assert_int_equal(sgx_create_enclave(file, 0, NULL, NULL, NULL, NULL),
	                 SGX_ERROR_INVALID_PARAMETER);
	assert_int_equal(sgx_create_enclave("/nonexistent/x.signed.so", 0, NULL, NULL, &eid, NULL),
	                 SGX_ERROR_ENCLAVE_FILE_ACCESS);
	assert_int_equal(sgx_create_enclave(svc.dir, 0, NULL, NULL, &eid, NULL),
	                 SGX_ERROR_ENCLAVE_FILE_ACCESS);
	assert_int_equal(
	    sgx_create_enclave(enclave_file("empty.so", ""), 0, NULL, NULL, &eid, NULL),
	    SGX_ERROR_INVALID_ENCLAVE);
	setenv("DE_WINDOW_SIZE", "12", 1);
	assert_int_equal(sgx_create_enclave(file, 0, NULL, NULL, &eid, NULL),
	                 SGX_ERROR_INVALID_PARAMETER);
	setenv("DE_WINDOW_SIZE", "1M", 1); /* valid; but no call path has 64 slots */
	assert_int_equal(sgx_create_enclave(enclave_file("many.so", "enclave tcs=64 mode=ok"), 0,
	                                    NULL, NULL, &eid, NULL),
	                 SGX_ERROR_INVALID_METADATA);
	setenv("DE_WINDOW_SIZE", "2M", 1);
	setenv("DE_SPIN_US", "lots", 1); /* ignored, with a warning */
	assert_int_equal(sgx_create_enclave(file, 0, NULL, NULL, &eid, NULL), SGX_SUCCESS);
	int r;
	assert_int_equal(add(eid, 2, 2, &r), SGX_SUCCESS);
	assert_null(de_window_alloc(eid, 2u << 20)); /* more than the window's arena */
	assert_int_equal(sgx_destroy_enclave(eid), SGX_SUCCESS);
	unsetenv("DE_WINDOW_SIZE");
	unsetenv("DE_SPIN_US");
	assert_true(atomic_load(&svc.loads) >= loads + 1);

	/* No service there. */
	setenv("DE_RUNTIME_DIR", "/nonexistent/de", 1);
	assert_int_equal(sgx_create_enclave(file, 0, NULL, NULL, &eid, NULL), SGX_ERROR_NO_DEVICE);
	char longdir[200];
	memset(longdir, 'd', sizeof(longdir) - 1);
	longdir[0] = '/';
	longdir[sizeof(longdir) - 1] = 0;
	setenv("DE_RUNTIME_DIR", longdir, 1);
	assert_int_equal(sgx_create_enclave(file, 0, NULL, NULL, &eid, NULL), SGX_ERROR_NO_DEVICE);
	setenv("DE_RUNTIME_DIR", svc.dir, 1);
}

/* The EVM reports a fault while an ECALL waits: the ENCLAVES probe finds it. */
static void test_fault_in_call(void **state)
{
	(void)state;
	sgx_enclave_id_t eid = 0;
	assert_int_equal(sgx_create_enclave(enclave_file("f.so", "enclave tcs=1 mode=ok"), 0, NULL,
	                                    NULL, &eid, NULL),
	                 SGX_SUCCESS);
	int listings = atomic_load(&svc.listings);
	assert_int_equal(sgx_ecall(eid, E_FAULT, &ocalls, NULL), SGX_ERROR_ENCLAVE_CRASHED);
	assert_true(atomic_load(&svc.listings) > listings);
	int r;
	assert_int_equal(add(eid, 1, 1, &r), SGX_ERROR_ENCLAVE_CRASHED);
	assert_int_equal(sgx_destroy_enclave(eid), SGX_SUCCESS);
}

/* The service goes away while an ECALL waits. */
static void test_service_gone(void **state)
{
	(void)state;
	sgx_enclave_id_t eid = 0;
	assert_int_equal(sgx_create_enclave(enclave_file("g.so", "enclave tcs=1 mode=ok"), 0, NULL,
	                                    NULL, &eid, NULL),
	                 SGX_SUCCESS);
	pthread_mutex_lock(&svc.lock);
	int conn = svc.encs[svc.nencs - 1].conn;
	pthread_mutex_unlock(&svc.lock);
	shutdown(conn, SHUT_RDWR); /* as if the service stopped */
	assert_int_equal(sgx_ecall(eid, E_SLOW, &ocalls, NULL), SGX_ERROR_ENCLAVE_LOST);
	int r;
	assert_int_equal(add(eid, 1, 1, &r), SGX_ERROR_ENCLAVE_LOST);
	assert_int_equal(sgx_destroy_enclave(eid), SGX_SUCCESS); /* no SIGPIPE */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_create_call_destroy), cmocka_unit_test(test_two_enclaves),
	    cmocka_unit_test(test_switchless),          cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_local_errors),        cmocka_unit_test(test_fault_in_call),
	    cmocka_unit_test(test_service_gone),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
