/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The trusted runtime's pure logic (sdk/trts/trts_core.c) and mbusafecrt
 * functions (trts_string.c), on the host against a fake window: header
 * checks one field at a time and a random sweep checked against the
 * layout's invariants, pointer classification, the OCALL stack allocator,
 * ECALL admission, running ECALLs (nested included) and the waiting
 * decisions.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "de/manager_abi.h"
#include "mbusafecrt.h"
#include "trts_core.h"

#define PAGE     4096ull
#define KiB      1024ull
#define MiB      (1024ull * KiB)
#define USER_MIN 0x0000008000000000ull
#define FAKE_W   0x0000100000000000ull /* a window address for header-only checks */

static const struct de_trts_range enclave = {0x0000020000000000ull, 0x0000030000000000ull};

static struct de_window_hdr good_hdr(uint32_t slots)
{
	struct de_window_hdr h;
	memset(&h, 0, sizeof(h));
	h.magic = DE_WINDOW_MAGIC;
	h.version = DE_WINDOW_VERSION;
	h.nr_slots = slots;
	h.slot_offset = PAGE;
	h.ocall_offset = PAGE + ((slots * sizeof(struct de_call_slot) + PAGE - 1) & ~(PAGE - 1));
	h.ocall_size = DE_OCALL_STACK_MIN;
	h.heap_offset = h.ocall_offset + slots * h.ocall_size;
	h.size = h.heap_offset + DE_WINDOW_MIN_SIZE;
	return h;
}

static int check(const struct de_window_hdr *h)
{
	struct de_trts_window w;
	return de_trts_check_window(FAKE_W, h, &enclave, &w);
}

/* ---- window address and header ------------------------------------------------------- */

static void test_base(void **state)
{
	(void)state;
	assert_int_equal(de_trts_check_base(0, &enclave), DE_TRTS_EXIT_NO_WINDOW);
	assert_int_equal(de_trts_check_base(FAKE_W + 8, &enclave), DE_TRTS_EXIT_NO_WINDOW);
	assert_int_equal(de_trts_check_base(FAKE_W, &enclave), 0);
	assert_int_equal(de_trts_check_base(USER_MIN - PAGE, &enclave), DE_TRTS_EXIT_PLACEMENT);
	assert_int_equal(de_trts_check_base(USER_MIN, &enclave), 0);
	assert_int_equal(de_trts_check_base(enclave.lo, &enclave), DE_TRTS_EXIT_PLACEMENT);
	assert_int_equal(de_trts_check_base(enclave.hi - PAGE, &enclave), DE_TRTS_EXIT_PLACEMENT);
	assert_int_equal(de_trts_check_base(enclave.hi, &enclave), 0);
	assert_int_equal(de_trts_check_base(enclave.lo - PAGE, &enclave), 0);
	assert_int_equal(de_trts_check_base(DE_THREAD_AREA_BASE, &enclave), DE_TRTS_EXIT_PLACEMENT);
	assert_int_equal(de_trts_check_base(DE_THREAD_AREA_END - PAGE, &enclave),
	                 DE_TRTS_EXIT_PLACEMENT);
	assert_int_equal(de_trts_check_base(DE_THREAD_AREA_END, &enclave), 0);
	assert_int_equal(de_trts_check_base(DE_SYSCALL_TRAMPOLINE, &enclave),
	                 DE_TRTS_EXIT_PLACEMENT);
	assert_int_equal(de_trts_check_base(DE_SYSCALL_TRAMPOLINE - PAGE, &enclave), 0);
	assert_int_equal(de_trts_check_base(0xffff800000000000ull, &enclave),
	                 DE_TRTS_EXIT_PLACEMENT);
}

static void test_good_header(void **state)
{
	(void)state;
	for (uint32_t n = 1; n <= DE_WINDOW_MAX_SLOTS; n++) {
		struct de_window_hdr h = good_hdr(n);
		struct de_trts_window w;
		memset(&w, 0xa5, sizeof(w));
		assert_int_equal(de_trts_check_window(FAKE_W, &h, &enclave, &w), 0);
		assert_int_equal(w.base, FAKE_W);
		assert_int_equal(w.size, h.size);
		assert_int_equal(w.nr_slots, n);
		assert_int_equal(w.slot_offset, h.slot_offset);
		assert_int_equal(w.ocall_offset, h.ocall_offset);
		assert_int_equal(w.ocall_size, h.ocall_size);
		assert_int_equal(w.heap_offset, h.heap_offset);
	}
	/* The untrusted runtime's defaults. */
	struct de_window_hdr h = good_hdr(8);
	h.ocall_size = DE_OCALL_STACK_DEFAULT;
	h.heap_offset = h.ocall_offset + 8 * h.ocall_size;
	h.size = DE_WINDOW_DEFAULT_SIZE;
	assert_int_equal(check(&h), 0);
	/* The largest stacks. */
	h = good_hdr(1);
	h.ocall_size = DE_OCALL_STACK_MAX;
	h.heap_offset = h.ocall_offset + h.ocall_size;
	h.size = h.heap_offset + PAGE;
	assert_int_equal(check(&h), 0);
	/* The enclave's fields are not checked. */
	h = good_hdr(2);
	h.ready = 7;
	h.crashed = 9;
	h.host_spin_us = 12345;
	h.reserved = 1;
	assert_int_equal(check(&h), 0);
}

static void test_bad_fields(void **state)
{
	(void)state;
	struct de_window_hdr h;
	struct de_trts_window w;
	memset(&w, 0x5a, sizeof(w));
	struct de_trts_window untouched = w;

#define BAD(expr, status)                                                                          \
	do {                                                                                       \
		h = good_hdr(4);                                                                   \
		expr;                                                                              \
		assert_int_equal(de_trts_check_window(FAKE_W, &h, &enclave, &w), status);          \
		assert_memory_equal(&w, &untouched, sizeof(w));                                    \
	} while (0)

	BAD(h.magic ^= 1, DE_TRTS_EXIT_MAGIC);
	BAD(h.magic = 0, DE_TRTS_EXIT_MAGIC);
	BAD(h.version = 0, DE_TRTS_EXIT_VERSION);
	BAD(h.version = 2, DE_TRTS_EXIT_VERSION);
	BAD(h.nr_slots = 0, DE_TRTS_EXIT_SLOTS);
	BAD(h.nr_slots = DE_WINDOW_MAX_SLOTS + 1, DE_TRTS_EXIT_SLOTS);
	BAD(h.nr_slots = UINT32_MAX, DE_TRTS_EXIT_SLOTS);
	BAD(h.size = DE_WINDOW_MIN_SIZE - PAGE, DE_TRTS_EXIT_SIZE);
	BAD(h.size += 1, DE_TRTS_EXIT_SIZE);
	BAD(h.size += PAGE / 2, DE_TRTS_EXIT_SIZE);
	BAD(h.size = 0, DE_TRTS_EXIT_SIZE);
	BAD(h.size = UINT64_MAX & ~(PAGE - 1), DE_TRTS_EXIT_PLACEMENT);
	BAD(h.size = DE_SYSCALL_TRAMPOLINE - FAKE_W + PAGE, DE_TRTS_EXIT_PLACEMENT);

	BAD(h.slot_offset = 0, DE_TRTS_EXIT_SLOT_OFFSET);
	BAD(h.slot_offset = 64, DE_TRTS_EXIT_SLOT_OFFSET);
	BAD(h.slot_offset = PAGE + 128, DE_TRTS_EXIT_SLOT_OFFSET);
	BAD(h.slot_offset = h.size, DE_TRTS_EXIT_SLOT_OFFSET);
	BAD(h.slot_offset = h.size + PAGE, DE_TRTS_EXIT_SLOT_OFFSET);
	BAD(h.slot_offset = UINT64_MAX & ~(PAGE - 1), DE_TRTS_EXIT_SLOT_OFFSET);
	/* Slots overlapping the OCALL stacks. */
	BAD(h.slot_offset = h.ocall_offset, DE_TRTS_EXIT_OCALL_STACKS);

	BAD(h.ocall_size = DE_OCALL_STACK_MIN - PAGE, DE_TRTS_EXIT_OCALL_STACKS);
	BAD(h.ocall_size = DE_OCALL_STACK_MAX + PAGE, DE_TRTS_EXIT_OCALL_STACKS);
	BAD(h.ocall_size += 16, DE_TRTS_EXIT_OCALL_STACKS);
	BAD(h.ocall_size = 0, DE_TRTS_EXIT_OCALL_STACKS);
	BAD(h.ocall_size = UINT64_MAX, DE_TRTS_EXIT_OCALL_STACKS);
	BAD(h.ocall_offset = 0, DE_TRTS_EXIT_OCALL_STACKS);
	BAD(h.ocall_offset = PAGE, DE_TRTS_EXIT_OCALL_STACKS);
	BAD(h.ocall_offset += 8, DE_TRTS_EXIT_OCALL_STACKS);
	BAD(h.ocall_offset = h.size, DE_TRTS_EXIT_OCALL_STACKS);
	BAD(h.ocall_offset = UINT64_MAX & ~(PAGE - 1), DE_TRTS_EXIT_OCALL_STACKS);
	BAD((h.ocall_offset = h.size - PAGE, h.heap_offset = h.size - PAGE),
	    DE_TRTS_EXIT_OCALL_STACKS);
	/* Stacks overlapping the heap. */
	BAD(h.ocall_size = 2 * DE_OCALL_STACK_MIN, DE_TRTS_EXIT_HEAP);

	BAD(h.heap_offset = h.size, DE_TRTS_EXIT_HEAP);
	BAD(h.heap_offset = h.size + PAGE, DE_TRTS_EXIT_HEAP);
	BAD(h.heap_offset = UINT64_MAX & ~(PAGE - 1), DE_TRTS_EXIT_HEAP);
	BAD(h.heap_offset += 1, DE_TRTS_EXIT_HEAP);
	BAD(h.heap_offset -= PAGE, DE_TRTS_EXIT_HEAP);
	BAD(h.heap_offset = 0, DE_TRTS_EXIT_HEAP);
#undef BAD

	/* A window that would cover the enclave. */
	h = good_hdr(1);
	h.size = enclave.lo - (enclave.lo - 16 * MiB) + PAGE;
	assert_int_equal(de_trts_check_window(enclave.lo - 16 * MiB, &h, &enclave, &w),
	                 DE_TRTS_EXIT_PLACEMENT);
	h.size = 16 * MiB;
	assert_int_equal(de_trts_check_window(enclave.lo - 16 * MiB, &h, &enclave, &w), 0);
	/* A window that ends at the trampoline's page. */
	h = good_hdr(1);
	h.size = DE_SYSCALL_TRAMPOLINE - FAKE_W;
	assert_int_equal(de_trts_check_window(FAKE_W, &h, &enclave, &w), 0);
	/* A window that would reach into the save areas. */
	h = good_hdr(1);
	h.size = 16 * MiB + PAGE;
	assert_int_equal(de_trts_check_window(DE_THREAD_AREA_BASE - 16 * MiB, &h, &enclave, &w),
	                 DE_TRTS_EXIT_PLACEMENT);
	h.size = 16 * MiB;
	assert_int_equal(de_trts_check_window(DE_THREAD_AREA_BASE - 16 * MiB, &h, &enclave, &w), 0);
	/* The base is checked too. */
	h = good_hdr(1);
	assert_int_equal(de_trts_check_window(0, &h, &enclave, &w), DE_TRTS_EXIT_NO_WINDOW);
	assert_int_equal(de_trts_check_window(enclave.lo, &h, &enclave, &w),
	                 DE_TRTS_EXIT_PLACEMENT);
}

/* xorshift64*: a fixed-seed generator for the sweep. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static uint64_t pick(void)
{
	switch (next() % 6) {
	case 0:
		return next();
	case 1:
		return next() & ~(PAGE - 1);
	case 2:
		return (next() % 64) * PAGE;
	case 3:
		return (next() % 4096) * PAGE;
	case 4:
		return UINT64_MAX - (next() % 3) * PAGE;
	default:
		return (next() % (64 * MiB / PAGE)) * PAGE;
	}
}

/* Every accepted header describes disjoint regions, in order, inside the
 * window, and a window outside the enclave. */
static void test_random_sweep(void **state)
{
	(void)state;
	unsigned accepted = 0;
	for (int i = 0; i < 400000; i++) {
		struct de_window_hdr h = good_hdr(1 + (uint32_t)(next() % DE_WINDOW_MAX_SLOTS));
		unsigned mask = (unsigned)next();
		if (mask & 1)
			h.nr_slots = (uint32_t)(next() % 70);
		if (mask & 2)
			h.size = pick();
		if (mask & 4)
			h.slot_offset = pick();
		if (mask & 8)
			h.ocall_offset = pick();
		if (mask & 16)
			h.ocall_size = pick();
		if (mask & 32)
			h.heap_offset = pick();
		uintptr_t base = (mask & 64) ? (uintptr_t)(pick() & 0x7fffffffffffull) : FAKE_W;
		struct de_trts_window w;
		if (de_trts_check_window(base, &h, &enclave, &w))
			continue;
		accepted++;
		/* Oracle in 128-bit arithmetic. */
		unsigned __int128 end = (unsigned __int128)w.base + w.size;
		assert_true(w.base >= USER_MIN && end <= DE_SYSCALL_TRAMPOLINE);
		assert_true(end <= enclave.lo || w.base >= enclave.hi);
		assert_true(end <= DE_THREAD_AREA_BASE || w.base >= DE_THREAD_AREA_END);
		assert_true(w.nr_slots >= 1 && w.nr_slots <= DE_WINDOW_MAX_SLOTS);
		assert_true(w.size >= DE_WINDOW_MIN_SIZE && w.size % PAGE == 0);
		assert_true(w.slot_offset >= PAGE && w.slot_offset % PAGE == 0);
		unsigned __int128 slots_end =
		    (unsigned __int128)w.slot_offset + w.nr_slots * sizeof(struct de_call_slot);
		assert_true(w.ocall_offset % PAGE == 0 && w.ocall_offset >= slots_end);
		assert_true(w.ocall_size % PAGE == 0 && w.ocall_size >= DE_OCALL_STACK_MIN &&
		            w.ocall_size <= DE_OCALL_STACK_MAX);
		unsigned __int128 oc_end = (unsigned __int128)w.ocall_offset +
		                           (unsigned __int128)w.nr_slots * w.ocall_size;
		assert_true(w.heap_offset % PAGE == 0 && w.heap_offset >= oc_end);
		assert_true(w.heap_offset < w.size);
	}
	assert_true(accepted > 1000);
}

/* ---- pointer classification ------------------------------------------------------------ */

static void test_ranges(void **state)
{
	(void)state;
	assert_true(de_trts_range_in(100, 0, 100, 200));
	assert_true(de_trts_range_in(200, 0, 100, 200));
	assert_false(de_trts_range_in(201, 0, 100, 200));
	assert_false(de_trts_range_in(99, 0, 100, 200));
	assert_true(de_trts_range_in(100, 100, 100, 200));
	assert_false(de_trts_range_in(100, 101, 100, 200));
	assert_true(de_trts_range_in(199, 1, 100, 200));
	assert_false(de_trts_range_in(199, 2, 100, 200));
	assert_false(de_trts_range_in(150, SIZE_MAX, 100, 200));
	assert_false(de_trts_range_in(UINTPTR_MAX, 2, 100, UINTPTR_MAX));
	assert_true(de_trts_overlap(0, 10, 9, 1));
	assert_false(de_trts_overlap(0, 10, 10, 1));
	assert_false(de_trts_overlap(0, 0, 0, 10));

	struct de_window_hdr h = good_hdr(2);
	struct de_trts_window w;
	assert_int_equal(de_trts_check_window(FAKE_W, &h, &enclave, &w), 0);
	const char *W = (const char *)(uintptr_t)FAKE_W;
	assert_true(de_trts_in_window(&w, W, 0));
	assert_true(de_trts_in_window(&w, W, w.size));
	assert_false(de_trts_in_window(&w, W, w.size + 1));
	assert_false(de_trts_in_window(&w, W - 1, 1));
	assert_true(de_trts_in_window(&w, W + w.size - 1, 1));
	assert_false(de_trts_in_window(&w, W + w.size, 1));
	assert_true(de_trts_in_window(&w, W + w.size, 0));
	assert_false(de_trts_in_window(&w, W + 16, SIZE_MAX));
	assert_false(de_trts_in_window(&w, NULL, 0));
	assert_false(de_trts_in_window(NULL, W, 1));

	const char *E = (const char *)(uintptr_t)enclave.lo;
	assert_true(de_trts_in_enclave(&enclave, &w, E, 1));
	assert_true(de_trts_in_enclave(&enclave, &w, E, enclave.hi - enclave.lo));
	assert_false(de_trts_in_enclave(&enclave, &w, E, enclave.hi - enclave.lo + 1));
	assert_false(de_trts_in_enclave(&enclave, &w, E - 1, 2));
	assert_true(de_trts_in_enclave(&enclave, NULL, E + 4096, 4096));
	assert_false(de_trts_in_enclave(&enclave, &w, W, 1));
	assert_false(de_trts_in_enclave(&enclave, &w, E + 8, SIZE_MAX));
	assert_false(de_trts_in_enclave(&enclave, NULL, NULL, 0));
	/* A window inside the range (never accepted, but disjointness holds). */
	struct de_trts_window inside = w;
	inside.base = enclave.lo + 64 * MiB;
	assert_false(de_trts_in_enclave(&enclave, &inside, (void *)(uintptr_t)inside.base, 0));
	assert_false(
	    de_trts_in_enclave(&enclave, &inside, (void *)(uintptr_t)(inside.base - 8), 16));
	assert_true(de_trts_in_enclave(&enclave, &inside, (void *)(uintptr_t)(inside.base - 8), 8));
}

/* ---- the OCALL stack ------------------------------------------------------------------- */

static void test_ocalloc(void **state)
{
	(void)state;
	struct de_trts_ocstack s = {0x10000, 0x10000 + 4096, 0x10000, 0x10000};
	char *a = de_trts_ocalloc(&s, 1);
	assert_ptr_equal(a, (void *)0x10000);
	char *b = de_trts_ocalloc(&s, 24);
	assert_ptr_equal(b, (void *)0x10010);
	char *c = de_trts_ocalloc(&s, 0);
	assert_ptr_equal(c, (void *)0x10030);
	assert_null(de_trts_ocalloc(&s, 4096));
	assert_null(de_trts_ocalloc(&s, SIZE_MAX));
	assert_null(de_trts_ocalloc(&s, SIZE_MAX - 8));
	/* Exactly what is left. */
	char *d = de_trts_ocalloc(&s, 4096 - 0x30);
	assert_ptr_equal(d, (void *)0x10030);
	assert_int_equal(s.pos, s.top);
	assert_null(de_trts_ocalloc(&s, 1));
	assert_non_null(de_trts_ocalloc(&s, 0));
	assert_int_equal(de_trts_ocfree(&s), 0);
	assert_int_equal(s.pos, s.base);

	/* A frame: ocfree returns to it, not to the base. */
	s.pos = 0x10100;
	s.frame = 0x10100;
	assert_ptr_equal(de_trts_ocalloc(&s, 5), (void *)0x10100);
	assert_ptr_equal(de_trts_ocalloc(&s, 5), (void *)0x10110);
	assert_int_equal(de_trts_ocfree(&s), 0);
	assert_int_equal(s.pos, 0x10100);

	/* Corrupt states are refused. */
	struct de_trts_ocstack bad = {0x10000, 0x11000, 0x10100, 0x10000};
	assert_false(de_trts_ocstack_ok(&bad));
	assert_null(de_trts_ocalloc(&bad, 1));
	assert_int_equal(de_trts_ocfree(&bad), -1);
	bad = (struct de_trts_ocstack){0x10000, 0x11000, 0x10000, 0x11001};
	assert_null(de_trts_ocalloc(&bad, 0));
	assert_int_equal(de_trts_ocfree(&bad), -1);
	bad = (struct de_trts_ocstack){0x10000, 0x11000, 0x0f000, 0x10000};
	assert_int_equal(de_trts_ocfree(&bad), -1);
}

/* ---- a real fake window: ECALLs ---------------------------------------------------------- */

struct fake {
	void *mem;
	struct de_trts_window w;
	struct de_trts_thread t;
};

static struct fake *F; /* for the bridges */

static int fake_setup(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct de_window_hdr h = good_hdr(3);
	f->mem = aligned_alloc(PAGE, h.size);
	assert_non_null(f->mem);
	memset(f->mem, 0, h.size);
	memcpy(f->mem, &h, sizeof(h));
	struct de_trts_range none = {0, 0};
	assert_int_equal(de_trts_check_window((uintptr_t)f->mem, &h, &none, &f->w), 0);
	de_trts_thread_init(&f->t, &f->w, 1);
	F = f;
	*state = f;
	return 0;
}

static int fake_teardown(void **state)
{
	struct fake *f = *state;
	free(f->mem);
	free(f);
	F = NULL;
	return 0;
}

static void test_thread_init(void **state)
{
	struct fake *f = *state;
	uintptr_t W = (uintptr_t)f->mem;
	assert_ptr_equal(f->t.slot, (void *)(W + PAGE + sizeof(struct de_call_slot)));
	assert_int_equal(f->t.oc.base, W + f->w.ocall_offset + f->w.ocall_size);
	assert_int_equal(f->t.oc.top, f->t.oc.base + f->w.ocall_size);
	assert_int_equal(f->t.oc.pos, f->t.oc.base);
	assert_int_equal(f->t.oc.frame, f->t.oc.base);
	assert_int_equal(f->t.depth, 0);
	assert_int_equal(f->t.in_ocall, 0);
	/* Each slot's stack is its own and inside the window. */
	for (uint32_t i = 0; i < f->w.nr_slots; i++) {
		struct de_trts_thread t;
		de_trts_thread_init(&t, &f->w, i);
		assert_true(de_trts_in_window(&f->w, (void *)t.oc.base, f->w.ocall_size));
		assert_true(t.oc.top <= W + f->w.heap_offset);
		assert_true((uintptr_t)t.slot + sizeof(struct de_call_slot) <=
		            W + f->w.ocall_offset);
	}
}

/* The ECALL table of the tests. */
static sgx_status_t bridge_echo_ms(void *ms);
static sgx_status_t bridge_alloc(void *ms);
static sgx_status_t bridge_outer(void *ms);
static sgx_status_t bridge_corrupt(void *ms);

static struct {
	size_t nr_ecall;
	struct de_trts_ecall_entry ecall_table[5];
} ecalls = {5,
            {
                {(void *)(uintptr_t)bridge_echo_ms, 0, 0},
                {(void *)(uintptr_t)bridge_alloc, 1, 0}, /* private */
                {(void *)(uintptr_t)bridge_outer, 0, 0},
                {(void *)(uintptr_t)bridge_corrupt, 0, 0},
                {NULL, 0, 0},
            }};
#define ET ((const struct de_trts_ecall_table *)&ecalls)

/* entry_table[2][5]: OCALL 1 allows ECALLs 1 and 2. */
static struct {
	size_t nr_ocall;
	uint8_t entry_table[2][5];
} dyn = {2, {{0, 0, 0, 0, 0}, {0, 1, 1, 0, 0}}};
#define DYN ((const struct de_trts_dyn_entry_table *)&dyn)

static void *last_ms;
static uint32_t seen_depth, seen_slot_depth;
static void *alloc_a, *alloc_b;
static sgx_status_t nested_status;
static uintptr_t outer_pos_before, outer_pos_after;

static sgx_status_t bridge_echo_ms(void *ms)
{
	last_ms = ms;
	seen_depth = F->t.depth;
	seen_slot_depth = F->t.slot->depth;
	return (sgx_status_t)0x1234;
}

/* Allocates twice, frees, allocates again (an OCALL proxy's pattern). */
static sgx_status_t bridge_alloc(void *ms)
{
	(void)ms;
	seen_depth = F->t.depth;
	alloc_a = de_trts_ocalloc(&F->t.oc, 100);
	alloc_b = de_trts_ocalloc(&F->t.oc, 100);
	if (!alloc_a || !alloc_b || de_trts_ocfree(&F->t.oc))
		return SGX_ERROR_UNEXPECTED;
	if (de_trts_ocalloc(&F->t.oc, 8) != alloc_a)
		return SGX_ERROR_UNEXPECTED;
	return SGX_SUCCESS; /* leaves 8 bytes allocated: restored by run_ecall */
}

/* An ECALL whose OCALL 1 (allowing ECALL 1) gets a nested ECALL 1, as
 * sgx_ocall does it: the OCALL's data stays allocated meanwhile. */
static sgx_status_t bridge_outer(void *ms)
{
	(void)ms;
	char *o = de_trts_ocalloc(&F->t.oc, 48);
	if (!o)
		return SGX_ERROR_UNEXPECTED;
	memset(o, 0x77, 48);
	outer_pos_before = F->t.oc.pos;
	F->t.in_ocall = 1;
	F->t.ocall_index = 1;
	int corrupt = 0;
	nested_status = de_trts_run_ecall(&F->t, &F->w, ET, DYN, 1, 0, &corrupt);
	if (corrupt)
		return SGX_ERROR_UNEXPECTED;
	/* Back in the OCALL: its state and data are as they were. */
	if (F->t.in_ocall != 1 || F->t.ocall_index != 1 || F->t.depth != 1)
		return SGX_ERROR_UNEXPECTED;
	outer_pos_after = F->t.oc.pos;
	for (int i = 0; i < 48; i++)
		if (o[i] != 0x77)
			return SGX_ERROR_UNEXPECTED;
	/* A nested call to an ECALL that OCALL 1 does not allow. */
	sgx_status_t st = de_trts_run_ecall(&F->t, &F->w, ET, DYN, 3, 0, &corrupt);
	if (st != SGX_ERROR_ECALL_NOT_ALLOWED)
		return SGX_ERROR_UNEXPECTED;
	F->t.in_ocall = 0;
	if (de_trts_ocfree(&F->t.oc))
		return SGX_ERROR_UNEXPECTED;
	return SGX_SUCCESS;
}

static sgx_status_t bridge_corrupt(void *ms)
{
	(void)ms;
	F->t.oc.frame = F->t.oc.top; /* breaks the invariant */
	return SGX_SUCCESS;
}

static void test_ecall_allowed(void **state)
{
	struct fake *f = *state;
	struct de_trts_thread *t = &f->t;
	assert_int_equal(de_trts_ecall_allowed(t, ET, DYN, 0), SGX_SUCCESS);
	assert_int_equal(de_trts_ecall_allowed(t, ET, DYN, 1), SGX_ERROR_ECALL_NOT_ALLOWED);
	assert_int_equal(de_trts_ecall_allowed(t, ET, DYN, 5), SGX_ERROR_INVALID_FUNCTION);
	assert_int_equal(de_trts_ecall_allowed(t, ET, DYN, UINT32_MAX), SGX_ERROR_INVALID_FUNCTION);
	assert_int_equal(de_trts_ecall_allowed(t, NULL, DYN, 0), SGX_ERROR_INVALID_FUNCTION);
	assert_int_equal(de_trts_ecall_allowed(t, ET, NULL, 0), SGX_SUCCESS);

	/* Nested: only what the OCALL in progress allows, public or not. */
	t->depth = 1;
	t->in_ocall = 1;
	t->ocall_index = 1;
	assert_int_equal(de_trts_ecall_allowed(t, ET, DYN, 0), SGX_ERROR_ECALL_NOT_ALLOWED);
	assert_int_equal(de_trts_ecall_allowed(t, ET, DYN, 1), SGX_SUCCESS);
	assert_int_equal(de_trts_ecall_allowed(t, ET, DYN, 2), SGX_SUCCESS);
	assert_int_equal(de_trts_ecall_allowed(t, ET, DYN, 5), SGX_ERROR_INVALID_FUNCTION);
	assert_int_equal(de_trts_ecall_allowed(t, ET, NULL, 1), SGX_ERROR_ECALL_NOT_ALLOWED);
	t->ocall_index = 0;
	assert_int_equal(de_trts_ecall_allowed(t, ET, DYN, 1), SGX_ERROR_ECALL_NOT_ALLOWED);
	t->ocall_index = 2; /* beyond nr_ocall */
	assert_int_equal(de_trts_ecall_allowed(t, ET, DYN, 1), SGX_ERROR_ECALL_NOT_ALLOWED);
	t->ocall_index = UINT32_MAX;
	assert_int_equal(de_trts_ecall_allowed(t, ET, DYN, 1), SGX_ERROR_ECALL_NOT_ALLOWED);
	/* In an ECALL but not in an OCALL: nothing can be nested. */
	t->ocall_index = 1;
	t->in_ocall = 0;
	assert_int_equal(de_trts_ecall_allowed(t, ET, DYN, 1), SGX_ERROR_ECALL_NOT_ALLOWED);
	t->depth = 0;
}

static void test_run_ecall(void **state)
{
	struct fake *f = *state;
	struct de_trts_thread *t = &f->t;
	int corrupt = 1;
	uintptr_t W = (uintptr_t)f->mem;
	uint64_t ms = W + f->w.heap_offset + 64;

	assert_int_equal(de_trts_run_ecall(t, &f->w, ET, DYN, 0, ms, &corrupt), 0x1234);
	assert_int_equal(corrupt, 0);
	assert_ptr_equal(last_ms, (void *)(uintptr_t)ms);
	assert_int_equal(seen_depth, 1);
	assert_int_equal(seen_slot_depth, 1);
	assert_int_equal(t->depth, 0);
	assert_int_equal(t->slot->depth, 0);

	/* ms: 0, anywhere in the window, or refused. */
	assert_int_equal(de_trts_run_ecall(t, &f->w, ET, DYN, 0, 0, &corrupt), 0x1234);
	assert_null(last_ms);
	last_ms = (void *)1;
	assert_int_equal(de_trts_run_ecall(t, &f->w, ET, DYN, 0, W + f->w.size, &corrupt),
	                 SGX_ERROR_INVALID_PARAMETER);
	assert_int_equal(de_trts_run_ecall(t, &f->w, ET, DYN, 0, W - 16, &corrupt),
	                 SGX_ERROR_INVALID_PARAMETER);
	assert_int_equal(de_trts_run_ecall(t, &f->w, ET, DYN, 0, (uintptr_t)&corrupt, &corrupt),
	                 SGX_ERROR_INVALID_PARAMETER);
	assert_int_equal(de_trts_run_ecall(t, &f->w, ET, DYN, 0, UINT64_MAX, &corrupt),
	                 SGX_ERROR_INVALID_PARAMETER);
	assert_ptr_equal(last_ms, (void *)1); /* the bridge never ran */
	assert_int_equal(de_trts_run_ecall(t, &f->w, ET, DYN, 0, W + f->w.size - 1, &corrupt),
	                 0x1234);

	/* Refusals. */
	assert_int_equal(de_trts_run_ecall(t, &f->w, ET, DYN, 1, 0, &corrupt),
	                 SGX_ERROR_ECALL_NOT_ALLOWED);
	assert_int_equal(de_trts_run_ecall(t, &f->w, ET, DYN, 9, 0, &corrupt),
	                 SGX_ERROR_INVALID_FUNCTION);
	assert_int_equal(de_trts_run_ecall(t, &f->w, ET, DYN, 4, 0, &corrupt),
	                 SGX_ERROR_INVALID_FUNCTION); /* NULL bridge */
	assert_int_equal(corrupt, 0);
	assert_int_equal(t->oc.pos, t->oc.base);

	/* Nested ECALL inside an OCALL that holds data on the OCALL stack. */
	assert_int_equal(de_trts_run_ecall(t, &f->w, ET, DYN, 2, 0, &corrupt), SGX_SUCCESS);
	assert_int_equal(corrupt, 0);
	assert_int_equal(nested_status, SGX_SUCCESS);
	assert_int_equal(seen_depth, 2);
	assert_true((uintptr_t)alloc_a >= outer_pos_before);
	assert_int_equal((uintptr_t)alloc_a % 16, 0);
	assert_int_equal(outer_pos_after, outer_pos_before);
	assert_int_equal(t->oc.pos, t->oc.base);
	assert_int_equal(t->oc.frame, t->oc.base);
	assert_int_equal(t->depth, 0);
	assert_int_equal(t->in_ocall, 0);

	/* A bridge that corrupts the thread's state is reported. */
	assert_int_equal(de_trts_run_ecall(t, &f->w, ET, DYN, 3, 0, &corrupt), SGX_SUCCESS);
	assert_int_equal(corrupt, 1);
	assert_int_equal(t->oc.frame, t->oc.base); /* restored all the same */
	t->oc.frame = t->oc.top;
	assert_int_equal(de_trts_run_ecall(t, &f->w, ET, DYN, 0, 0, &corrupt),
	                 SGX_ERROR_UNEXPECTED);
	assert_int_equal(corrupt, 1);
	t->oc.frame = t->oc.base;
}

static void test_stack_reserve(void **state)
{
	struct fake *f = *state;
	struct de_trts_thread *t = &f->t;
	int corrupt = 0;
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);

	de_trts_thread_set_stack(t, 0x1000, 1u << 20);
	assert_int_equal(t->stack_reserve, DE_TRTS_STACK_RESERVE);
	de_trts_thread_set_stack(t, 0x1000, 16u << 10);
	assert_int_equal(t->stack_reserve, 4u << 10); /* a quarter of a small stack */

	/* Nested in OCALL 1 (allows ECALL 1): runs while the stack has room. */
	t->depth = 1;
	t->in_ocall = 1;
	t->ocall_index = 1;
	de_trts_thread_set_stack(t, sp - (1u << 20), 2u << 20);
	assert_int_equal(de_trts_run_ecall(t, &f->w, ET, DYN, 1, 0, &corrupt), SGX_SUCCESS);
	assert_int_equal(seen_depth, 2);
	assert_int_equal(corrupt, 0);
	/* Less than the reserve left: refused, the bridge never runs. */
	seen_depth = 0;
	de_trts_thread_set_stack(t, sp - DE_TRTS_STACK_RESERVE / 2, 2u << 20);
	assert_int_equal(de_trts_run_ecall(t, &f->w, ET, DYN, 1, 0, &corrupt),
	                 SGX_ERROR_STACK_OVERRUN);
	/* Already below the stack (a corrupt bound): refused too. */
	de_trts_thread_set_stack(t, sp + 4096, 2u << 20);
	assert_int_equal(de_trts_run_ecall(t, &f->w, ET, DYN, 1, 0, &corrupt),
	                 SGX_ERROR_STACK_OVERRUN);
	assert_int_equal(seen_depth, 0);
	assert_int_equal(t->depth, 1);
	assert_int_equal(corrupt, 0);
	/* A root ECALL is not checked: the stack is all its own. */
	t->depth = 0;
	t->in_ocall = 0;
	assert_int_equal(de_trts_run_ecall(t, &f->w, ET, DYN, 0, 0, &corrupt), 0x1234);
}

static void test_arena(void **state)
{
	(void)state;
	static unsigned char mem[1024 + 8];
	struct de_trts_arena a;

	de_trts_arena_init(&a, mem + 1, 1024); /* misaligned: aligned inside */
	assert_int_equal((uintptr_t)a.base % 16, 0);
	assert_true(a.base >= mem + 1 && a.base + a.size <= mem + 1 + 1024);
	assert_true(a.size >= 1024 - 16);

	unsigned char *p = de_trts_arena_alloc(&a, 100);
	unsigned char *q = de_trts_arena_alloc(&a, 0);
	unsigned char *r = de_trts_arena_alloc(&a, 17);
	assert_non_null(p);
	assert_non_null(q);
	assert_non_null(r);
	assert_int_equal((uintptr_t)p % 16, 0);
	assert_int_equal((uintptr_t)r % 16, 0);
	assert_true(q >= p + 100 && r >= q + 1); /* no overlap */
	memset(p, 1, 100);
	memset(r, 3, 17);
	assert_true(de_trts_arena_owns(&a, p) && de_trts_arena_owns(&a, r));
	assert_false(de_trts_arena_owns(&a, mem + 1030));
	assert_false(de_trts_arena_owns(&a, &a));
	assert_false(de_trts_arena_owns(&a, a.base)); /* a header, not a block */

	/* Too big: NULL, nothing changes. */
	size_t pos = a.pos;
	assert_null(de_trts_arena_alloc(&a, a.size));
	assert_null(de_trts_arena_alloc(&a, SIZE_MAX));
	assert_null(de_trts_arena_alloc(&a, SIZE_MAX - 8));
	assert_int_equal(a.pos, pos);

	/* Out of order: q freed first stays until r above it goes. */
	de_trts_arena_free(&a, q);
	assert_int_equal(a.pos, pos);
	de_trts_arena_free(&a, r);
	assert_true(a.pos < pos);
	assert_true(a.base + a.pos <= q); /* r and q given back */
	for (int i = 0; i < 100; i++)
		assert_int_equal(p[i], 1);
	de_trts_arena_free(&a, p);
	assert_int_equal(a.pos, 0);
	assert_int_equal(a.top, SIZE_MAX);

	/* Filling it exactly, then a nested user's blocks above. */
	unsigned char *big = de_trts_arena_alloc(&a, a.size - 16);
	assert_non_null(big);
	assert_int_equal(a.pos, a.size);
	assert_null(de_trts_arena_alloc(&a, 1));
	de_trts_arena_free(&a, big);
	assert_int_equal(a.pos, 0);

	/* No memory: every allocation is NULL, nothing is owned. */
	de_trts_arena_init(&a, NULL, 4096);
	assert_null(de_trts_arena_alloc(&a, 1));
	assert_false(de_trts_arena_owns(&a, mem));
	de_trts_arena_init(&a, mem + 1, 8); /* smaller than the alignment gap */
	assert_null(de_trts_arena_alloc(&a, 0));
}

/* ---- waiting ------------------------------------------------------------------------------ */

static void test_classify(void **state)
{
	(void)state;
	static const struct {
		uint32_t st;
		enum de_trts_action idle, in_ocall;
	} cases[] = {
	    {DE_SLOT_IDLE, DE_TRTS_KEEP_WAITING, DE_TRTS_KEEP_WAITING},
	    {DE_SLOT_ECALL, DE_TRTS_DO_ECALL, DE_TRTS_DO_ECALL},
	    {DE_SLOT_OCALL, DE_TRTS_KEEP_WAITING, DE_TRTS_KEEP_WAITING},
	    {DE_SLOT_OCALL_RET, DE_TRTS_KEEP_WAITING, DE_TRTS_OCALL_RETURN},
	    {DE_SLOT_ECALL_RET, DE_TRTS_KEEP_WAITING, DE_TRTS_KEEP_WAITING},
	    {DE_SLOT_SHUTDOWN, DE_TRTS_DO_SHUTDOWN, DE_TRTS_DO_SHUTDOWN},
	    {6, DE_TRTS_KEEP_WAITING, DE_TRTS_KEEP_WAITING},
	    {UINT32_MAX, DE_TRTS_KEEP_WAITING, DE_TRTS_KEEP_WAITING},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(de_trts_classify(cases[i].st, 0), cases[i].idle);
		assert_int_equal(de_trts_classify(cases[i].st, 1), cases[i].in_ocall);
	}
}

static void test_phases(void **state)
{
	(void)state;
	uint64_t spin = DE_SPIN_US_DEFAULT * 1000ull, yield = DE_YIELD_US * 1000ull;
	assert_int_equal(de_trts_phase_at(0), DE_TRTS_SPIN);
	assert_int_equal(de_trts_phase_at(spin - 1), DE_TRTS_SPIN);
	assert_int_equal(de_trts_phase_at(spin), DE_TRTS_YIELD);
	assert_int_equal(de_trts_phase_at(spin + yield - 1), DE_TRTS_YIELD);
	assert_int_equal(de_trts_phase_at(spin + yield), DE_TRTS_NAP);
	assert_int_equal(de_trts_phase_at(UINT64_MAX), DE_TRTS_NAP);
}

/* ---- mbusafecrt -------------------------------------------------------------------------- */

static void test_memcpy_s(void **state)
{
	(void)state;
	char d[8], s[8] = "abcdefg";
	memset(d, 'x', sizeof(d));
	assert_int_equal(memcpy_s(d, sizeof(d), s, 8), 0);
	assert_memory_equal(d, s, 8);
	assert_int_equal(memcpy_s(d, sizeof(d), NULL, 0), 0);
	assert_int_equal(memcpy_s(NULL, 0, s, 0), 0);
	assert_memory_equal(d, s, 8);
	assert_int_equal(memcpy_s(d, 4, s, 5), ERANGE);
	assert_memory_equal(d, "\0\0\0\0efg", 8); /* destsz bytes zeroed */
	memcpy(d, s, 8);
	assert_int_equal(memcpy_s(d, sizeof(d), NULL, 1), EINVAL);
	assert_memory_equal(d, "\0\0\0\0\0\0\0\0", 8);
	assert_int_equal(memcpy_s(NULL, 8, s, 1), EINVAL);
	assert_int_equal(memcpy_s(d, SIZE_MAX, s, 1), 0);

	char m[8] = "1234567";
	assert_int_equal(memmove_s(m + 1, 7, m, 6), 0);
	assert_memory_equal(m, "1123456", 8);
	assert_int_equal(memmove_s(m, 8, m + 1, 0), 0);
	assert_int_equal(memmove_s(m, 3, m + 1, 4), ERANGE);
	assert_memory_equal(m,
	                    "\0\0\0"
	                    "3456",
	                    8);
	assert_int_equal(memmove_s(NULL, 3, m, 1), EINVAL);
	assert_int_equal(memmove_s(m, 3, NULL, 1), EINVAL);
}

static void test_memset_s(void **state)
{
	(void)state;
	char b[8];
	memset(b, 'x', sizeof(b));
	assert_int_equal(memset_s(b, sizeof(b), 'a', 4), 0);
	assert_memory_equal(b, "aaaaxxxx", 8);
	assert_int_equal(memset_s(b, sizeof(b), 0, 0), 0);
	errno = 0;
	assert_int_equal(memset_s(b, 4, 'b', 8), EOVERFLOW);
	assert_int_equal(errno, EOVERFLOW);
	assert_memory_equal(b, "bbbbxxxx", 8);
	assert_int_equal(memset_s(b, 2, 'c', SIZE_MAX), E2BIG);
	assert_memory_equal(b, "ccbbxxxx", 8);
	assert_int_equal(memset_s(b, SIZE_MAX, 'd', 1), E2BIG);
	assert_memory_equal(b, "ccbbxxxx", 8);
	assert_int_equal(memset_s(NULL, 1, 0, 1), EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_base),
	    cmocka_unit_test(test_good_header),
	    cmocka_unit_test(test_bad_fields),
	    cmocka_unit_test(test_random_sweep),
	    cmocka_unit_test(test_ranges),
	    cmocka_unit_test(test_ocalloc),
	    cmocka_unit_test_setup_teardown(test_thread_init, fake_setup, fake_teardown),
	    cmocka_unit_test_setup_teardown(test_ecall_allowed, fake_setup, fake_teardown),
	    cmocka_unit_test_setup_teardown(test_run_ecall, fake_setup, fake_teardown),
	    cmocka_unit_test_setup_teardown(test_stack_reserve, fake_setup, fake_teardown),
	    cmocka_unit_test(test_arena),
	    cmocka_unit_test(test_classify),
	    cmocka_unit_test(test_phases),
	    cmocka_unit_test(test_memcpy_s),
	    cmocka_unit_test(test_memset_s),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
