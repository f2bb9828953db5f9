/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest_mem.h"
#include "util/log.h"

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
	m->host = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, m->memfd, 0);
	if (m->host == MAP_FAILED) {
		int e = errno;
		snprintf(err, errlen, "cannot map %llu MiB of guest memory: %s; lower memory_mib",
		         (unsigned long long)(bytes >> 20), strerror(e));
		close(m->memfd);
		return -e;
	}
	m->size = bytes;
	m->low = bytes < GUEST_LOW_MAX ? bytes : GUEST_LOW_MAX;
	m->high = bytes - m->low;
	/* Secrets live here: never in a core dump, never in swap. */
	madvise(m->host, bytes, MADV_DONTDUMP);
	/*
	 * The raw system call: sanitizer runtimes replace mlock() with a
	 * no-op, and the lock is a property we test.
	 */
	if (syscall(SYS_mlock, m->host, bytes) == 0) {
		m->locked = true;
	} else {
		log_msg(LOG_LVL_WARN,
		        "cannot lock %llu MiB of guest memory (%s): it may be swapped out; run the "
		        "service as root or raise LimitMEMLOCK",
		        (unsigned long long)(bytes >> 20), strerror(errno));
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
