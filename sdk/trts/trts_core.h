/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The trusted runtime's pure logic: checking the window header, classifying
 * pointers, the OCALL stack allocator, deciding whether an ECALL may run
 * and running it, and what a waiting slot thread does with each state it
 * sees. Nothing here makes a system call or touches a global, so the host
 * unit tests (sdk/trts/tests/test_trts_core.c) compile it against a fake
 * window. trts.c owns the globals, the threads and the waiting.
 */
#ifndef DE_TRTS_CORE_H
#define DE_TRTS_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "de/callslot.h"
#include "sgx_error.h"

/*
 * Exit statuses of an enclave whose trusted runtime did not start. For
 * 90..98 the window was rejected and never touched again (not even
 * `crashed`); 99 means the window was valid but a slot thread could not be
 * created (the enclave exits without setting `ready`).
 */
enum de_trts_exit {
	DE_TRTS_EXIT_NO_WINDOW = 90,    /* no start argument, or not page aligned */
	DE_TRTS_EXIT_PLACEMENT = 91,    /* window outside the user range, or overlapping the
	                                   enclave's 1 TiB, the save areas or the trampoline */
	DE_TRTS_EXIT_MAGIC = 92,        /* magic is not DE_WINDOW_MAGIC */
	DE_TRTS_EXIT_VERSION = 93,      /* version is not DE_WINDOW_VERSION */
	DE_TRTS_EXIT_SLOTS = 94,        /* nr_slots outside 1 .. DE_WINDOW_MAX_SLOTS */
	DE_TRTS_EXIT_SIZE = 95,         /* size not a page multiple >= DE_WINDOW_MIN_SIZE */
	DE_TRTS_EXIT_SLOT_OFFSET = 96,  /* slot array not page aligned after the header page */
	DE_TRTS_EXIT_OCALL_STACKS = 97, /* ocall_offset/ocall_size bad, or the stacks overlap
	                                   the slots or do not fit */
	DE_TRTS_EXIT_HEAP = 98,         /* heap_offset not aligned, before the stacks, or >= size */
	DE_TRTS_EXIT_THREADS = 99,      /* a slot thread could not be started, or its stack
	                                 * is unknown (no DE_AT_DE_STACK_LOW for the main
	                                 * thread) */
};

/* The checked copy of the window header, kept in enclave memory. */
struct de_trts_window {
	uintptr_t base; /* W */
	uint64_t size;  /* S */
	uint32_t nr_slots;
	uint64_t slot_offset;
	uint64_t ocall_offset;
	uint64_t ocall_size;
	uint64_t heap_offset;
};

/* The enclave's own range [lo, hi): its reserved 1 TiB. */
struct de_trts_range {
	uintptr_t lo, hi;
};

/*
 * The enclave's range, from its load address (&__ehdr_start) rounded down
 * to the reserved span (trts_range.c, in the enclave only; its own object
 * so that the host loopback test can wrap it with --wrap).
 */
#define DE_TRTS_ENCLAVE_SPAN 0x0000010000000000ull /* 1 TiB, src/evm/manager/enclave.h */
struct de_trts_range de_trts_enclave_range(void);

/* 1 when [p, p+n) lies inside [lo, hi); for n == 0, when lo <= p <= hi. */
static inline int de_trts_range_in(uintptr_t p, size_t n, uintptr_t lo, uintptr_t hi)
{
	if (p < lo || p > hi)
		return 0;
	return n <= hi - p;
}

/* 1 when [a, a+an) and [b, b+bn) share a byte (lengths must not overflow). */
static inline int de_trts_overlap(uintptr_t a, uint64_t an, uintptr_t b, uint64_t bn)
{
	return an && bn && a < b + bn && b < a + an;
}

/*
 * Checks the window's address before its header is read: non-zero, page
 * aligned, and its first page placed where a window may be (see
 * de_trts_check_window). 0 or an enum de_trts_exit status.
 */
int de_trts_check_base(uintptr_t base, const struct de_trts_range *enclave);

/*
 * Checks a copy of the header (taken once from the window at base) against
 * callslot.h's rules and fills *out. The whole window [base, base+size) must
 * lie in the user range below the syscall trampoline and must not overlap
 * the enclave's range or the per-thread save areas. Layout, in this order
 * and without overlap: header page, slots at slot_offset (page aligned,
 * >= one page), OCALL stacks at ocall_offset (page aligned, at or after the
 * end of the slots; nr_slots stacks of ocall_size, a page multiple within
 * DE_OCALL_STACK_MIN .. DE_OCALL_STACK_MAX), heap at heap_offset (page
 * aligned, at or after the end of the stacks, below size).
 * 0 or an enum de_trts_exit status; *out is written only on success.
 */
int de_trts_check_window(uintptr_t base, const struct de_window_hdr *hdr,
                         const struct de_trts_range *enclave, struct de_trts_window *out);

static inline struct de_call_slot *de_trts_slot(const struct de_trts_window *w, uint32_t i)
{
	return (struct de_call_slot *)(w->base + (uintptr_t)w->slot_offset +
	                               (uintptr_t)i * sizeof(struct de_call_slot));
}

/* 1 when [p, p+n) lies inside the window (sgx_is_outside_enclave). */
static inline int de_trts_in_window(const struct de_trts_window *w, const void *p, size_t n)
{
	return w && w->base && de_trts_range_in((uintptr_t)p, n, w->base, w->base + w->size);
}

/* 1 when [p, p+n) lies inside the enclave's range and not in the window
 * (sgx_is_within_enclave); w may be NULL before the window is known. */
int de_trts_in_enclave(const struct de_trts_range *enclave, const struct de_trts_window *w,
                       const void *p, size_t n);

/*
 * A slot's OCALL stack: a bump allocator over [base, top) in the window.
 * `frame` is where the allocations of the innermost ECALL in progress
 * begin; sgx_ocfree() returns to it. Invariant: base <= frame <= pos <= top.
 */
struct de_trts_ocstack {
	uintptr_t base, top;
	uintptr_t frame;
	uintptr_t pos;
};

#define DE_TRTS_OCALLOC_ALIGN 16u

int de_trts_ocstack_ok(const struct de_trts_ocstack *s);
/* size bytes, 16-byte aligned, or NULL when they do not fit (or the stack
 * state is corrupt: check with de_trts_ocstack_ok). */
void *de_trts_ocalloc(struct de_trts_ocstack *s, size_t size);
/* Releases everything allocated in the current frame. -1 when the stack
 * state is corrupt, else 0. */
int de_trts_ocfree(struct de_trts_ocstack *s);

/* The generated tables (sgx_edger8r.h); entry_table is [nr_ocall][nr_ecall]. */
struct de_trts_ecall_entry {
	void *ecall_addr;
	uint8_t is_priv;
	uint8_t is_switchless;
};
struct de_trts_ecall_table {
	size_t nr_ecall;
	struct de_trts_ecall_entry ecall_table[];
};
struct de_trts_dyn_entry_table {
	size_t nr_ocall;
	uint8_t entry_table[];
};

/*
 * A slot thread's scratch for the ECALL bridges' buffers: a stack of
 * blocks, each after a 16-byte header. A block freed out of order is only
 * marked; it is given back with the blocks above it. The bridges free
 * everything they allocate before they return, so the area is empty
 * between ECALLs and a nested ECALL's blocks sit above its caller's.
 */
struct de_trts_arena {
	unsigned char *base; /* 16-byte aligned; NULL: no area (alloc gives NULL) */
	size_t size, pos;    /* pos: first free byte */
	size_t top;          /* offset of the topmost block's header, or SIZE_MAX */
};

void de_trts_arena_init(struct de_trts_arena *a, void *mem, size_t size);
/* size bytes (0 counts as 1), 16-byte aligned, or NULL when they do not fit. */
void *de_trts_arena_alloc(struct de_trts_arena *a, size_t size);
/* 1 when p is a block of a (from de_trts_arena_alloc). */
int de_trts_arena_owns(const struct de_trts_arena *a, const void *p);
void de_trts_arena_free(struct de_trts_arena *a, void *p);

/* A slot thread's state (one per slot thread, thread-local in trts.c). */
struct de_trts_thread {
	struct de_call_slot *slot; /* NULL: not a slot thread */
	uint32_t slot_index;
	uint32_t depth;       /* ECALLs in progress on this thread, nested included */
	uint32_t in_ocall;    /* 1 while the innermost ECALL waits for an OCALL */
	uint32_t ocall_index; /* that OCALL's number */
	struct de_trts_ocstack oc;
	/* The thread's stack: a nested ECALL is refused with
	 * SGX_ERROR_STACK_OVERRUN when less than stack_reserve bytes are left
	 * above stack_low (de_trts_thread_set_stack). */
	uintptr_t stack_low;
	size_t stack_reserve;
};

/* Stack kept free below a nested ECALL's caller: room for the bridge, the
 * ECALL's own frames and its OCALL proxy (a level takes about 200 bytes);
 * a quarter of the stack when that is less. */
#define DE_TRTS_STACK_RESERVE (32u << 10)

/* Binds t to slot i of w (i < w->nr_slots), with an empty OCALL stack and
 * no stack bound (stack_low 0). */
void de_trts_thread_init(struct de_trts_thread *t, const struct de_trts_window *w, uint32_t i);
/* t's stack is [low, low + size): sets stack_low and stack_reserve. */
void de_trts_thread_set_stack(struct de_trts_thread *t, uintptr_t low, size_t size);

/*
 * May ECALL `index` run now on t? SGX_ERROR_INVALID_FUNCTION for an index
 * outside the table; at the root (no ECALL in progress) a private ECALL is
 * SGX_ERROR_ECALL_NOT_ALLOWED; nested in OCALL o (t->in_ocall) it must be
 * allowed by dyn->entry_table[o][index] (dyn may be NULL: nothing allowed).
 */
sgx_status_t de_trts_ecall_allowed(const struct de_trts_thread *t,
                                   const struct de_trts_ecall_table *et,
                                   const struct de_trts_dyn_entry_table *dyn, uint32_t index);

/*
 * Runs ECALL `index` with marshalling struct ms (read once from the slot by
 * the caller) on t and returns its status: the checks above, then a nested
 * ECALL needs stack_reserve bytes of stack above stack_low
 * (SGX_ERROR_STACK_OVERRUN), then ms must be 0 or inside the window, then
 * the bridge runs in a fresh OCALL frame
 * (depth + 1, not in an OCALL); t's OCALL stack position, frame, depth and
 * OCALL state are restored afterwards, so a nested ECALL never disturbs the
 * OCALL that is waiting for it. Writes slot->depth (diagnostics), not
 * state/status. *corrupt is set to 1 when t's state was found inconsistent
 * afterwards (the caller aborts).
 */
sgx_status_t de_trts_run_ecall(struct de_trts_thread *t, const struct de_trts_window *w,
                               const struct de_trts_ecall_table *et,
                               const struct de_trts_dyn_entry_table *dyn, uint32_t index,
                               uint64_t ms, int *corrupt);

/* What a slot thread does with a state it read (acquire) from its slot. */
enum de_trts_action {
	DE_TRTS_KEEP_WAITING = 0,
	DE_TRTS_DO_ECALL,     /* run the ECALL posted on the slot */
	DE_TRTS_OCALL_RETURN, /* the OCALL returned: take its status */
	DE_TRTS_DO_SHUTDOWN,  /* leave */
};

/* in_ocall: 0 while idle (waiting for an ECALL), 1 while waiting for an
 * OCALL to return. Any state the application should not have written is
 * ignored (keep waiting): the application can only stall its own calls. */
enum de_trts_action de_trts_classify(uint32_t state, int in_ocall);

/* The waiting phases of callslot.h, by time spent waiting so far. */
enum de_trts_phase {
	DE_TRTS_SPIN = 0, /* pause, no system call */
	DE_TRTS_YIELD,    /* sched_yield */
	DE_TRTS_NAP,      /* nanosleep DE_NAP_US, slot->sleeping = 1 */
};
enum de_trts_phase de_trts_phase_at(uint64_t waited_ns);

#endif /* DE_TRTS_CORE_H */
