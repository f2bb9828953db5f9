/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Enclaves and the call path: the enclave table, sgx_ecall() over the call
 * slots of include/de/callslot.h, waiting, de_window_alloc/free and
 * sgx_destroy_enclave().
 *
 * The window is written by the enclave too, so nothing the application
 * relies on lives only there: which application thread holds a slot is
 * decided in application memory (owners[]; the slot's `owner` word is a
 * mirror), the layout is the application's own copy, and every value read
 * from a slot is checked before use.
 *
 * Lifetime of an enclave: the table holds one reference, every thread in
 * one of its functions another. sgx_destroy_enclave() marks it destroyed
 * (no new calls or allocations; its id stays in the table only so that
 * blocks still allocated can be freed), has the service destroy it, waits
 * for the calls in progress, closes the connection, and takes it out of
 * the table once no block of its window is allocated. The window is
 * unmapped with the last reference: a pointer from de_window_alloc() stays
 * valid until it is freed.
 */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "de_window.h"
#include "sgx_edger8r.h"
#include "sgx_urts.h"
#include "sgx_uswitchless.h"
#include "urts.h"

#define NO_SLOT UINT32_MAX

struct urts_enclave {
	sgx_enclave_id_t eid; /* 0 until registered */
	char name[64];        /* for the log */
	struct urts_window win;
	struct de_window_hdr *hdr;  /* in the window */
	struct de_call_slot *slots; /* in the window */
	uint32_t nr_slots;
	uint64_t ocall_lo, ocall_hi; /* the OCALL stacks: where an OCALL's ms must be */
	atomic_uint *owners;         /* 1 while an application thread holds slot i */
	struct urts_heap heap;
	struct urts_wait wait;
	const struct urts_ops *ops;
	void *ctx;
	unsigned fork_gen; /* fork_gen when it was created */

	atomic_int refs;
	atomic_int calls;      /* sgx_ecall()s in progress */
	atomic_int crashed;    /* the enclave crashed or exited */
	atomic_int lost;       /* the service closed its connection */
	atomic_int destroying; /* sgx_destroy_enclave() has begun */
	atomic_int closed;     /* ... and has closed the connection */
	atomic_int detailed;   /* detail is written */
	atomic_uint_fast64_t next_probe;
	pthread_mutex_t drain_lock;
	pthread_cond_t drained;
	int destroyed;    /* under table_lock: no longer callable */
	char detail[256]; /* why it crashed or was lost (first reason) */
};

/* Writers first: a stream of sgx_ecall()s must not starve create and destroy
 * (no thread ever holds it twice). */
#ifdef PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP
static pthread_rwlock_t table_lock = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
#else
static pthread_rwlock_t table_lock = PTHREAD_RWLOCK_INITIALIZER;
#endif
static struct urts_enclave **table;
static size_t table_len, table_cap;
static sgx_enclave_id_t next_eid = 1;
static atomic_uint fork_gen;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* The calls this thread is in, innermost first (they nest through OCALLs). */
struct frame {
	struct urts_enclave *enc;
	uint32_t slot;
	int in_ocall; /* running an OCALL bridge: ECALLs to enc reuse the slot */
	struct frame *prev;
};
static _Thread_local struct frame *tls_frames;
static _Thread_local uint32_t tls_hint; /* the slot this thread used last */

/* The OCALL table the generated code passes to sgx_ecall(). */
struct ocall_table {
	size_t nr_ocall;
	void *table[];
};

/* ---- utilities -------------------------------------------------------------- */

void urts_log(const char *fmt, ...)
{
	char buf[1024];
	size_t n = (size_t)snprintf(buf, sizeof(buf), "de_urts: ");
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	va_end(ap);
	if (m > 0)
		n += (size_t)m < sizeof(buf) - n - 1 ? (size_t)m : sizeof(buf) - n - 2;
	buf[n++] = '\n';
	for (size_t off = 0; off < n;) { /* one write: the line stays whole */
		ssize_t w = write(STDERR_FILENO, buf + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
}

uint64_t urts_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

static uint64_t pause_ps; /* picoseconds per pause */
static pthread_once_t pause_once = PTHREAD_ONCE_INIT;

static void pause_calibrate(void)
{
	uint64_t best = UINT64_MAX;
	for (int round = 0; round < 3; round++) {
		uint64_t t0 = urts_now_ns();
		for (int i = 0; i < 2000; i++)
			cpu_relax();
		uint64_t dt = urts_now_ns() - t0;
		best = dt < best ? dt : best;
	}
	pause_ps = best / 2 ? best / 2 : 1; /* best ns / 2000 pauses, in ps */
}

uint64_t urts_pauses_ns(uint32_t n)
{
	pthread_once(&pause_once, pause_calibrate);
	return (uint64_t)n * pause_ps / 1000;
}

void urts_wait_defaults(struct urts_wait *w)
{
	w->spin_ns = DE_SPIN_US_DEFAULT * 1000ull;
	w->yield_ns = DE_YIELD_US * 1000ull;
	w->nap_ns = DE_NAP_US * 1000ull;
	w->probe_ns = 20000000ull;
}

/* ---- fork ---------------------------------------------------------------- */

/*
 * A forked child has its parent's table but not its windows (MADV_DONTFORK)
 * nor, really, its connections: its enclaves are lost (SGX_ERROR_ENCLAVE_LOST)
 * and destroying them only forgets them.
 */
static void atfork_prepare(void)
{
	pthread_rwlock_wrlock(&table_lock);
}

static void atfork_parent(void)
{
	pthread_rwlock_unlock(&table_lock);
}

static void atfork_child(void)
{
	atomic_fetch_add(&fork_gen, 1);
	/* The parent's thread held it: unlocking from another TID is not allowed. */
	pthread_rwlockattr_t attr;
	pthread_rwlockattr_init(&attr);
#ifdef PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
#endif
	pthread_rwlock_init(&table_lock, &attr);
	pthread_rwlockattr_destroy(&attr);
}

static void init_once(void)
{
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

static int forked(const struct urts_enclave *enc)
{
	return enc->fork_gen != atomic_load_explicit(&fork_gen, memory_order_relaxed);
}

/* ---- enclaves ----------------------------------------------------------- */

struct urts_enclave *urts_enclave_new(struct urts_window *w, const char *name,
                                      const struct urts_wait *wait, const struct urts_ops *ops,
                                      void *ctx)
{
	pthread_once(&once, init_once);
	struct urts_enclave *enc = calloc(1, sizeof(*enc));
	atomic_uint *owners = calloc(w->lay.nr_slots, sizeof(*owners));
	if (!enc || !owners ||
	    urts_heap_init(&enc->heap, (uintptr_t)w->base + w->lay.heap_offset,
	                   (uintptr_t)w->base + w->size)) {
		free(enc);
		free(owners);
		urts_window_close(w);
		ops->close(ctx);
		return NULL;
	}
	snprintf(enc->name, sizeof(enc->name), "%s", name);
	enc->win = *w;
	w->base = NULL;
	w->fd = -1;
	enc->hdr = (struct de_window_hdr *)enc->win.base;
	enc->slots = (struct de_call_slot *)(enc->win.base + enc->win.lay.slot_offset);
	enc->nr_slots = enc->win.lay.nr_slots;
	enc->ocall_lo = (uintptr_t)enc->win.base + enc->win.lay.ocall_offset;
	enc->ocall_hi = (uintptr_t)enc->win.base + enc->win.lay.heap_offset;
	enc->owners = owners;
	enc->wait = *wait;
	enc->ops = ops;
	enc->ctx = ctx;
	enc->fork_gen = atomic_load(&fork_gen);
	atomic_init(&enc->refs, 1);
	pthread_mutex_init(&enc->drain_lock, NULL);
	pthread_cond_init(&enc->drained, NULL);
	return enc;
}

static void enclave_free(struct urts_enclave *enc)
{
	if (!forked(enc)) {
		urts_heap_fini(&enc->heap);
		urts_window_close(&enc->win);
		pthread_mutex_destroy(&enc->drain_lock);
		pthread_cond_destroy(&enc->drained);
	}
	/* In a forked child the window is not mapped, and the locks and the
	 * heap may have been in use by threads that did not come along. */
	free(enc->owners);
	free(enc);
}

static void put(struct urts_enclave *enc)
{
	if (atomic_fetch_sub(&enc->refs, 1) == 1)
		enclave_free(enc);
}

void urts_enclave_discard(struct urts_enclave *enc)
{
	enc->ops->close(enc->ctx);
	put(enc);
}

sgx_enclave_id_t urts_enclave_register(struct urts_enclave *enc)
{
	pthread_once(&once, init_once);
	pthread_rwlock_wrlock(&table_lock);
	if (table_len == table_cap) {
		size_t cap = table_cap ? table_cap * 2 : 8;
		struct urts_enclave **t = realloc(table, cap * sizeof(*t));
		if (!t) {
			pthread_rwlock_unlock(&table_lock);
			return 0;
		}
		table = t;
		table_cap = cap;
	}
	enc->eid = next_eid++;
	table[table_len++] = enc;
	pthread_rwlock_unlock(&table_lock);
	return enc->eid;
}

enum get_for { GET_CALL, GET_ALLOC, GET_FREE };

/* The enclave with id eid, referenced (and counted as a call for GET_CALL). */
static struct urts_enclave *get(sgx_enclave_id_t eid, enum get_for why)
{
	struct urts_enclave *enc = NULL;
	pthread_rwlock_rdlock(&table_lock);
	for (size_t i = 0; i < table_len; i++) {
		if (table[i]->eid == eid) {
			enc = table[i];
			break;
		}
	}
	if (enc && enc->destroyed && why != GET_FREE)
		enc = NULL;
	if (enc) {
		atomic_fetch_add(&enc->refs, 1);
		if (why == GET_CALL)
			atomic_fetch_add(&enc->calls, 1);
	}
	pthread_rwlock_unlock(&table_lock);
	return enc;
}

static void end_call(struct urts_enclave *enc)
{
	if (atomic_fetch_sub(&enc->calls, 1) == 1 && atomic_load(&enc->destroying)) {
		pthread_mutex_lock(&enc->drain_lock);
		pthread_cond_broadcast(&enc->drained);
		pthread_mutex_unlock(&enc->drain_lock);
	}
}

/* Takes a destroyed, closed enclave out of the table once nothing needs its id. */
static void try_reap(struct urts_enclave *enc)
{
	if (!atomic_load(&enc->closed))
		return;
	if (!forked(enc) && (atomic_load(&enc->calls) || urts_heap_close(&enc->heap)))
		return;
	int found = 0;
	pthread_rwlock_wrlock(&table_lock);
	for (size_t i = 0; i < table_len; i++) {
		if (table[i] == enc) {
			table[i] = table[--table_len];
			found = 1;
			break;
		}
	}
	pthread_rwlock_unlock(&table_lock);
	if (found)
		put(enc); /* the table's reference */
}

/* ---- waiting ---------------------------------------------------------------- */

static void mark(struct urts_enclave *enc, atomic_int *flag, const char *detail)
{
	if (atomic_exchange(flag, 1))
		return;
	if (!atomic_exchange(&enc->detailed, 1))
		snprintf(enc->detail, sizeof(enc->detail), "%s", detail);
	if (!enc->eid)
		return; /* still being created: sgx_create_enclave() says what happened */
	if (flag == &enc->crashed)
		urts_log(
		    "enclave %llu (%s) %s; its calls now fail with SGX_ERROR_ENCLAVE_CRASHED: "
		    "destroy it and create it again (on a debug EVM, dectl console shows more)",
		    (unsigned long long)enc->eid, enc->name, detail);
	else
		urts_log("enclave %llu (%s) is lost: %s; its calls now fail with "
		         "SGX_ERROR_ENCLAVE_LOST: restart de_platform_service and create it again",
		         (unsigned long long)enc->eid, enc->name, detail);
}

/* What stops a wait: destroy, fork, crash, loss. SGX_SUCCESS: keep waiting. */
static sgx_status_t check(struct urts_enclave *enc)
{
	if (atomic_load_explicit(&enc->destroying, memory_order_relaxed) ||
	    atomic_load_explicit(&enc->lost, memory_order_relaxed) || forked(enc))
		return SGX_ERROR_ENCLAVE_LOST;
	if (atomic_load_explicit(&enc->crashed, memory_order_relaxed))
		return SGX_ERROR_ENCLAVE_CRASHED;
	if (__atomic_load_n(&enc->hdr->crashed, __ATOMIC_RELAXED)) {
		mark(enc, &enc->crashed, "stopped in abort() (its trusted runtime set crashed)");
		return SGX_ERROR_ENCLAVE_CRASHED;
	}
	return SGX_SUCCESS;
}

/* Asks the service whether the enclave still runs: one thread per enclave
 * at most every probe_ns. */
static sgx_status_t probe(struct urts_enclave *enc)
{
	uint64_t now = urts_now_ns();
	uint_fast64_t next = atomic_load(&enc->next_probe);
	if (now < next ||
	    !atomic_compare_exchange_strong(&enc->next_probe, &next, now + enc->wait.probe_ns))
		return SGX_SUCCESS;
	char detail[256] = "";
	switch (enc->ops->probe(enc->ctx, detail, sizeof(detail))) {
	case URTS_DEAD:
		mark(enc, &enc->crashed, detail[0] ? detail : "is gone from the EVM");
		return SGX_ERROR_ENCLAVE_CRASHED;
	case URTS_LOST:
		mark(enc, &enc->lost, detail[0] ? detail : "the service closed the connection");
		return SGX_ERROR_ENCLAVE_LOST;
	default:
		return SGX_SUCCESS;
	}
}

enum { SPIN, YIELD, NAP };

struct waiter {
	uint64_t t0;
	unsigned n;
	int phase;
};

static void waiter_start(struct waiter *w)
{
	w->t0 = urts_now_ns();
	w->n = 0;
	w->phase = SPIN;
}

/*
 * One step of waiting for the enclave: a pause while the spin budget lasts,
 * then sched_yield for DE_YIELD_US, then naps, probing the service now and
 * then. Returns SGX_SUCCESS to go on waiting, else why to stop.
 */
static sgx_status_t waiter_step(struct urts_enclave *enc, struct waiter *w)
{
	const struct urts_wait *cfg = &enc->wait;
	if (w->phase == SPIN) {
		cpu_relax();
		if (++w->n % 64)
			return SGX_SUCCESS;
		if (urts_now_ns() - w->t0 >= cfg->spin_ns)
			w->phase = YIELD;
		return check(enc);
	}
	if (w->phase == YIELD) {
		sched_yield();
		if (urts_now_ns() - w->t0 >= cfg->spin_ns + cfg->yield_ns)
			w->phase = NAP;
		return check(enc);
	}
	struct timespec ts = {.tv_sec = (time_t)(cfg->nap_ns / 1000000000u),
	                      .tv_nsec = (long)(cfg->nap_ns % 1000000000u)};
	nanosleep(&ts, NULL);
	sgx_status_t st = check(enc);
	if (st == SGX_SUCCESS && urts_now_ns() - w->t0 >= cfg->probe_ns)
		st = probe(enc);
	return st;
}

sgx_status_t urts_enclave_wait_ready(struct urts_enclave *enc, uint64_t timeout_ns, char *detail,
                                     size_t len)
{
	struct waiter w;
	waiter_start(&w);
	for (;;) {
		if (__atomic_load_n(&enc->hdr->ready, __ATOMIC_ACQUIRE) == 1)
			return SGX_SUCCESS;
		sgx_status_t st = waiter_step(enc, &w);
		if (st) {
			snprintf(detail, len, "%s", enc->detail);
			return st;
		}
		if (w.phase == NAP && urts_now_ns() - w.t0 >= timeout_ns) {
			snprintf(detail, len, "did not report ready within %llu ms",
			         (unsigned long long)(timeout_ns / 1000000u));
			return SGX_ERROR_UNEXPECTED;
		}
	}
}

/* ---- the call path ---------------------------------------------------------- */

/* The frame of this thread that serves an OCALL of enc, if any. */
static struct frame *serving(const struct urts_enclave *enc)
{
	for (struct frame *f = tls_frames; f; f = f->prev)
		if (f->enc == enc && f->in_ocall)
			return f;
	return NULL;
}

static int on_stack(const struct urts_enclave *enc)
{
	for (struct frame *f = tls_frames; f; f = f->prev)
		if (f->enc == enc)
			return 1;
	return 0;
}

static uint32_t claim(struct urts_enclave *enc)
{
	uint32_t n = enc->nr_slots, start = tls_hint < n ? tls_hint : 0;
	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = start + k < n ? start + k : start + k - n;
		unsigned expect = 0;
		if (atomic_load_explicit(&enc->owners[i], memory_order_relaxed) == 0 &&
		    atomic_compare_exchange_strong(&enc->owners[i], &expect, 1)) {
			tls_hint = i;
			enc->slots[i].owner = 1; /* the mirror in the window */
			return i;
		}
	}
	return NO_SLOT;
}

static void release(struct urts_enclave *enc, uint32_t i)
{
	__atomic_store_n(&enc->slots[i].state, DE_SLOT_IDLE, __ATOMIC_RELEASE);
	enc->slots[i].owner = 0;
	atomic_store_explicit(&enc->owners[i], 0, memory_order_release);
}

/* Runs the OCALL the enclave posted in slot s and hands the slot back. */
static void serve_ocall(struct urts_enclave *enc, struct frame *f, struct de_call_slot *s,
                        const struct ocall_table *t)
{
	uint32_t index = s->index;
	uint64_t ms = s->ms;
	sgx_status_t r;
	if (!t || index >= t->nr_ocall || !t->table[index]) {
		r = SGX_ERROR_INVALID_FUNCTION;
	} else if (ms && (ms < enc->ocall_lo || ms >= enc->ocall_hi)) {
		r = SGX_ERROR_INVALID_PARAMETER; /* not on an OCALL stack of the window */
	} else {
		de_edge_bridge_t bridge;
		void *p = t->table[index];
		memcpy(&bridge, &p, sizeof(bridge));
		f->in_ocall = 1;
		r = bridge((void *)(uintptr_t)ms);
		f->in_ocall = 0;
	}
	s->status = (int32_t)r;
	__atomic_store_n(&s->state, DE_SLOT_OCALL_RET, __ATOMIC_RELEASE);
}

/*
 * Posts ECALL index on f's slot and waits for its return, serving the
 * OCALLs the enclave makes meanwhile. *done is set when the enclave
 * answered (the slot is in a known state again).
 */
static sgx_status_t run(struct urts_enclave *enc, struct frame *f, int index,
                        const struct ocall_table *t, void *ms, int *done)
{
	struct de_call_slot *s = &enc->slots[f->slot];
	s->index = (uint32_t)index;
	s->ms = (uint64_t)(uintptr_t)ms;
	__atomic_store_n(&s->state, DE_SLOT_ECALL, __ATOMIC_RELEASE);

	struct waiter w;
	waiter_start(&w);
	for (;;) {
		uint32_t state = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
		if (state == DE_SLOT_ECALL_RET) {
			*done = 1;
			return (sgx_status_t)s->status;
		}
		if (state == DE_SLOT_OCALL) {
			serve_ocall(enc, f, s, t);
			waiter_start(&w); /* the answer tends to come quickly now */
			continue;
		}
		if (state > DE_SLOT_SHUTDOWN) {
			urts_log(
			    "enclave %llu (%s) wrote state %u into call slot %u, which is not a "
			    "state: the call fails and the slot is not used again",
			    (unsigned long long)enc->eid, enc->name, state, f->slot);
			return SGX_ERROR_UNEXPECTED;
		}
		sgx_status_t st = waiter_step(enc, &w);
		if (st)
			return st;
	}
}

static sgx_status_t ecall(struct urts_enclave *enc, int index, const void *ocall_table, void *ms)
{
	sgx_status_t st = check(enc);
	if (st)
		return st;
	if (index < 0)
		return SGX_ERROR_INVALID_FUNCTION;
	/* From inside an OCALL of enc on this thread: the slot that OCALL came from. */
	struct frame *outer = serving(enc);
	struct frame f = {.enc = enc, .prev = tls_frames};
	if (outer)
		f.slot = outer->slot;
	else if ((f.slot = claim(enc)) == NO_SLOT)
		return SGX_ERROR_OUT_OF_TCS;
	tls_frames = &f;
	int done = 0;
	st = run(enc, &f, index, ocall_table, ms, &done);
	tls_frames = f.prev;
	/* A nested ECALL leaves the slot to the OCALL it came from. A slot
	 * whose enclave did not answer stays taken: its state is unknown. */
	if (!outer && done)
		release(enc, f.slot);
	return st;
}

URTS_API sgx_status_t sgx_ecall(const sgx_enclave_id_t eid, const int index,
                                const void *ocall_table, void *ms)
{
	struct urts_enclave *enc = get(eid, GET_CALL);
	if (!enc)
		return SGX_ERROR_INVALID_ENCLAVE_ID;
	sgx_status_t st = ecall(enc, index, ocall_table, ms);
	end_call(enc);
	put(enc);
	return st;
}

URTS_API sgx_status_t sgx_ecall_switchless(const sgx_enclave_id_t eid, const int index,
                                           const void *ocall_table, void *ms)
{
	return sgx_ecall(eid, index, ocall_table, ms);
}

/* ---- the window's arena -------------------------------------------------- */

URTS_API void *de_window_alloc(sgx_enclave_id_t eid, size_t size)
{
	struct urts_enclave *enc = get(eid, GET_ALLOC);
	if (!enc)
		return NULL;
	void *p = NULL;
	if (!forked(enc)) {
		uint64_t a = urts_heap_alloc(&enc->heap, size);
		if (a != URTS_HEAP_NONE)
			p = (void *)(uintptr_t)a;
	}
	put(enc);
	return p;
}

URTS_API sgx_status_t de_window_status(sgx_enclave_id_t eid)
{
	struct urts_enclave *enc = get(eid, GET_ALLOC);
	if (!enc)
		return SGX_ERROR_INVALID_ENCLAVE_ID;
	sgx_status_t st = forked(enc) ? SGX_ERROR_ENCLAVE_LOST : check(enc);
	put(enc);
	return st == SGX_SUCCESS ? SGX_ERROR_OUT_OF_MEMORY : st;
}

URTS_API void de_window_free(sgx_enclave_id_t eid, void *p)
{
	if (!p)
		return;
	struct urts_enclave *enc = get(eid, GET_FREE);
	if (!enc) {
		urts_log(
		    "de_window_free(%llu, %p): there is no enclave %llu (a wrong id, or the block "
		    "was freed before); the call is ignored",
		    (unsigned long long)eid, p, (unsigned long long)eid);
		return;
	}
	size_t live;
	if (forked(enc)) {
		/* The window stayed with the parent. */
	} else if (urts_heap_free(&enc->heap, (uintptr_t)p, &live)) {
		urts_log("de_window_free(%llu, %p): not a block allocated in that enclave's window "
		         "(freed twice, or from another enclave); the call is ignored",
		         (unsigned long long)eid, p);
	} else if (!live && atomic_load(&enc->closed)) {
		try_reap(enc);
	}
	put(enc);
}

/* ---- destroy ------------------------------------------------------------------ */

URTS_API sgx_status_t sgx_destroy_enclave(const sgx_enclave_id_t eid)
{
	struct urts_enclave *enc = NULL;
	pthread_rwlock_wrlock(&table_lock);
	for (size_t i = 0; i < table_len; i++)
		if (table[i]->eid == eid && !table[i]->destroyed)
			enc = table[i];
	if (enc && on_stack(enc)) {
		pthread_rwlock_unlock(&table_lock);
		urts_log("sgx_destroy_enclave(%llu) was called from inside one of its own calls "
		         "(an OCALL): destroy it after the ECALL has returned",
		         (unsigned long long)eid);
		return SGX_ERROR_INVALID_STATE;
	}
	if (enc) {
		enc->destroyed = 1;
		atomic_fetch_add(&enc->refs, 1);
	}
	pthread_rwlock_unlock(&table_lock);
	if (!enc)
		return SGX_ERROR_INVALID_ENCLAVE_ID;

	atomic_store(&enc->destroying, 1); /* waiting calls return SGX_ERROR_ENCLAVE_LOST */
	urts_heap_close(&enc->heap);
	if (!forked(enc)) {
		/* Idle slots: tell their enclave threads to leave (callslot.h). */
		for (uint32_t i = 0; i < enc->nr_slots; i++) {
			unsigned expect = 0;
			if (atomic_compare_exchange_strong(&enc->owners[i], &expect, 1)) {
				enc->slots[i].owner = 1;
				__atomic_store_n(&enc->slots[i].state, DE_SLOT_SHUTDOWN,
				                 __ATOMIC_RELEASE);
			}
		}
		enc->ops->destroy(enc->ctx);
		/* Calls in progress see `destroying` at their next step; an OCALL
		 * running in the application finishes first. */
		pthread_mutex_lock(&enc->drain_lock);
		while (atomic_load(&enc->calls))
			pthread_cond_wait(&enc->drained, &enc->drain_lock);
		pthread_mutex_unlock(&enc->drain_lock);
	}
	enc->ops->close(enc->ctx);
	enc->ctx = NULL;
	atomic_store(&enc->closed, 1);
	try_reap(enc);
	put(enc);
	return SGX_SUCCESS;
}
