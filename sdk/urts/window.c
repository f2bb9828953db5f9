/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The shared window: a memfd the application maps and the service maps into
 * the enclave at the same address, laid out as include/de/callslot.h says.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "de/boot.h"
#include "urts.h"

static uint64_t page_up(uint64_t n)
{
	return (n + DE_WINDOW_PAGE - 1) & ~(uint64_t)(DE_WINDOW_PAGE - 1);
}

int urts_window_layout(uint64_t size, uint32_t nr_slots, struct de_window_hdr *lay, char *why,
                       size_t whylen)
{
	if (!nr_slots || nr_slots > DE_WINDOW_MAX_SLOTS) {
		snprintf(why, whylen,
		         "the enclave has %u threads (TCSNum); the call path supports 1 to %u: "
		         "lower TCSNum in its Enclave.config.xml and sign it again",
		         nr_slots, DE_WINDOW_MAX_SLOTS);
		return -1;
	}
	if (size % DE_WINDOW_PAGE || size < DE_WINDOW_MIN_SIZE || size > DE_WINDOW_MAX) {
		snprintf(why, whylen,
		         "a shared window of %llu bytes is not possible: it must be a multiple of "
		         "4096 from 1 MiB to 16 GiB (DE_WINDOW_SIZE)",
		         (unsigned long long)size);
		return -1;
	}
	memset(lay, 0, sizeof(*lay));
	lay->magic = DE_WINDOW_MAGIC;
	lay->version = DE_WINDOW_VERSION;
	lay->nr_slots = nr_slots;
	lay->size = size;
	lay->slot_offset = DE_WINDOW_PAGE;
	lay->ocall_offset =
	    page_up(lay->slot_offset + (uint64_t)nr_slots * sizeof(struct de_call_slot));
	/* OCALL stacks take at most half the window: many slots get smaller ones. */
	uint64_t per = (size / 2 / nr_slots) & ~(uint64_t)(DE_WINDOW_PAGE - 1);
	lay->ocall_size = per < DE_OCALL_STACK_MIN       ? DE_OCALL_STACK_MIN
	                  : per > DE_OCALL_STACK_DEFAULT ? DE_OCALL_STACK_DEFAULT
	                                                 : per;
	lay->heap_offset = lay->ocall_offset + (uint64_t)nr_slots * lay->ocall_size;
	if (lay->heap_offset >= size) {
		uint64_t need = (lay->heap_offset + (1u << 20) + (1u << 20) - 1) >> 20;
		snprintf(why, whylen,
		         "a shared window of %llu KiB has no room left for call data after the %u "
		         "call slots and their OCALL stacks: set DE_WINDOW_SIZE to %lluM or more",
		         (unsigned long long)(size >> 10), nr_slots, (unsigned long long)need);
		return -1;
	}
	return 0;
}

uint64_t urts_window_size_parse(const char *value, char *why, size_t whylen)
{
	if (!value || !*value)
		return DE_WINDOW_DEFAULT_SIZE;
	char *end;
	errno = 0;
	unsigned long long n = strtoull(value, &end, 10);
	unsigned shift = 0;
	if (*end == 'k' || *end == 'K')
		shift = 10;
	else if (*end == 'm' || *end == 'M')
		shift = 20;
	else if (*end == 'g' || *end == 'G')
		shift = 30;
	if (shift)
		end++;
	if (errno || value[0] < '0' || value[0] > '9' || *end || n > (DE_WINDOW_MAX >> shift) ||
	    (n << shift) < DE_WINDOW_MIN_SIZE) {
		snprintf(why, whylen,
		         "DE_WINDOW_SIZE=%.40s is not a window size: give bytes from 1048576 to "
		         "17179869184, or with a suffix K, M or G (e.g. 64M)",
		         value);
		return 0;
	}
	return page_up((uint64_t)n << shift);
}

/*
 * Maps the memfd at a 2 MiB-aligned address: the EVM's kernel then maps the
 * window into the enclave with 2 MiB pages (a few page-table entries
 * instead of one per 4 KiB, each costly on PVM hosts).
 */
static void *map_aligned(int fd, uint64_t size)
{
	const uint64_t large = 2u << 20;
	uint8_t *r = mmap(NULL, size + large, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED)
		return MAP_FAILED;
	uint8_t *a = (uint8_t *)(((uintptr_t)r + large - 1) & ~(uintptr_t)(large - 1));
	void *p = mmap(a, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
	if (p == MAP_FAILED) {
		munmap(r, size + large);
		return MAP_FAILED;
	}
	if (a > r)
		munmap(r, (size_t)(a - r));
	if (r + size + large > a + size)
		munmap(a + size, (size_t)(r + size + large - (a + size)));
	return p;
}

sgx_status_t urts_window_open(uint64_t size, uint32_t nr_slots, uint32_t host_spin_us,
                              struct urts_window *w, char *why, size_t whylen)
{
	memset(w, 0, sizeof(*w));
	w->fd = -1;
	if (urts_window_layout(size, nr_slots, &w->lay, why, whylen))
		return SGX_ERROR_INVALID_PARAMETER;
	w->lay.host_spin_us = host_spin_us;

	w->fd = memfd_create("de_window", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (w->fd < 0) {
		snprintf(why, whylen,
		         "cannot create the shared window's memfd: %s: close unused files or raise "
		         "the open file limit",
		         strerror(errno));
		return SGX_ERROR_OUT_OF_MEMORY;
	}
	if (ftruncate(w->fd, (off_t)size)) {
		snprintf(why, whylen,
		         "cannot size the shared window to %llu MiB: %s: set a smaller "
		         "DE_WINDOW_SIZE",
		         (unsigned long long)(size >> 20), strerror(errno));
		urts_window_close(w);
		return SGX_ERROR_OUT_OF_MEMORY;
	}
	void *p = map_aligned(w->fd, size);
	if (p == MAP_FAILED) {
		snprintf(
		    why, whylen,
		    "cannot map the shared window (%llu MiB): %s: set a smaller DE_WINDOW_SIZE "
		    "or raise the address space limit",
		    (unsigned long long)(size >> 20), strerror(errno));
		urts_window_close(w);
		return SGX_ERROR_MEMORY_MAP_FAILURE;
	}
	w->base = p;
	w->size = size;
	/*
	 * A forked child must not share the parent's calls: it gets no copy
	 * of the window (its enclaves are lost to it, as with SGX).
	 */
	madvise(p, size, MADV_DONTFORK);
	/* The memfd is zero-filled: every slot is IDLE, ready and crashed are 0. */
	memcpy(w->base, &w->lay, sizeof(w->lay));
	return SGX_SUCCESS;
}

void urts_window_close_fd(struct urts_window *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

void urts_window_close(struct urts_window *w)
{
	urts_window_close_fd(w);
	if (w->base)
		munmap(w->base, w->size);
	w->base = NULL;
}
