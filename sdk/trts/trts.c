/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The trusted runtime's entry point and call path (enclave side of
 * include/de/callslot.h): main() checks the window, starts one thread per
 * call slot and serves ECALLs on them; sgx_ocall() posts OCALLs and serves
 * the nested ECALLs that arrive while it waits; sgx_ocalloc()/sgx_ocfree()
 * manage the slot's OCALL stack; sgx_is_{within,outside}_enclave() classify
 * pointers. The decisions themselves are in trts_core.c.
 *
 * main() exits with an enum de_trts_exit status (trts_core.h) when the
 * window is missing or invalid (90..98, the window is then never touched)
 * or a slot thread cannot be started (99); after a SHUTDOWN on every slot
 * it returns 0.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pthread_getattr_np */
#endif
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "de/callslot.h"
#include "de/manager_abi.h"
#include "sgx_edger8r.h"
#include "sgx_trts.h"
#include "trts_core.h"

/* musl has no <linux/futex.h>; the Linux ABI values. */
#ifndef FUTEX_WAIT
#define FUTEX_WAIT         0
#define FUTEX_WAKE         1
#define FUTEX_PRIVATE_FLAG 128
#endif

/* Stack of each slot thread but slot 0's (which is the main thread): SGX's
 * default StackMaxSize. It comes out of the enclave's heap quota. */
#define SLOT_STACK_SIZE (256u << 10)
/* Each slot thread's scratch for the bridges' [in]/[out] copies, taken
 * from the heap at its first use: the copies of a call cost no malloc (which
 * would give the memory back to the EVM kernel on every free). */
#define BRIDGE_SCRATCH (64u << 10)
/* In the spin phase the clock is read every this many `pause`s. */
#define SPIN_CHECK 64u

/* Defined by the generated trusted code (NAME_t.c). g_dyn_entry_table is
 * absent when the enclave has no OCALL (or no ECALL). */
extern const struct de_trts_ecall_table g_ecall_table;
extern const struct de_trts_dyn_entry_table g_dyn_entry_table __attribute__((weak));

/* Written by main() before any slot thread starts, read-only afterwards. */
static struct de_trts_window g_win;
/* The window's header, once valid: only `ready` and `crashed` are written
 * through it, nothing is read. */
static volatile struct de_window_hdr *g_hdr;
static pthread_t g_threads[DE_WINDOW_MAX_SLOTS];
/* Slot threads that have reached their wait loop (a futex word). */
static volatile uint32_t g_started;

static _Thread_local struct de_trts_thread t_self;
static _Thread_local struct de_trts_arena t_scratch;
static _Thread_local int t_scratch_tried;

void de_trts_abort(void)
{
	volatile struct de_window_hdr *h = g_hdr;
	if (h)
		__atomic_store_n(&h->crashed, 1, __ATOMIC_RELEASE);
	for (;;)
		__asm__ volatile("ud2");
}

static void futex_wait(volatile uint32_t *word, uint32_t val)
{
	syscall(SYS_futex, word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
}

static void futex_wake(volatile uint32_t *word, int n)
{
	syscall(SYS_futex, word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, n, NULL, NULL, 0);
}

/* CLOCK_MONOTONIC in ns, or UINT64_MAX when the clock cannot be read. */
static uint64_t now_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) || ts.tv_sec < 0)
		return UINT64_MAX;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * Waiting is timed with the TSC: reading the clock is a system call here
 * (no vDSO; ~100 us on PVM hosts), which would cost more than the spin it
 * times. TSC ticks per microsecond are measured once at start; without a
 * usable measurement the clock is used.
 */
static uint64_t g_tsc_per_us;

static uint64_t tsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static void tsc_calibrate(void)
{
	const struct timespec pause_1ms = {0, 1000000};
	uint64_t t0 = now_ns(), c0 = tsc();
	nanosleep(&pause_1ms, NULL);
	uint64_t t1 = now_ns(), c1 = tsc();
	if (t0 == UINT64_MAX || t1 == UINT64_MAX || t1 <= t0 + 100000 || c1 <= c0)
		return; /* stay with the clock */
	uint64_t per_us = (c1 - c0) / ((t1 - t0) / 1000);
	if (per_us >= 100 && per_us <= 100000) /* 100 MHz .. 100 GHz */
		g_tsc_per_us = per_us;
}

/* A timestamp for phase_since(): TSC ticks, or clock ns without a TSC rate. */
static uint64_t wait_start(void)
{
	return g_tsc_per_us ? tsc() : now_ns();
}

static enum de_trts_phase phase_since(uint64_t t0)
{
	if (g_tsc_per_us) {
		uint64_t c = tsc();
		return de_trts_phase_at(c < t0 ? 0 : (c - t0) / g_tsc_per_us * 1000);
	}
	uint64_t t = now_ns();
	if (t0 == UINT64_MAX || t == UINT64_MAX || t < t0)
		return DE_TRTS_NAP; /* no usable clock: never spin unbounded */
	return de_trts_phase_at(t - t0);
}

/*
 * Waits until the slot's state calls for an action (de_trts_classify) and
 * returns it; the state was loaded with acquire order. callslot.h's policy:
 * spin with `pause` for DE_SPIN_US_DEFAULT, sched_yield for DE_YIELD_US,
 * then nanosleep DE_NAP_US at a time with slot->sleeping set. The scheduler
 * is cooperative, so the spin phase is bounded by the clock.
 */
static enum de_trts_action wait_slot(struct de_call_slot *s, int in_ocall)
{
	const struct timespec nap = {0, (long)DE_NAP_US * 1000};
	uint64_t t0 = wait_start();
	enum de_trts_phase phase = DE_TRTS_SPIN;
	unsigned spins = 0;
	int napping = 0;
	for (;;) {
		uint32_t st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
		enum de_trts_action a = de_trts_classify(st, in_ocall);
		if (a != DE_TRTS_KEEP_WAITING) {
			if (napping)
				__atomic_store_n(&s->sleeping, 0, __ATOMIC_RELAXED);
			return a;
		}
		switch (phase) {
		case DE_TRTS_SPIN:
			__asm__ volatile("pause" ::: "memory");
			if (++spins % SPIN_CHECK == 0)
				phase = phase_since(t0);
			break;
		case DE_TRTS_YIELD:
			sched_yield();
			phase = phase_since(t0);
			break;
		case DE_TRTS_NAP:
			if (!napping) {
				/* Announce the nap, then look at the state once more. */
				__atomic_store_n(&s->sleeping, 1, __ATOMIC_SEQ_CST);
				napping = 1;
				break;
			}
			nanosleep(&nap, NULL);
			break;
		}
	}
}

static const struct de_trts_dyn_entry_table *dyn_table(void)
{
	return &g_dyn_entry_table; /* NULL when the weak symbol is absent */
}

/* Runs the ECALL posted on the slot (index and ms read once) and answers. */
static void serve_ecall(struct de_trts_thread *t)
{
	struct de_call_slot *s = t->slot;
	uint32_t index = __atomic_load_n(&s->index, __ATOMIC_RELAXED);
	uint64_t ms = __atomic_load_n(&s->ms, __ATOMIC_RELAXED);
	int corrupt = 0;
	sgx_status_t st =
	    de_trts_run_ecall(t, &g_win, &g_ecall_table, dyn_table(), index, ms, &corrupt);
	if (corrupt)
		de_trts_abort();
	__atomic_store_n(&s->status, (int32_t)st, __ATOMIC_RELAXED);
	__atomic_store_n(&s->state, (uint32_t)DE_SLOT_ECALL_RET, __ATOMIC_RELEASE);
}

/* The loop of one slot's thread, whose stack starts at stack_low; returns
 * on SHUTDOWN. */
static void serve_slot(uint32_t i, uintptr_t stack_low, int count_start)
{
	struct de_trts_thread *t = &t_self;
	de_trts_thread_init(t, &g_win, i);
	de_trts_thread_set_stack(t, stack_low, (uintptr_t)__builtin_frame_address(0) - stack_low);
	if (count_start) {
		__atomic_add_fetch(&g_started, 1, __ATOMIC_SEQ_CST);
		futex_wake(&g_started, 1);
	}
	for (;;) {
		enum de_trts_action a = wait_slot(t->slot, 0);
		if (a == DE_TRTS_DO_SHUTDOWN)
			break;
		if (a == DE_TRTS_DO_ECALL)
			serve_ecall(t);
	}
	if (t->depth || t->in_ocall)
		de_trts_abort();
	t->slot = NULL;
}

static void *slot_thread(void *arg)
{
	pthread_attr_t a;
	void *low = NULL;
	size_t size = 0;
	if (pthread_getattr_np(pthread_self(), &a) || pthread_attr_getstack(&a, &low, &size))
		exit(DE_TRTS_EXIT_THREADS);
	pthread_attr_destroy(&a);
	serve_slot((uint32_t)(uintptr_t)arg, (uintptr_t)low, 1);
	return NULL;
}

int main(void)
{
	uintptr_t base = (uintptr_t)getauxval(DE_AT_DE_ARG);
	struct de_trts_range enclave = de_trts_enclave_range();
	int rc = de_trts_check_base(base, &enclave);
	if (rc)
		return rc;
	/* The header is copied once; only the copy is checked and used. (The
	 * manager maps the window before START; an address that is not mapped
	 * faults here, which only harms the application that gave it.) */
	struct de_window_hdr hdr;
	memcpy(&hdr, (const void *)base, sizeof(hdr));
	__asm__ volatile("" ::: "memory");
	struct de_trts_window w;
	rc = de_trts_check_window(base, &hdr, &enclave, &w);
	if (rc)
		return rc;
	/* The main thread serves slot 0 on the stack the manager gave it. */
	uintptr_t main_stack_low = (uintptr_t)getauxval(DE_AT_DE_STACK_LOW);
	if (main_stack_low == 0 || main_stack_low >= (uintptr_t)__builtin_frame_address(0))
		exit(DE_TRTS_EXIT_THREADS);
	g_win = w;
	g_hdr = (volatile struct de_window_hdr *)base;
	tsc_calibrate();

	pthread_attr_t attr;
	if (pthread_attr_init(&attr) || pthread_attr_setstacksize(&attr, SLOT_STACK_SIZE))
		exit(DE_TRTS_EXIT_THREADS);
	for (uint32_t i = 1; i < w.nr_slots; i++)
		if (pthread_create(&g_threads[i], &attr, slot_thread, (void *)(uintptr_t)i))
			exit(DE_TRTS_EXIT_THREADS); /* ends the threads already started */
	pthread_attr_destroy(&attr);
	for (;;) {
		uint32_t n = __atomic_load_n(&g_started, __ATOMIC_SEQ_CST);
		if (n == w.nr_slots - 1)
			break;
		futex_wait(&g_started, n);
	}
	__atomic_store_n(&g_hdr->ready, 1, __ATOMIC_RELEASE);

	serve_slot(0, main_stack_low, 0);
	for (uint32_t i = 1; i < w.nr_slots; i++)
		pthread_join(g_threads[i], NULL);
	return 0;
}

sgx_status_t SGX_CDECL sgx_ocall(const unsigned int index, void *ms)
{
	struct de_trts_thread *t = &t_self;
	struct de_call_slot *s = t->slot;
	if (!s || t->depth == 0 || t->in_ocall)
		return SGX_ERROR_UNEXPECTED;
	if (ms && !de_trts_in_window(&g_win, ms, 1))
		return SGX_ERROR_INVALID_PARAMETER;
	t->in_ocall = 1;
	t->ocall_index = index;
	__atomic_store_n(&s->index, (uint32_t)index, __ATOMIC_RELAXED);
	__atomic_store_n(&s->ms, (uint64_t)(uintptr_t)ms, __ATOMIC_RELAXED);
	__atomic_store_n(&s->state, (uint32_t)DE_SLOT_OCALL, __ATOMIC_RELEASE);
	for (;;) {
		enum de_trts_action a = wait_slot(s, 1);
		if (a == DE_TRTS_OCALL_RETURN)
			break;
		if (a == DE_TRTS_DO_SHUTDOWN) {
			/* Destroyed in the middle of an ECALL: end the whole
			 * enclave at once, so that no other slot goes on with
			 * state this ECALL left half done. */
			exit(0);
		}
		if (a == DE_TRTS_DO_ECALL)
			serve_ecall(t); /* nested: restores t's OCALL state */
	}
	sgx_status_t st = (sgx_status_t)__atomic_load_n(&s->status, __ATOMIC_RELAXED);
	t->in_ocall = 0;
	return st;
}

void *SGX_CDECL de_edge_malloc(size_t size)
{
	if (t_self.slot) {
		if (!t_scratch_tried) {
			t_scratch_tried = 1;
			de_trts_arena_init(&t_scratch, malloc(BRIDGE_SCRATCH), BRIDGE_SCRATCH);
		}
		void *p = de_trts_arena_alloc(&t_scratch, size);
		if (p)
			return p;
	}
	return malloc(size);
}

void SGX_CDECL de_edge_free(void *p)
{
	if (de_trts_arena_owns(&t_scratch, p))
		de_trts_arena_free(&t_scratch, p);
	else
		free(p);
}

void *SGX_CDECL sgx_ocalloc(size_t size)
{
	struct de_trts_thread *t = &t_self;
	if (!t->slot || t->depth == 0)
		return NULL;
	void *p = de_trts_ocalloc(&t->oc, size);
	if (!p && !de_trts_ocstack_ok(&t->oc))
		de_trts_abort();
	return p;
}

void SGX_CDECL sgx_ocfree(void)
{
	struct de_trts_thread *t = &t_self;
	if (!t->slot || t->depth == 0)
		return;
	if (de_trts_ocfree(&t->oc))
		de_trts_abort();
}

int SGX_CDECL sgx_is_outside_enclave(const void *addr, size_t size)
{
	return g_win.base ? de_trts_in_window(&g_win, addr, size) : 0;
}

int SGX_CDECL sgx_is_within_enclave(const void *addr, size_t size)
{
	struct de_trts_range r = de_trts_enclave_range();
	return de_trts_in_enclave(&r, g_win.base ? &g_win : NULL, addr, size);
}
