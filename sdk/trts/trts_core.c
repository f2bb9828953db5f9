/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The trusted runtime's pure logic (trts_core.h): no system calls, no
 * globals. Everything read from the window arrives here as a copy or as a
 * value the caller loaded once.
 */
#include "trts_core.h"

#include "de/manager_abi.h"
#include "sgx_edger8r.h"
#include "sgx_lfence.h"

/* The user half of every space, as the kernel defines it (docs/kernel.md);
 * a window must also end below the syscall trampoline's page. */
#define USER_MIN  0x0000008000000000ull
#define PAGE_MASK ((uint64_t)DE_WINDOW_PAGE - 1)

static int page_aligned(uint64_t v)
{
	return (v & PAGE_MASK) == 0;
}

/* May [base, base+len) be a window? (len > 0) */
static int placement_ok(uintptr_t base, uint64_t len, const struct de_trts_range *enclave)
{
	if (base < USER_MIN || base > DE_SYSCALL_TRAMPOLINE || len > DE_SYSCALL_TRAMPOLINE - base)
		return 0;
	if (enclave->hi > enclave->lo &&
	    de_trts_overlap(base, len, enclave->lo, enclave->hi - enclave->lo))
		return 0;
	if (de_trts_overlap(base, len, DE_THREAD_AREA_BASE,
	                    DE_THREAD_AREA_END - DE_THREAD_AREA_BASE))
		return 0;
	return 1;
}

int de_trts_check_base(uintptr_t base, const struct de_trts_range *enclave)
{
	if (base == 0 || !page_aligned(base))
		return DE_TRTS_EXIT_NO_WINDOW;
	if (!placement_ok(base, DE_WINDOW_PAGE, enclave))
		return DE_TRTS_EXIT_PLACEMENT;
	return 0;
}

int de_trts_check_window(uintptr_t base, const struct de_window_hdr *hdr,
                         const struct de_trts_range *enclave, struct de_trts_window *out)
{
	int rc = de_trts_check_base(base, enclave);
	if (rc)
		return rc;
	if (hdr->magic != DE_WINDOW_MAGIC)
		return DE_TRTS_EXIT_MAGIC;
	if (hdr->version != DE_WINDOW_VERSION)
		return DE_TRTS_EXIT_VERSION;
	uint32_t n = hdr->nr_slots;
	if (n < 1 || n > DE_WINDOW_MAX_SLOTS)
		return DE_TRTS_EXIT_SLOTS;
	uint64_t size = hdr->size;
	if (size < DE_WINDOW_MIN_SIZE || !page_aligned(size))
		return DE_TRTS_EXIT_SIZE;
	if (!placement_ok(base, size, enclave))
		return DE_TRTS_EXIT_PLACEMENT;

	/* From here on every offset is checked against size before it is
	 * added to, and size < 2^47, so no sum below overflows. */
	uint64_t slots = hdr->slot_offset;
	uint64_t slots_len = (uint64_t)n * sizeof(struct de_call_slot);
	if (!page_aligned(slots) || slots < DE_WINDOW_PAGE || slots > size ||
	    slots_len > size - slots)
		return DE_TRTS_EXIT_SLOT_OFFSET;

	uint64_t oc = hdr->ocall_offset, oc_size = hdr->ocall_size;
	if (!page_aligned(oc_size) || oc_size < DE_OCALL_STACK_MIN || oc_size > DE_OCALL_STACK_MAX)
		return DE_TRTS_EXIT_OCALL_STACKS;
	uint64_t oc_len = (uint64_t)n * oc_size; /* <= 63 * 64 MiB */
	if (!page_aligned(oc) || oc < slots + slots_len || oc > size || oc_len > size - oc)
		return DE_TRTS_EXIT_OCALL_STACKS;

	uint64_t heap = hdr->heap_offset;
	if (!page_aligned(heap) || heap < oc + oc_len || heap >= size)
		return DE_TRTS_EXIT_HEAP;

	out->base = base;
	out->size = size;
	out->nr_slots = n;
	out->slot_offset = slots;
	out->ocall_offset = oc;
	out->ocall_size = oc_size;
	out->heap_offset = heap;
	return 0;
}

int de_trts_in_enclave(const struct de_trts_range *enclave, const struct de_trts_window *w,
                       const void *p, size_t n)
{
	uintptr_t a = (uintptr_t)p;
	if (!de_trts_range_in(a, n, enclave->lo, enclave->hi))
		return 0;
	/* The window never overlaps the enclave's range once checked; this
	 * keeps the two classifications disjoint regardless. */
	if (w && w->base && de_trts_overlap(a, n ? n : 1, w->base, w->size))
		return 0;
	return 1;
}

int de_trts_ocstack_ok(const struct de_trts_ocstack *s)
{
	return s->base <= s->frame && s->frame <= s->pos && s->pos <= s->top;
}

void *de_trts_ocalloc(struct de_trts_ocstack *s, size_t size)
{
	if (!de_trts_ocstack_ok(s))
		return NULL;
	uintptr_t p =
	    (s->pos + (DE_TRTS_OCALLOC_ALIGN - 1)) & ~(uintptr_t)(DE_TRTS_OCALLOC_ALIGN - 1);
	if (p > s->top || size > s->top - p)
		return NULL;
	s->pos = p + size;
	return (void *)p;
}

int de_trts_ocfree(struct de_trts_ocstack *s)
{
	if (!de_trts_ocstack_ok(s))
		return -1;
	s->pos = s->frame;
	return 0;
}

void de_trts_thread_init(struct de_trts_thread *t, const struct de_trts_window *w, uint32_t i)
{
	t->slot = de_trts_slot(w, i);
	t->slot_index = i;
	t->depth = 0;
	t->in_ocall = 0;
	t->ocall_index = 0;
	t->oc.base = w->base + (uintptr_t)w->ocall_offset + (uintptr_t)i * (uintptr_t)w->ocall_size;
	t->oc.top = t->oc.base + (uintptr_t)w->ocall_size;
	t->oc.frame = t->oc.base;
	t->oc.pos = t->oc.base;
	t->stack_low = 0;
	t->stack_reserve = 0;
}

void de_trts_thread_set_stack(struct de_trts_thread *t, uintptr_t low, size_t size)
{
	t->stack_low = low;
	t->stack_reserve = size / 4 < DE_TRTS_STACK_RESERVE ? size / 4 : DE_TRTS_STACK_RESERVE;
}

sgx_status_t de_trts_ecall_allowed(const struct de_trts_thread *t,
                                   const struct de_trts_ecall_table *et,
                                   const struct de_trts_dyn_entry_table *dyn, uint32_t index)
{
	if (!et || index >= et->nr_ecall)
		return SGX_ERROR_INVALID_FUNCTION;
	/* No table access on a mispredicted bounds check. */
	sgx_lfence();
	if (t->depth == 0)
		return et->ecall_table[index].is_priv ? SGX_ERROR_ECALL_NOT_ALLOWED : SGX_SUCCESS;
	if (!t->in_ocall || !dyn || t->ocall_index >= dyn->nr_ocall)
		return SGX_ERROR_ECALL_NOT_ALLOWED;
	sgx_lfence();
	return dyn->entry_table[(size_t)t->ocall_index * et->nr_ecall + index] == 1
	           ? SGX_SUCCESS
	           : SGX_ERROR_ECALL_NOT_ALLOWED;
}

sgx_status_t de_trts_run_ecall(struct de_trts_thread *t, const struct de_trts_window *w,
                               const struct de_trts_ecall_table *et,
                               const struct de_trts_dyn_entry_table *dyn, uint32_t index,
                               uint64_t ms, int *corrupt)
{
	*corrupt = 0;
	sgx_status_t st = de_trts_ecall_allowed(t, et, dyn, index);
	if (st != SGX_SUCCESS)
		return st;
	if (t->depth > 0) {
		/* Nested: the application decides how deep; the stack must
		 * not run out under the enclave. */
		uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
		if (sp < t->stack_low || sp - t->stack_low < t->stack_reserve)
			return SGX_ERROR_STACK_OVERRUN;
	}
	if (ms != 0 && !de_trts_in_window(w, (const void *)(uintptr_t)ms, 1))
		return SGX_ERROR_INVALID_PARAMETER;
	de_edge_bridge_t bridge = (de_edge_bridge_t)(uintptr_t)et->ecall_table[index].ecall_addr;
	if (!bridge)
		return SGX_ERROR_INVALID_FUNCTION;
	if (!de_trts_ocstack_ok(&t->oc)) {
		*corrupt = 1;
		return SGX_ERROR_UNEXPECTED;
	}

	/* A fresh OCALL frame above whatever the interrupted OCALL holds. */
	struct de_trts_ocstack saved_oc = t->oc;
	uint32_t saved_depth = t->depth, saved_in_ocall = t->in_ocall;
	uint32_t saved_ocall = t->ocall_index;
	t->oc.frame = t->oc.pos;
	t->depth = saved_depth + 1;
	t->in_ocall = 0;
	t->slot->depth = t->depth;

	st = bridge((void *)(uintptr_t)ms);

	if (t->depth != saved_depth + 1 || t->in_ocall || !de_trts_ocstack_ok(&t->oc) ||
	    t->oc.base != saved_oc.base || t->oc.top != saved_oc.top || t->oc.frame != saved_oc.pos)
		*corrupt = 1;
	t->oc = saved_oc;
	t->depth = saved_depth;
	t->in_ocall = saved_in_ocall;
	t->ocall_index = saved_ocall;
	t->slot->depth = saved_depth;
	return st;
}

enum de_trts_action de_trts_classify(uint32_t state, int in_ocall)
{
	switch (state) {
	case DE_SLOT_SHUTDOWN:
		return DE_TRTS_DO_SHUTDOWN;
	case DE_SLOT_ECALL:
		return DE_TRTS_DO_ECALL;
	case DE_SLOT_OCALL_RET:
		return in_ocall ? DE_TRTS_OCALL_RETURN : DE_TRTS_KEEP_WAITING;
	default:
		return DE_TRTS_KEEP_WAITING;
	}
}

enum de_trts_phase de_trts_phase_at(uint64_t waited_ns)
{
	if (waited_ns < (uint64_t)DE_SPIN_US_DEFAULT * 1000)
		return DE_TRTS_SPIN;
	if (waited_ns < ((uint64_t)DE_SPIN_US_DEFAULT + DE_YIELD_US) * 1000)
		return DE_TRTS_YIELD;
	return DE_TRTS_NAP;
}

/* ---- the bridges' scratch ---------------------------------------------------------------------
 */

struct arena_hdr {
	size_t prev;  /* the block below's header offset, or SIZE_MAX */
	size_t freed; /* 1 once freed, while blocks above it live */
};

void de_trts_arena_init(struct de_trts_arena *a, void *mem, size_t size)
{
	uintptr_t p = (uintptr_t)mem, al = (p + 15) & ~(uintptr_t)15;
	a->base = mem && size > al - p ? (unsigned char *)al : NULL;
	a->size = a->base ? (size - (al - p)) & ~(size_t)15 : 0;
	a->pos = 0;
	a->top = SIZE_MAX;
}

void *de_trts_arena_alloc(struct de_trts_arena *a, size_t size)
{
	size_t room = a->size - a->pos;
	if (!a->base || room < sizeof(struct arena_hdr) || size > room - sizeof(struct arena_hdr))
		return NULL;
	size_t need = sizeof(struct arena_hdr) + ((size + 15) & ~(size_t)15);
	if (size == 0)
		need += 16;
	if (need > room)
		return NULL;
	struct arena_hdr *h = (struct arena_hdr *)(a->base + a->pos);
	h->prev = a->top;
	h->freed = 0;
	a->top = a->pos;
	a->pos += need;
	return h + 1;
}

int de_trts_arena_owns(const struct de_trts_arena *a, const void *p)
{
	uintptr_t u = (uintptr_t)p, b = (uintptr_t)a->base;
	return a->base && u >= b + sizeof(struct arena_hdr) && u < b + a->pos;
}

void de_trts_arena_free(struct de_trts_arena *a, void *p)
{
	struct arena_hdr *h = (struct arena_hdr *)p - 1;
	h->freed = 1;
	while (a->top != SIZE_MAX) {
		struct arena_hdr *t = (struct arena_hdr *)(a->base + a->top);
		if (!t->freed)
			break;
		a->pos = a->top;
		a->top = t->prev;
	}
}
