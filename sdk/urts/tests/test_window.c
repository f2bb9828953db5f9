/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The shared window (window.c): the layout callslot.h prescribes, the
 * limits, DE_WINDOW_SIZE, and the memfd the service expects (sealable,
 * close-on-exec, the size it is told, mapped shared).
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "urts.h"

static void check_layout(const struct de_window_hdr *l, uint64_t size, uint32_t n)
{
	assert_int_equal(l->magic, DE_WINDOW_MAGIC);
	assert_int_equal(l->version, DE_WINDOW_VERSION);
	assert_int_equal(l->nr_slots, n);
	assert_int_equal(l->size, size);
	assert_int_equal(l->slot_offset, DE_WINDOW_PAGE);
	assert_int_equal(l->ocall_offset % DE_WINDOW_PAGE, 0);
	assert_true(l->ocall_offset >= l->slot_offset + n * sizeof(struct de_call_slot));
	assert_true(l->ocall_offset < l->slot_offset + n * sizeof(struct de_call_slot) +
	                                  DE_WINDOW_PAGE); /* the next page, not later */
	/* OCALL stacks: half the window at most, 16 KiB .. 256 KiB each. */
	uint64_t per = (size / 2 / n) & ~(uint64_t)(DE_WINDOW_PAGE - 1);
	uint64_t want = per < DE_OCALL_STACK_MIN       ? DE_OCALL_STACK_MIN
	                : per > DE_OCALL_STACK_DEFAULT ? DE_OCALL_STACK_DEFAULT
	                                               : per;
	assert_int_equal(l->ocall_size, want);
	assert_int_equal(l->ocall_size % DE_WINDOW_PAGE, 0);
	assert_int_equal(l->heap_offset, l->ocall_offset + (uint64_t)n * l->ocall_size);
	assert_true(l->heap_offset < size);
	assert_int_equal(l->ready, 0);
	assert_int_equal(l->crashed, 0);
}

static void test_layout(void **state)
{
	(void)state;
	struct de_window_hdr l;
	char why[256];
	static const uint32_t slots[] = {1, 2, 31, 32, 33, 63};
	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
		assert_int_equal(
		    urts_window_layout(DE_WINDOW_DEFAULT_SIZE, slots[i], &l, why, sizeof(why)), 0);
		check_layout(&l, DE_WINDOW_DEFAULT_SIZE, slots[i]);
	}
	assert_int_equal(urts_window_layout(DE_WINDOW_MIN_SIZE, 1, &l, why, sizeof(why)), 0);
	check_layout(&l, DE_WINDOW_MIN_SIZE, 1);
	assert_int_equal(l.ocall_offset, 8192);
	assert_int_equal(l.heap_offset, 8192 + DE_OCALL_STACK_DEFAULT);
}

static void test_layout_limits(void **state)
{
	(void)state;
	struct de_window_hdr l;
	char why[256];
	assert_int_equal(urts_window_layout(DE_WINDOW_DEFAULT_SIZE, 0, &l, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "TCSNum"));
	assert_int_equal(urts_window_layout(DE_WINDOW_DEFAULT_SIZE, 64, &l, why, sizeof(why)), -1);
	assert_int_equal(urts_window_layout(DE_WINDOW_MIN_SIZE + 1, 1, &l, why, sizeof(why)), -1);
	assert_int_equal(urts_window_layout(DE_WINDOW_MIN_SIZE - 4096, 1, &l, why, sizeof(why)),
	                 -1);
	assert_int_equal(urts_window_layout((16ull << 30) + 4096, 1, &l, why, sizeof(why)), -1);
	assert_int_equal(urts_window_layout(16ull << 30, 63, &l, why, sizeof(why)), 0);
	/* Many slots in a small window get the smallest OCALL stacks, and still an arena. */
	assert_int_equal(urts_window_layout(DE_WINDOW_MIN_SIZE, 63, &l, why, sizeof(why)), 0);
	assert_int_equal(l.ocall_size, DE_OCALL_STACK_MIN);
	assert_true(l.heap_offset < DE_WINDOW_MIN_SIZE);
}

static void test_size_parse(void **state)
{
	(void)state;
	char why[256];
	assert_int_equal(urts_window_size_parse(NULL, why, sizeof(why)), DE_WINDOW_DEFAULT_SIZE);
	assert_int_equal(urts_window_size_parse("", why, sizeof(why)), DE_WINDOW_DEFAULT_SIZE);
	assert_int_equal(urts_window_size_parse("1048576", why, sizeof(why)), 1048576);
	assert_int_equal(urts_window_size_parse("1048577", why, sizeof(why)), 1048576 + 4096);
	assert_int_equal(urts_window_size_parse("64M", why, sizeof(why)), 64u << 20);
	assert_int_equal(urts_window_size_parse("2048k", why, sizeof(why)), 2u << 20);
	assert_int_equal(urts_window_size_parse("1G", why, sizeof(why)), 1u << 30);
	assert_int_equal(urts_window_size_parse("16g", why, sizeof(why)), 16ull << 30);
	static const char *bad[] = {"17G",         "1023K", "0",    "-1",
	                            "abc",         "64MB",  "64 M", "99999999999999999999999",
	                            "17179869185", " 2M"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = 0;
		if (urts_window_size_parse(bad[i], why, sizeof(why)))
			fail_msg("accepted DE_WINDOW_SIZE=%s", bad[i]);
		assert_non_null(strstr(why, "DE_WINDOW_SIZE"));
	}
}

static void test_open(void **state)
{
	(void)state;
	struct urts_window w;
	char why[256];
	assert_int_equal(urts_window_open(8u << 20, 3, 123, &w, why, sizeof(why)), SGX_SUCCESS);
	assert_non_null(w.base);
	assert_int_equal((uintptr_t)w.base % DE_WINDOW_PAGE, 0);
	assert_int_equal(w.size, 8u << 20);
	assert_true(w.fd >= 0);

	/* The header in the window is the application's copy. */
	const struct de_window_hdr *h = (const struct de_window_hdr *)w.base;
	check_layout(h, 8u << 20, 3);
	assert_int_equal(h->host_spin_us, 123);
	assert_memory_equal(h, &w.lay, sizeof(*h));
	const struct de_call_slot *s = (const struct de_call_slot *)(w.base + h->slot_offset);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(s[i].state, DE_SLOT_IDLE);
		assert_int_equal(s[i].owner, 0);
	}

	/* What the service checks: close-on-exec, the size, sealable, shared. */
	assert_true(fcntl(w.fd, F_GETFD) & FD_CLOEXEC);
	struct stat st;
	assert_int_equal(fstat(w.fd, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 8u << 20);
	assert_int_equal(fcntl(w.fd, F_GET_SEALS), 0);
	assert_int_equal(fcntl(w.fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	uint8_t *other = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, w.fd, 0);
	assert_true(other != MAP_FAILED);
	other[4000] = 0x42;
	assert_int_equal(w.base[4000], 0x42);
	munmap(other, 4096);

	urts_window_close_fd(&w);
	assert_int_equal(w.fd, -1);
	w.base[w.size - 1] = 1; /* still mapped */
	uint8_t *base = w.base;
	urts_window_close(&w);
	assert_null(w.base);
	assert_int_equal(msync(base, 4096, MS_ASYNC), -1); /* unmapped */
}

static void test_open_refused(void **state)
{
	(void)state;
	struct urts_window w;
	char why[256];
	assert_int_equal(urts_window_open(DE_WINDOW_MIN_SIZE, 64, 0, &w, why, sizeof(why)),
	                 SGX_ERROR_INVALID_PARAMETER);
	assert_null(w.base);
	assert_int_equal(w.fd, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_layout),       cmocka_unit_test(test_layout_limits),
	    cmocka_unit_test(test_size_parse),   cmocka_unit_test(test_open),
	    cmocka_unit_test(test_open_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
