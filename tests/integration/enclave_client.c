/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test application for the enclave requests of control.sock. Loads enclave
 * images, starts them and waits until each has exited or crashed, printing
 * one line per enclave:
 *
 *   enclave ID (FILE): exited STATUS | crashed vector N | STATE
 *
 * Usage:
 *   enclave_client RUNDIR [options] --run FILE[:ARG] [--run ...]
 *
 *   --debug        load debug enclaves (their output reaches the console)
 *   --heap BYTES   heap per enclave (default 16 MiB)
 *   --no-wait      do not wait for the enclaves to stop
 *   --hold         keep the connection (and so the enclaves) until stdin closes
 *   --cycles N     load and destroy the first image N times; print the
 *                  median, 90th and 99th percentile and worst time of one
 *                  load + destroy. With --baseline FILE, FILE (a minimal
 *                  enclave) is measured the same way first, in the same run
 *   --window       share a 16 KiB memfd window with the first enclave,
 *                  start it with the window's address as ARG and play the
 *                  host side of tests/enclaves/window.c
 *   --malformed    send malformed requests; check that each is refused with
 *                  an error and that the service still works afterwards
 *
 * Exit status: 0 when every enclave ended (or, with --window and
 * --malformed, when the check passed), non-zero otherwise.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "de/control.h"
#include "de/enclave_meta.h"
#include "de/evm_proto.h"
#include "de/manager_abi.h"

static const char *rundir;

static int ctl_connect(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/control.sock", rundir);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "enclave_client: connect %s: %s\n", sa.sun_path, strerror(errno));
		exit(1);
	}
	return fd;
}

static int full_write(int fd, const void *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			return -1;
		p = (const char *)p + w;
		n -= (size_t)w;
	}
	return 0;
}

static int full_read(int fd, void *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r <= 0)
			return -1;
		p = (char *)p + r;
		n -= (size_t)r;
	}
	return 0;
}

/* Reads one response; returns its payload (malloc'd, NUL-terminated). */
static char *response(int fd, uint16_t *status, uint32_t *rlen)
{
	struct de_ctl_resp resp;
	if (full_read(fd, &resp, sizeof(resp)) || resp.magic != DE_CTL_MAGIC ||
	    resp.len > DE_CTL_MAX_PAYLOAD)
		return NULL;
	char *p = calloc(1, resp.len + 1);
	if (!p || full_read(fd, p, resp.len)) {
		free(p);
		return NULL;
	}
	*status = resp.status;
	*rlen = resp.len;
	return p;
}

/* One request/response that must succeed; exits otherwise. */
static char *call(int fd, uint16_t op, const void *a, size_t alen, const void *b, size_t blen,
                  uint32_t *rlen)
{
	struct de_ctl_req req = {.magic = DE_CTL_MAGIC,
	                         .version = DE_CTL_VERSION,
	                         .op = op,
	                         .len = (uint32_t)(alen + blen)};
	uint16_t status;
	char *p;
	if (full_write(fd, &req, sizeof(req)) || (alen && full_write(fd, a, alen)) ||
	    (blen && full_write(fd, b, blen)) || !(p = response(fd, &status, rlen))) {
		fprintf(stderr, "enclave_client: the service closed the connection\n");
		exit(1);
	}
	if (status != DE_CTL_OK) {
		fprintf(stderr, "enclave_client: refused: %s\n", p);
		exit(1);
	}
	return p;
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "enclave_client: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *buf = malloc((size_t)n);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		exit(1);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static double ms_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

static uint32_t load(int fd, const char *path, int debug, uint64_t heap)
{
	size_t len;
	uint8_t *img = read_file(path, &len);
	struct de_req_load req = {
	    .flags = debug ? DE_LOAD_DEBUG : 0,
	    .nr_threads = 1,
	    .heap_size = heap,
	    .stack_size = 256 * 1024,
	    .image_len = len,
	};
	const char *base = strrchr(path, '/');
	snprintf(req.name, sizeof(req.name), "%s", base ? base + 1 : path);
	uint32_t rlen;
	char *p = call(fd, DE_CTL_LOAD, &req, sizeof(req), img, len, &rlen);
	struct de_reply_load rep;
	memcpy(&rep, p, sizeof(rep));
	free(p);
	free(img);
	if (rep.status) {
		printf("load %s: refused with status %d: %s: %s\n", path, rep.status,
		       de_sgx_name(rep.sgx_status),
		       rep.reason < DE_R_COUNT ? de_reason_text((enum de_reason)rep.reason) : "?");
		exit(2);
	}
	if (getenv("ENCLAVE_CLIENT_IDENTITY")) { /* MRENCLAVE as loaded, for the tests */
		printf("loaded %s: mrenclave ", path);
		for (int i = 0; i < 32; i++)
			printf("%02x", rep.identity.mrenclave[i]);
		printf("\n");
	}
	return rep.id;
}

static int32_t simple(int fd, uint16_t op, uint32_t id, uint64_t arg)
{
	struct de_req_enclave r = {.id = id, .arg = arg};
	uint32_t rlen;
	char *p = call(fd, op, &r, sizeof(r), NULL, 0, &rlen);
	struct de_reply_status st;
	memcpy(&st, p, sizeof(st));
	free(p);
	return st.status;
}

/* The entry for enclave id in the service's list, or NULL (caller decrefs *all). */
static json_t *entry_of(uint32_t id, json_t **all)
{
	int fd = ctl_connect();
	uint32_t rlen;
	char *text = call(fd, DE_CTL_ENCLAVES, NULL, 0, NULL, 0, &rlen);
	close(fd);
	*all = json_loads(text, 0, NULL);
	free(text);
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(*all, "enclaves"), i, e)
	{
		if (json_integer_value(json_object_get(e, "id")) == id)
			return e;
	}
	return NULL;
}

/* Waits until enclave id stops; prints its line; 0 when it stopped. */
static int wait_enclave(uint32_t id, const char *what)
{
	char line[128] = "gone";
	int rc = 4;
	for (int tries = 0; tries < 3000; tries++) {
		json_t *all, *e = entry_of(id, &all);
		const char *st = e ? json_string_value(json_object_get(e, "state")) : NULL;
		if (!st) {
			json_decref(all);
			break;
		}
		snprintf(line, sizeof(line), "%s", st);
		if (!strcmp(st, "exited") || !strcmp(st, "crashed")) {
			json_t *x = json_object_get(e, "exit_code");
			if (x)
				snprintf(line, sizeof(line), "exited %lld",
				         (long long)json_integer_value(x));
			else if ((x = json_object_get(e, "fault_vector")))
				snprintf(line, sizeof(line), "crashed vector %lld",
				         (long long)json_integer_value(x));
			rc = 0;
			json_decref(all);
			break;
		}
		json_decref(all);
		usleep(10000);
	}
	printf("enclave %u (%s): %s\n", id, what, line);
	return rc;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Loads and destroys path n times; prints the distribution of one cycle. */
static int cycles_run(int fd, const char *path, int debug, uint64_t heap, long n)
{
	double *ms = calloc((size_t)n, sizeof(double));
	if (!ms)
		return 1;
	for (long i = 0; i < n; i++) {
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		uint32_t id = load(fd, path, debug, heap);
		if (simple(fd, DE_CTL_DESTROY, id, 0)) {
			printf("destroy %u failed\n", id);
			return 3;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms[i] = ms_between(&t0, &t1);
	}
	qsort(ms, (size_t)n, sizeof(double), cmp_double);
	const char *base = strrchr(path, '/');
	printf(
	    "load+destroy %-12s %4ld cycles: median %7.2f ms  p90 %7.2f  p99 %7.2f  worst %7.2f\n",
	    base ? base + 1 : path, n, ms[n / 2], ms[n * 9 / 10], ms[n * 99 / 100], ms[n - 1]);
	free(ms);
	return 0;
}

/* ---- shared window ------------------------------------------------------ */

#define WINDOW_SIZE 16384u

/*
 * Sends WINDOW (header and payload in one message, with the memfd).
 * Returns 0 when the window was attached, else 1 with the reason in why.
 */
static int window_req(int fd, uint32_t id, uint64_t va, uint64_t size, int mfd, char *why,
                      size_t whylen)
{
	struct {
		struct de_ctl_req h;
		struct de_ctl_window w;
	} msg = {.h = {.magic = DE_CTL_MAGIC,
	               .version = DE_CTL_VERSION,
	               .op = DE_CTL_WINDOW,
	               .len = sizeof(struct de_ctl_window)},
	         .w = {.id = id, .va = va, .size = size}};
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = {.iov_base = &msg, .iov_len = sizeof(msg)};
	struct msghdr m = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.space, .msg_controllen = sizeof(u)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &mfd, sizeof(int));
	if (sendmsg(fd, &m, 0) != (ssize_t)sizeof(msg)) {
		snprintf(why, whylen, "sendmsg: %s", strerror(errno));
		return 1;
	}
	uint16_t status;
	uint32_t rlen;
	char *p = response(fd, &status, &rlen);
	if (!p) {
		snprintf(why, whylen, "the service closed the connection");
		return 1;
	}
	int rc = 0;
	if (status != DE_CTL_OK) {
		snprintf(why, whylen, "refused by the service: %s", p);
		rc = 1;
	} else {
		struct de_reply_status rs = {.status = -1};
		memcpy(&rs, p, rlen < sizeof(rs) ? rlen : sizeof(rs));
		snprintf(why, whylen, "refused by the manager with status %d", rs.status);
		rc = rs.status != 0;
	}
	free(p);
	return rc;
}

static int window_run(int fd, const char *path, int debug, uint64_t heap)
{
	int mfd = memfd_create("de-test-window", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (mfd < 0 || ftruncate(mfd, WINDOW_SIZE)) {
		perror("enclave_client: memfd");
		return 1;
	}
	uint8_t *w = mmap(NULL, WINDOW_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (w == MAP_FAILED) {
		perror("enclave_client: mmap");
		return 1;
	}
	uint64_t want = 0;
	memcpy(w, "host", 4);
	for (uint32_t i = 4; i < 4096; i++) {
		w[i] = (uint8_t)(i * 7 + 3);
		want += w[i];
	}
	uint32_t id = load(fd, path, debug, heap);

	/* Windows the service or the manager must refuse, on an enclave we own. */
	int pfd[2];
	int plain = memfd_create("de-test-plain", MFD_CLOEXEC); /* no sealing allowed */
	int small = memfd_create("de-test-small", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (pipe(pfd) || plain < 0 || small < 0 || ftruncate(plain, WINDOW_SIZE) ||
	    ftruncate(small, 4096)) {
		perror("enclave_client: test descriptors");
		return 1;
	}
	const struct {
		const char *what;
		int fd;
		uint64_t va, size;
	} bad[] = {
	    {"a pipe", pfd[0], (uintptr_t)w, WINDOW_SIZE},
	    {"a memfd without sealing", plain, (uintptr_t)w, WINDOW_SIZE},
	    {"a memfd smaller than the window", small, (uintptr_t)w, WINDOW_SIZE},
	    {"a size that is not a page multiple", mfd, (uintptr_t)w, 1000},
	    {"an unaligned address", mfd, (uintptr_t)w + 8, WINDOW_SIZE},
	    {"an address in the kernel half", mfd, 0xffff800000000000ull, WINDOW_SIZE},
	    {"an address inside the enclave", mfd, 0x20000000000ull, WINDOW_SIZE},
	    {"an address on the thread save areas", mfd, DE_THREAD_AREA_BASE, WINDOW_SIZE},
	};
	int failed = 0;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char why[256];
		int r = window_req(fd, id, bad[i].va, bad[i].size, bad[i].fd, why, sizeof(why));
		printf("window with %-36s: %s\n", bad[i].what, r ? why : "ACCEPTED");
		failed |= !r;
	}
	close(pfd[0]);
	close(pfd[1]);
	close(plain);
	close(small);
	if (failed)
		return 1;

	char why[256];
	if (window_req(fd, id, (uintptr_t)w, WINDOW_SIZE, mfd, why, sizeof(why))) {
		printf("window: refused: %s\n", why);
		return 1;
	}
	close(mfd);
	/*
	 * A malformed DESTROY of our own enclave is refused by the service and
	 * leaves the enclave (and its window) alone; so do queries on the same
	 * connection.
	 */
	{
		struct de_req_enclave bad_destroy = {.id = id, .arg = 5};
		uint32_t rlen;
		char *p =
		    call(fd, DE_CTL_DESTROY, &bad_destroy, sizeof(bad_destroy), NULL, 0, &rlen);
		struct de_reply_status rs;
		memcpy(&rs, p, sizeof(rs));
		free(p);
		if (rs.status != DE_ST_EINVAL) {
			printf("window: DESTROY with an argument got status %d, not EINVAL\n",
			       rs.status);
			return 1;
		}
		free(call(fd, DE_CTL_ENCLAVES, NULL, 0, NULL, 0, &rlen));
		free(call(fd, DE_CTL_STATS, NULL, 0, NULL, 0, &rlen));
		free(call(fd, DE_CTL_STATUS, NULL, 0, NULL, 0, &rlen));
		printf("window: malformed DESTROY refused; queries kept the connection\n");
	}
	int32_t st = simple(fd, DE_CTL_START, id, (uint64_t)(uintptr_t)w);
	if (st) {
		printf("start %u: status %d\n", id, st);
		return 3;
	}

	/* The enclave's answer appears in our own mapping. */
	volatile uint8_t *answer = w + 8192;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (memcmp((const void *)answer, "enclave", 8)) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (ms_between(&t0, &t) > 20000) {
			printf("window: no answer from the enclave\n");
			return 1;
		}
		usleep(1000);
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	uint64_t sum;
	memcpy(&sum, (const void *)(answer + 8), sizeof(sum));
	printf("window: enclave read the host's data (sum %llu, expected %llu)\n",
	       (unsigned long long)sum, (unsigned long long)want);
	volatile uint32_t *flag = (volatile uint32_t *)(w + 12288);
	__atomic_store_n(flag, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) != 2) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (ms_between(&t0, &t) > 20000) {
			printf("window: the enclave did not answer the flag\n");
			return 1;
		}
		usleep(1000);
	}
	printf("window: flag round trip ok\n");
	int rc = wait_enclave(id, path);
	return rc || sum != want;
}

/* ---- malformed requests -------------------------------------------------- */

/*
 * Sends raw bytes on a fresh connection (with a descriptor when
 * fd_to_pass >= 0); returns 0 when the service refused them with an error
 * status, an error reply from the manager, or (only when incomplete is
 * set: the request never ends) by closing the connection after we do.
 */
static int refused(const char *what, const void *bytes, size_t n, int fd_to_pass, int incomplete)
{
	int fd = ctl_connect();
	struct iovec iov = {.iov_base = (void *)bytes, .iov_len = n};
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
	if (fd_to_pass >= 0) {
		m.msg_control = u.space;
		m.msg_controllen = sizeof(u);
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd_to_pass, sizeof(int));
	}
	if (sendmsg(fd, &m, MSG_NOSIGNAL) != (ssize_t)n) {
		close(fd);
		printf("malformed %-32s: FAILED to send\n", what);
		return 1;
	}
	if (incomplete)
		shutdown(fd, SHUT_WR); /* the rest never comes */
	uint16_t status = 0;
	uint32_t rlen = 0;
	char *p = response(fd, &status, &rlen);
	close(fd);
	int ok;
	if (!p) {
		ok = incomplete;
		printf("malformed %-32s: connection closed%s\n", what, ok ? "" : "  <-- NO ANSWER");
	} else if (status != DE_CTL_OK) {
		ok = 1;
		printf("malformed %-32s: refused (%u): %s\n", what, status, p);
	} else if (rlen >= sizeof(int32_t)) {
		int32_t st;
		memcpy(&st, p, sizeof(st));
		ok = st != 0;
		printf("malformed %-32s: status %d%s\n", what, st, ok ? "" : "  <-- ACCEPTED");
	} else {
		ok = 0;
		printf("malformed %-32s: ACCEPTED\n", what);
	}
	free(p);
	return !ok;
}

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static int malformed_run(void)
{
	int bad = 0;
	struct de_ctl_req h = {.magic = DE_CTL_MAGIC, .version = DE_CTL_VERSION};
	uint8_t buf[4096];

	/* Header-level problems. */
	struct de_ctl_req r = h;
	r.op = DE_CTL_STATUS;
	r.magic = 0x12345678;
	bad += refused("bad magic", &r, sizeof(r), -1, 0);
	r = h;
	r.op = DE_CTL_STATUS;
	r.version = 99;
	bad += refused("wrong version", &r, sizeof(r), -1, 0);
	r = h;
	r.op = 250;
	bad += refused("unknown operation", &r, sizeof(r), -1, 0);
	r = h;
	r.op = DE_CTL_LOAD;
	r.len = 0xffffffffu;
	bad += refused("oversized LOAD length", &r, sizeof(r), -1, 0);
	r = h;
	r.op = DE_CTL_START;
	r.len = 4;
	bad += refused("short START payload", &r, sizeof(r), -1, 0);
	bad += refused("truncated header", &h, 7, -1, 1);

	/* LOAD whose payload is present but wrong. */
	struct de_req_load lr = {.nr_threads = 1, .stack_size = 65536, .heap_size = 65536};
	uint8_t junk[256];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 131 + 7);
	lr.image_len = sizeof(junk);
	snprintf(lr.name, sizeof(lr.name), "junk");
	r = h;
	r.op = DE_CTL_LOAD;
	r.len = (uint32_t)(sizeof(lr) + sizeof(junk));
	memcpy(buf, &r, sizeof(r));
	memcpy(buf + sizeof(r), &lr, sizeof(lr));
	memcpy(buf + sizeof(r) + sizeof(lr), junk, sizeof(junk));
	bad += refused("LOAD of random bytes", buf, sizeof(r) + sizeof(lr) + sizeof(junk), -1, 0);
	struct de_req_load l2 = lr;
	l2.image_len = 1000; /* disagrees with the payload */
	memcpy(buf + sizeof(r), &l2, sizeof(l2));
	bad += refused("LOAD with a wrong image_len", buf, sizeof(r) + sizeof(lr) + sizeof(junk),
	               -1, 0);
	l2 = lr;
	l2.nr_threads = 0;
	memcpy(buf + sizeof(r), &l2, sizeof(l2));
	bad += refused("LOAD with 0 threads", buf, sizeof(r) + sizeof(lr) + sizeof(junk), -1, 0);
	l2 = lr;
	memset(l2.name, 'x', sizeof(l2.name)); /* unterminated */
	memcpy(buf + sizeof(r), &l2, sizeof(l2));
	bad += refused("LOAD with an unterminated name", buf, sizeof(r) + sizeof(lr) + sizeof(junk),
	               -1, 0);
	r.len = (uint32_t)(sizeof(lr) + sizeof(junk) + 100); /* promised more than sent */
	memcpy(buf, &r, sizeof(r));
	memcpy(buf + sizeof(r), &lr, sizeof(lr));
	bad += refused("truncated LOAD payload", buf, sizeof(r) + sizeof(lr) + sizeof(junk), -1, 1);

	/* Enclave requests for enclaves this connection does not own. */
	struct de_req_enclave er = {.id = 1};
	r = h;
	r.op = DE_CTL_START;
	r.len = sizeof(er);
	memcpy(buf, &r, sizeof(r));
	memcpy(buf + sizeof(r), &er, sizeof(er));
	bad += refused("START of someone else's id", buf, sizeof(r) + sizeof(er), -1, 0);
	er.reserved = 1;
	memcpy(buf + sizeof(r), &er, sizeof(er));
	bad += refused("START with reserved bits", buf, sizeof(r) + sizeof(er), -1, 0);
	er.reserved = 0;
	er.id = 0xffffffffu;
	memcpy(buf + sizeof(r), &er, sizeof(er));
	bad += refused("START of id 0xffffffff", buf, sizeof(r) + sizeof(er), -1, 0);

	/* Windows: no descriptor, a descriptor that is not a memfd. */
	struct de_ctl_window wr = {.id = 1, .va = 0x7f0000000000ull, .size = 4096};
	r = h;
	r.op = DE_CTL_WINDOW;
	r.len = sizeof(wr);
	memcpy(buf, &r, sizeof(r));
	memcpy(buf + sizeof(r), &wr, sizeof(wr));
	bad += refused("WINDOW without a memfd", buf, sizeof(r) + sizeof(wr), -1, 0);
	bad += refused("WINDOW of someone else's id", buf, sizeof(r) + sizeof(wr), STDIN_FILENO, 0);

	/* Random bytes, then random payloads behind valid headers. */
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (int k = 0; k < 8; k++) {
		for (size_t i = 0; i < 64; i++)
			buf[i] = (uint8_t)xorshift(&x);
		bad += refused("random bytes", buf, 64, -1, 1);
	}
	static const struct {
		uint16_t op;
		uint32_t len;
	} shapes[] = {
	    {DE_CTL_LOAD, sizeof(struct de_req_load) + 64},
	    {DE_CTL_START, sizeof(struct de_req_enclave)},
	    {DE_CTL_DESTROY, sizeof(struct de_req_enclave)},
	    {DE_CTL_WINDOW, sizeof(struct de_ctl_window)},
	};
	for (size_t k = 0; k < sizeof(shapes) / sizeof(shapes[0]); k++)
		for (int t = 0; t < 4; t++) {
			r = h;
			r.op = shapes[k].op;
			r.len = shapes[k].len;
			memcpy(buf, &r, sizeof(r));
			for (size_t i = 0; i < shapes[k].len; i++)
				buf[sizeof(r) + i] = (uint8_t)xorshift(&x);
			char what[48];
			snprintf(what, sizeof(what), "random op %u payload", shapes[k].op);
			bad += refused(what, buf, sizeof(r) + shapes[k].len, -1, 0);
		}
	return bad;
}

int main(int argc, char **argv)
{
	const char *runs[16], *baseline = NULL;
	int nruns = 0, debug = 0, wait = 1, hold = 0, window = 0, malformed = 0;
	long cycles = 0;
	uint64_t heap = 16u << 20;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--run") && i + 1 < argc && nruns < 16)
			runs[nruns++] = argv[++i];
		else if (!strcmp(argv[i], "--debug"))
			debug = 1;
		else if (!strcmp(argv[i], "--no-wait"))
			wait = 0;
		else if (!strcmp(argv[i], "--hold"))
			hold = 1;
		else if (!strcmp(argv[i], "--window"))
			window = 1;
		else if (!strcmp(argv[i], "--malformed"))
			malformed = 1;
		else if (!strcmp(argv[i], "--heap") && i + 1 < argc)
			heap = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--baseline") && i + 1 < argc)
			baseline = argv[++i];
		else if (!strcmp(argv[i], "--cycles") && i + 1 < argc)
			cycles = strtol(argv[++i], NULL, 10);
		else if (!rundir && argv[i][0] != '-')
			rundir = argv[i];
		else {
			fprintf(stderr,
			        "usage: enclave_client RUNDIR [--debug] [--heap N] [--no-wait] "
			        "[--hold] [--cycles N [--baseline FILE]] [--window] [--malformed] "
			        "--run FILE[:ARG]...\n");
			return 2;
		}
	}
	if (!rundir || (!nruns && !malformed))
		return 2;
	if (malformed)
		return malformed_run() ? 1 : 0;
	int fd = ctl_connect();
	if (cycles > 0) {
		if (baseline && cycles_run(fd, baseline, debug, heap, cycles))
			return 1;
		return cycles_run(fd, runs[0], debug, heap, cycles);
	}
	if (window)
		return window_run(fd, runs[0], debug, heap);

	uint32_t ids[16];
	for (int i = 0; i < nruns; i++) {
		char path[512];
		snprintf(path, sizeof(path), "%s", runs[i]);
		uint64_t arg = 0;
		char *colon = strrchr(path, ':');
		if (colon) {
			*colon = 0;
			arg = strtoull(colon + 1, NULL, 0);
		}
		ids[i] = load(fd, path, debug, heap);
		int32_t st = simple(fd, DE_CTL_START, ids[i], arg);
		if (st) {
			printf("start %u: status %d\n", ids[i], st);
			return 3;
		}
	}
	int rc = 0;
	for (int i = 0; wait && i < nruns; i++)
		rc |= wait_enclave(ids[i], runs[i]);
	if (hold) {
		char c;
		while (read(0, &c, 1) > 0)
			;
	}
	close(fd);
	return rc;
}
