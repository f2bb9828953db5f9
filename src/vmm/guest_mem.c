/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest_mem.h"
#include "util/log.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

/* Threads that populate guest memory at once, at most: each takes a part. */
#define POPULATE_THREADS_MAX 4
#define POPULATE_ALIGN       (2ull << 20)

struct populate_part {
	uint8_t *p;
	uint64_t n;
	int populate_err; /* errno of populating, 0 when done */
	int lock_err;     /* errno of mlock, 0 when locked */
};

/* Allocates every page of the part (as a write would) and locks it. */
static void *populate_part(void *arg)
{
	struct populate_part *w = arg;
	if (madvise(w->p, w->n, MADV_POPULATE_WRITE)) {
		w->populate_err = errno;
		if (w->populate_err == EINVAL) { /* a kernel before 5.14: touch it */
			w->populate_err = 0;
			for (uint64_t off = 0; off < w->n; off += 4096)
				((volatile uint8_t *)w->p)[off] = 0;
		}
	}
	/*
	 * The raw system call: sanitizer runtimes replace mlock() with a
	 * no-op, and the lock is a property we test.
	 */
	if (!w->populate_err && syscall(SYS_mlock, w->p, w->n))
		w->lock_err = errno;
	return NULL;
}

/* CPUs this process may run on, for the populate threads. */
static unsigned populate_threads(uint64_t bytes)
{
	cpu_set_t set;
	unsigned n = 1;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = (unsigned)CPU_COUNT(&set);
	if (n > POPULATE_THREADS_MAX)
		n = POPULATE_THREADS_MAX;
	while (n > 1 && bytes / n < POPULATE_ALIGN)
		n--;
	return n ? n : 1;
}

int guest_mem_create(struct guest_mem *m, uint64_t bytes, char *err, size_t errlen)
{
	memset(m, 0, sizeof(*m));
	m->memfd = memfd_create("de-evm-ram", MFD_CLOEXEC);
	if (m->memfd < 0) {
		snprintf(err, errlen, "cannot create guest memory: memfd_create: %s",
		         strerror(errno));
		return -errno;
	}
	if (ftruncate(m->memfd, (off_t)bytes)) {
		int e = errno;
		snprintf(err, errlen, "cannot size guest memory to %llu MiB: %s",
		         (unsigned long long)(bytes >> 20), strerror(e));
		close(m->memfd);
		return -e;
	}
	m->host = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, m->memfd, 0);
	if (m->host == MAP_FAILED) {
		int e = errno;
		snprintf(err, errlen, "cannot map %llu MiB of guest memory: %s; lower memory_mib",
		         (unsigned long long)(bytes >> 20), strerror(e));
		m->host = NULL;
		close(m->memfd);
		return -e;
	}
	m->size = bytes;
	m->low = bytes < GUEST_LOW_MAX ? bytes : GUEST_LOW_MAX;
	m->high = bytes - m->low;
	/* Secrets live here: never in a core dump, never in swap. */
	madvise(m->host, bytes, MADV_DONTDUMP);

	/*
	 * Populate and lock it all now, so that the guest never waits for the
	 * host to find a page. Page allocation is most of a boot's host part
	 * (docs/performance.md), so it is split between threads, one per CPU
	 * the service may use.
	 */
	struct populate_part parts[POPULATE_THREADS_MAX] = {{0}};
	pthread_t tids[POPULATE_THREADS_MAX];
	bool started[POPULATE_THREADS_MAX] = {false};
	unsigned n = populate_threads(bytes);
	uint64_t per = (bytes / n + POPULATE_ALIGN - 1) & ~(POPULATE_ALIGN - 1), off = 0;
	for (unsigned i = 0; i < n; i++) {
		uint64_t len = i == n - 1 || per > bytes - off ? bytes - off : per;
		parts[i] = (struct populate_part){m->host + off, len, 0, 0};
		off += len;
		started[i] = i > 0 && pthread_create(&tids[i], NULL, populate_part, &parts[i]) == 0;
		if (i > 0 && !started[i]) /* no thread: this one does it */
			populate_part(&parts[i]);
	}
	populate_part(&parts[0]);
	int populate_err = 0, lock_err = 0;
	for (unsigned i = 0; i < n; i++) {
		if (started[i])
			pthread_join(tids[i], NULL);
		if (!populate_err)
			populate_err = parts[i].populate_err;
		if (!lock_err)
			lock_err = parts[i].lock_err;
	}
	if (populate_err) {
		snprintf(err, errlen,
		         "cannot allocate %llu MiB of guest memory: %s; lower memory_mib or free "
		         "host memory",
		         (unsigned long long)(bytes >> 20), strerror(populate_err));
		munlock(m->host, bytes);
		munmap(m->host, bytes);
		close(m->memfd);
		m->host = NULL;
		return -populate_err;
	}
	if (!lock_err) {
		m->locked = true;
	} else {
		munlock(m->host, bytes); /* all or nothing */
		log_msg(LOG_LVL_WARN,
		        "cannot lock %llu MiB of guest memory (%s): it may be swapped out; run the "
		        "service as root or raise LimitMEMLOCK",
		        (unsigned long long)(bytes >> 20), strerror(lock_err));
	}
	return 0;
}

void guest_mem_destroy(struct guest_mem *m)
{
	if (!m->host)
		return;
	explicit_bzero(m->host, m->size);
	if (m->locked)
		munlock(m->host, m->size);
	munmap(m->host, m->size);
	close(m->memfd);
	m->host = NULL;
	m->memfd = -1;
}

void *guest_mem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	if (gpa < m->low) {
		if (len > m->low - gpa)
			return NULL;
		return m->host + gpa;
	}
	if (gpa >= GUEST_HIGH && gpa - GUEST_HIGH < m->high) {
		uint64_t off = gpa - GUEST_HIGH;
		if (len > m->high - off)
			return NULL;
		return m->host + m->low + off;
	}
	return NULL;
}
