/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The call path (calls.c) against a simulated enclave: one thread per call
 * slot plays the trusted runtime's side of include/de/callslot.h on a real
 * memfd window, and a fake service (struct urts_ops) answers probes and
 * destroys. Checked: ECALLs, OCALLs, nested ECALLs on the same slot, OCALL
 * errors, SGX_ERROR_OUT_OF_TCS, many threads at once, the crash flag,
 * crashes and loss reported by the service, destroy with calls in
 * progress, window blocks outliving destroy, ready, and fork.
 */
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <pthread.h>

#include "de_window.h"
#include "sgx_edger8r.h"
#include "sgx_urts.h"
#include "sgx_uswitchless.h"
#include "urts.h"

/* ---- the simulated enclave --------------------------------------------------- */

enum {
	E_ADD,          /* ms: struct add: r = a + b */
	E_OCALL,        /* ms: struct io: OCALL O_DOUBLE with in, out = its answer */
	E_NESTED,       /* ms: struct nest: OCALL O_NESTED, which ECALLs E_WHERE */
	E_WHERE,        /* ms: struct where: slot = the slot it runs on */
	E_BLOCK,        /* waits until the test opens the gate */
	E_CRASH,        /* sets the window's crashed flag and stops answering */
	E_BAD_OCALL,    /* OCALL 99: returns the OCALL's status */
	E_BAD_OCALL_MS, /* OCALL O_DOUBLE with ms outside the OCALL stacks */
	E_HANG,         /* never answers (until the enclave is destroyed) */
	E_GARBAGE,      /* writes a state that does not exist */
	E_DEEP,         /* OCALL O_DEEP, which ECALLs E_OCALL, which OCALLs O_DOUBLE */
	E_SLOW,         /* answers after 30 ms */
	E_DESTROY,      /* OCALL O_DESTROY: the application destroys the enclave */
};

enum { O_DOUBLE, O_NESTED, O_DEEP, O_DESTROY };

struct add {
	int a, b, r;
};
struct io {
	int in, out;
};
struct nest {
	int outer_slot, inner_slot;
};
struct where {
	int slot;
};

struct fake;

struct slot_thread {
	struct fake *f;
	uint32_t index;
	pthread_t thread;
	int running;
};

struct fake {
	uint8_t *base;
	struct de_window_hdr lay;
	struct slot_thread slots[DE_WINDOW_MAX_SLOTS];
	atomic_int stop;       /* the EVM destroyed the enclave */
	atomic_int gate;       /* E_BLOCK may return */
	atomic_int blocked;    /* E_BLOCKs waiting at the gate */
	atomic_int probes;     /* probe() calls */
	atomic_int probe_live; /* what probe() answers */
	atomic_int destroys, closes;
	sgx_enclave_id_t eid;
};

static struct de_call_slot *slot_of(struct fake *f, uint32_t i)
{
	return (struct de_call_slot *)(f->base + f->lay.slot_offset) + i;
}

static void nap(long ns)
{
	struct timespec ts = {0, ns};
	nanosleep(&ts, NULL);
}

/* Waits until the slot's state is a or b (or the enclave is stopped: 0). */
static uint32_t t_wait(struct slot_thread *t, uint32_t a, uint32_t b)
{
	struct de_call_slot *s = slot_of(t->f, t->index);
	for (unsigned n = 0;; n++) {
		uint32_t st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
		if (st == a || st == b)
			return st;
		if (atomic_load(&t->f->stop))
			return 0;
		if (n > 1000)
			nap(20000);
		else
			sched_yield();
	}
}

static int32_t t_ecall(struct slot_thread *t);

/* sgx_ocall() of the simulated trusted runtime. */
static int32_t t_ocall(struct slot_thread *t, uint32_t index, void *ms)
{
	struct de_call_slot *s = slot_of(t->f, t->index);
	s->index = index;
	s->ms = (uintptr_t)ms;
	__atomic_store_n(&s->state, DE_SLOT_OCALL, __ATOMIC_RELEASE);
	for (;;) {
		uint32_t st = t_wait(t, DE_SLOT_OCALL_RET, DE_SLOT_ECALL);
		if (st == DE_SLOT_ECALL) { /* nested ECALL while the OCALL runs */
			int32_t status = t_ecall(t);
			s->status = status;
			__atomic_store_n(&s->state, DE_SLOT_ECALL_RET, __ATOMIC_RELEASE);
			continue;
		}
		return st ? s->status : SGX_ERROR_ENCLAVE_LOST;
	}
}

/* This slot's OCALL stack: where OCALL marshalling data goes (sgx_ocalloc). */
static void *t_ocalloc(struct slot_thread *t)
{
	return t->f->base + t->f->lay.ocall_offset + t->index * t->f->lay.ocall_size;
}

/* Runs the ECALL posted in the slot; returns its status. */
static int32_t t_ecall(struct slot_thread *t)
{
	struct fake *f = t->f;
	struct de_call_slot *s = slot_of(f, t->index);
	uint32_t index = s->index;
	void *ms = (void *)(uintptr_t)s->ms;
	s->depth++;
	int32_t st = SGX_SUCCESS;
	switch (index) {
	case E_ADD: {
		struct add *a = ms;
		a->r = a->a + a->b;
		break;
	}
	case E_OCALL: {
		struct io *io = ms;
		struct io *o = t_ocalloc(t);
		o = (struct io *)((uint8_t *)o + 64 * s->depth); /* nested calls stack up */
		o->in = io->in;
		o->out = 0;
		st = t_ocall(t, O_DOUBLE, o);
		io->out = o->out;
		break;
	}
	case E_NESTED: {
		struct nest *n = t_ocalloc(t);
		n->inner_slot = -1;
		st = t_ocall(t, O_NESTED, n);
		((struct nest *)ms)->outer_slot = (int)t->index;
		((struct nest *)ms)->inner_slot = n->inner_slot;
		break;
	}
	case E_WHERE:
		((struct where *)ms)->slot = (int)t->index;
		break;
	case E_BLOCK:
		atomic_fetch_add(&f->blocked, 1);
		while (!atomic_load(&f->gate) && !atomic_load(&f->stop))
			nap(100000);
		atomic_fetch_sub(&f->blocked, 1);
		break;
	case E_CRASH:
		__atomic_store_n(&((struct de_window_hdr *)f->base)->crashed, 1, __ATOMIC_RELEASE);
		s->depth--;
		return INT32_MIN; /* the thread stops */
	case E_BAD_OCALL:
		st = t_ocall(t, 99, NULL);
		break;
	case E_BAD_OCALL_MS:
		st = t_ocall(t, O_DOUBLE, f->base + f->lay.heap_offset);
		break;
	case E_HANG:
		while (!atomic_load(&f->stop))
			nap(100000);
		break;
	case E_GARBAGE:
		__atomic_store_n(&s->state, 77, __ATOMIC_RELEASE);
		s->depth--;
		return INT32_MIN + 1; /* no answer */
	case E_DEEP: {
		struct io *o = t_ocalloc(t);
		o->in = 21;
		st = t_ocall(t, O_DEEP, o);
		((struct io *)ms)->out = o->out;
		break;
	}
	case E_SLOW:
		nap(30000000);
		break;
	case E_DESTROY:
		st = t_ocall(t, O_DESTROY, NULL);
		break;
	default:
		st = SGX_ERROR_INVALID_FUNCTION;
	}
	s->depth--;
	return st;
}

static void *slot_main(void *arg)
{
	struct slot_thread *t = arg;
	struct de_call_slot *s = slot_of(t->f, t->index);
	for (;;) {
		uint32_t st = t_wait(t, DE_SLOT_ECALL, DE_SLOT_SHUTDOWN);
		if (st != DE_SLOT_ECALL)
			return NULL; /* SHUTDOWN, or destroyed */
		int32_t status = t_ecall(t);
		if (status == INT32_MIN)
			return NULL; /* crashed */
		if (status == INT32_MIN + 1)
			continue;
		s->status = status;
		__atomic_store_n(&s->state, DE_SLOT_ECALL_RET, __ATOMIC_RELEASE);
	}
}

/* The fake service. */
static enum urts_live fake_probe(void *ctx, char *detail, size_t len)
{
	struct fake *f = ctx;
	atomic_fetch_add(&f->probes, 1);
	int live = atomic_load(&f->probe_live);
	if (live == URTS_DEAD)
		snprintf(detail, len, "crashed (exception vector 14)");
	return (enum urts_live)live;
}

/* DESTROY: the EVM kills the enclave's threads. */
static void fake_stop(struct fake *f)
{
	atomic_store(&f->stop, 1);
	for (uint32_t i = 0; i < f->lay.nr_slots; i++) {
		if (f->slots[i].running)
			pthread_join(f->slots[i].thread, NULL);
		f->slots[i].running = 0;
	}
}

static void fake_destroy(void *ctx)
{
	struct fake *f = ctx;
	atomic_fetch_add(&f->destroys, 1);
	fake_stop(f);
}

static void fake_close(void *ctx)
{
	struct fake *f = ctx;
	atomic_fetch_add(&f->closes, 1);
}

static const struct urts_ops fake_ops = {fake_probe, fake_destroy, fake_close};

static const struct urts_wait fast_wait = {
    .spin_ns = 20000, .yield_ns = 100000, .nap_ns = 50000, .probe_ns = 2000000};

/* An enclave with nr_slots slots; ready unless told otherwise. */
static struct fake *fake_new(uint32_t nr_slots, int ready)
{
	struct fake *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	struct urts_window w;
	char why[256];
	assert_int_equal(urts_window_open(32u << 20, nr_slots, 20, &w, why, sizeof(why)),
	                 SGX_SUCCESS);
	urts_window_close_fd(&w);
	f->base = w.base;
	f->lay = w.lay;
	for (uint32_t i = 0; i < nr_slots; i++) {
		f->slots[i] = (struct slot_thread){.f = f, .index = i, .running = 1};
		assert_int_equal(pthread_create(&f->slots[i].thread, NULL, slot_main, &f->slots[i]),
		                 0);
	}
	if (ready)
		__atomic_store_n(&((struct de_window_hdr *)f->base)->ready, 1, __ATOMIC_RELEASE);
	return f;
}

static struct urts_enclave *fake_enclave(struct fake *f)
{
	struct urts_window w = {.base = f->base, .size = f->lay.size, .fd = -1, .lay = f->lay};
	struct urts_enclave *enc = urts_enclave_new(&w, "fake.signed.so", &fast_wait, &fake_ops, f);
	assert_non_null(enc);
	return enc;
}

/* A ready, registered enclave. */
static struct fake *fake_start(uint32_t nr_slots)
{
	struct fake *f = fake_new(nr_slots, 1);
	struct urts_enclave *enc = fake_enclave(f);
	char detail[128];
	assert_int_equal(urts_enclave_wait_ready(enc, 1000000000u, detail, sizeof(detail)),
	                 SGX_SUCCESS);
	f->eid = urts_enclave_register(enc);
	assert_int_not_equal(f->eid, 0);
	return f;
}

static void fake_end(struct fake *f)
{
	if (f->eid) {
		sgx_status_t st = sgx_destroy_enclave(f->eid);
		assert_true(st == SGX_SUCCESS || st == SGX_ERROR_INVALID_ENCLAVE_ID);
	}
	fake_stop(f);
	free(f);
}

/* ---- the application side ----------------------------------------------------- */

static sgx_enclave_id_t g_eid;

static sgx_status_t o_double(void *ms)
{
	struct io *o = ms;
	o->out = 2 * o->in;
	return SGX_SUCCESS;
}

static sgx_status_t o_nested(void *ms);
static sgx_status_t o_deep(void *ms);
static sgx_status_t o_destroy(void *ms);

static const struct {
	size_t nr_ocall;
	void *table[4];
} ocalls = {4, {(void *)o_double, (void *)o_nested, (void *)o_deep, (void *)o_destroy}};

static sgx_status_t call_where(sgx_enclave_id_t eid, int *slot)
{
	*slot = -1;
	struct where *w = de_window_alloc(eid, sizeof(*w));
	if (!w)
		return SGX_ERROR_OUT_OF_MEMORY;
	w->slot = -1;
	sgx_status_t st = sgx_ecall(eid, E_WHERE, &ocalls, w);
	*slot = w->slot;
	de_window_free(eid, w);
	return st;
}

static sgx_status_t o_nested(void *ms)
{
	int slot = -1;
	sgx_status_t st = call_where(g_eid, &slot);
	((struct nest *)ms)->inner_slot = slot;
	return st;
}

static sgx_status_t call_io(sgx_enclave_id_t eid, int in, int *out)
{
	struct io *io = de_window_alloc(eid, sizeof(*io));
	if (!io)
		return SGX_ERROR_OUT_OF_MEMORY;
	io->in = in;
	io->out = 0;
	sgx_status_t st = sgx_ecall(eid, E_OCALL, &ocalls, io);
	*out = io->out;
	de_window_free(eid, io);
	return st;
}

static sgx_status_t o_deep(void *ms)
{
	struct io *o = ms;
	return call_io(g_eid, o->in, &o->out);
}

static sgx_status_t o_destroy(void *ms)
{
	(void)ms;
	return sgx_destroy_enclave(g_eid);
}

static sgx_status_t call_add(sgx_enclave_id_t eid, int a, int b, int *r)
{
	struct add *m = de_window_alloc(eid, sizeof(*m));
	if (!m)
		return SGX_ERROR_OUT_OF_MEMORY;
	m->a = a;
	m->b = b;
	sgx_status_t st = sgx_ecall(eid, E_ADD, &ocalls, m);
	*r = m->r;
	de_window_free(eid, m);
	return st;
}

/* ---- tests ------------------------------------------------------------------------ */

static void test_ecall(void **state)
{
	(void)state;
	struct fake *f = fake_start(2);
	for (int i = 0; i < 2000; i++) {
		int r = 0;
		assert_int_equal(call_add(f->eid, i, 1000, &r), SGX_SUCCESS);
		assert_int_equal(r, i + 1000);
	}
	/* Handed back: idle and free. */
	for (uint32_t i = 0; i < 2; i++) {
		assert_int_equal(slot_of(f, i)->state, DE_SLOT_IDLE);
		assert_int_equal(slot_of(f, i)->owner, 0);
	}
	/* ms may be NULL, and the switchless entry is the same path. */
	assert_int_equal(sgx_ecall(f->eid, 1000, &ocalls, NULL), SGX_ERROR_INVALID_FUNCTION);
	struct add *m = de_window_alloc(f->eid, sizeof(*m));
	m->a = 2;
	m->b = 3;
	assert_int_equal(sgx_ecall_switchless(f->eid, E_ADD, &ocalls, m), SGX_SUCCESS);
	assert_int_equal(m->r, 5);
	de_window_free(f->eid, m);
	fake_end(f);
}

static void test_bad_arguments(void **state)
{
	(void)state;
	struct fake *f = fake_start(1);
	int r;
	assert_int_equal(sgx_ecall(0, E_ADD, &ocalls, NULL), SGX_ERROR_INVALID_ENCLAVE_ID);
	assert_int_equal(sgx_ecall(f->eid + 1000, E_ADD, &ocalls, NULL),
	                 SGX_ERROR_INVALID_ENCLAVE_ID);
	assert_int_equal(sgx_ecall(f->eid, -1, &ocalls, NULL), SGX_ERROR_INVALID_FUNCTION);
	assert_null(de_window_alloc(f->eid + 1000, 16));
	assert_null(de_window_alloc(f->eid, (size_t)64 << 20)); /* larger than the window */
	de_window_free(f->eid, NULL);
	de_window_free(f->eid + 1000, f->base); /* logged and ignored */
	de_window_free(f->eid, f->base);        /* not a block: logged and ignored */
	assert_int_equal(call_add(f->eid, 1, 2, &r), SGX_SUCCESS);
	assert_int_equal(r, 3);
	fake_end(f);
}

static void test_ocall(void **state)
{
	(void)state;
	struct fake *f = fake_start(1);
	int out = 0;
	assert_int_equal(call_io(f->eid, 21, &out), SGX_SUCCESS);
	assert_int_equal(out, 42);
	/* An OCALL the table does not have, or without a table, fails in the enclave. */
	assert_int_equal(sgx_ecall(f->eid, E_BAD_OCALL, &ocalls, NULL), SGX_ERROR_INVALID_FUNCTION);
	struct io *io = de_window_alloc(f->eid, sizeof(*io));
	io->in = 1;
	assert_int_equal(sgx_ecall(f->eid, E_OCALL, NULL, io), SGX_ERROR_INVALID_FUNCTION);
	de_window_free(f->eid, io);
	/* ms must be on an OCALL stack of the window. */
	assert_int_equal(sgx_ecall(f->eid, E_BAD_OCALL_MS, &ocalls, NULL),
	                 SGX_ERROR_INVALID_PARAMETER);
	assert_int_equal(call_io(f->eid, 5, &out), SGX_SUCCESS);
	assert_int_equal(out, 10);
	fake_end(f);
}

/* An ECALL from inside an OCALL bridge runs on the slot the OCALL came from. */
static void test_nested(void **state)
{
	(void)state;
	struct fake *f = fake_start(4);
	g_eid = f->eid;
	for (int i = 0; i < 50; i++) {
		struct nest *n = de_window_alloc(f->eid, sizeof(*n));
		n->outer_slot = n->inner_slot = -2;
		assert_int_equal(sgx_ecall(f->eid, E_NESTED, &ocalls, n), SGX_SUCCESS);
		assert_true(n->outer_slot >= 0 && n->outer_slot < 4);
		assert_int_equal(n->inner_slot, n->outer_slot);
		de_window_free(f->eid, n);
	}
	/* OCALL -> ECALL -> OCALL -> back. */
	struct io *io = de_window_alloc(f->eid, sizeof(*io));
	assert_int_equal(sgx_ecall(f->eid, E_DEEP, &ocalls, io), SGX_SUCCESS);
	assert_int_equal(io->out, 42);
	de_window_free(f->eid, io);
	/* Destroying the enclave from inside its own OCALL is refused. */
	assert_int_equal(sgx_ecall(f->eid, E_DESTROY, &ocalls, NULL), SGX_ERROR_INVALID_STATE);
	int r;
	assert_int_equal(call_add(f->eid, 4, 5, &r), SGX_SUCCESS);
	assert_int_equal(r, 9);
	fake_end(f);
}

struct blocker {
	sgx_enclave_id_t eid;
	sgx_status_t st;
	pthread_t thread;
};

static void *block_main(void *arg)
{
	struct blocker *b = arg;
	b->st = sgx_ecall(b->eid, E_BLOCK, &ocalls, NULL);
	return NULL;
}

static void *hang_main(void *arg)
{
	struct blocker *b = arg;
	b->st = sgx_ecall(b->eid, E_HANG, &ocalls, NULL);
	return NULL;
}

static void wait_blocked(struct fake *f, int n)
{
	for (int i = 0; i < 2000 && atomic_load(&f->blocked) < n; i++)
		nap(1000000);
	assert_int_equal(atomic_load(&f->blocked), n);
}

static void test_out_of_tcs(void **state)
{
	(void)state;
	struct fake *f = fake_start(2);
	struct blocker b[2] = {{.eid = f->eid}, {.eid = f->eid}};
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&b[i].thread, NULL, block_main, &b[i]), 0);
	wait_blocked(f, 2);
	int r;
	assert_int_equal(call_add(f->eid, 1, 1, &r), SGX_ERROR_OUT_OF_TCS);
	atomic_store(&f->gate, 1);
	for (int i = 0; i < 2; i++) {
		pthread_join(b[i].thread, NULL);
		assert_int_equal(b[i].st, SGX_SUCCESS);
	}
	assert_int_equal(call_add(f->eid, 1, 1, &r), SGX_SUCCESS);
	assert_int_equal(r, 2);
	fake_end(f);
}

struct hammer {
	sgx_enclave_id_t eid;
	int seed, errors;
	pthread_t thread;
};

static void *hammer_main(void *arg)
{
	struct hammer *h = arg;
	for (int i = 0; i < 3000; i++) {
		int r = -1, slot = -1;
		switch ((i + h->seed) % 4) {
		case 0:
			h->errors +=
			    call_add(h->eid, i, h->seed, &r) != SGX_SUCCESS || r != i + h->seed;
			break;
		case 1:
			h->errors += call_io(h->eid, i, &r) != SGX_SUCCESS || r != 2 * i;
			break;
		case 2: {
			struct nest *n = de_window_alloc(h->eid, sizeof(*n));
			if (!n) {
				h->errors++;
				break;
			}
			h->errors += sgx_ecall(h->eid, E_NESTED, &ocalls, n) != SGX_SUCCESS ||
			             n->inner_slot != n->outer_slot;
			de_window_free(h->eid, n);
			break;
		}
		default:
			h->errors += call_where(h->eid, &slot) != SGX_SUCCESS || slot < 0;
		}
	}
	return NULL;
}

/* As many application threads as slots, all calling at once. */
static void test_threads(void **state)
{
	(void)state;
	enum { N = 4 };
	struct fake *f = fake_start(N);
	g_eid = f->eid;
	struct hammer h[N];
	for (int i = 0; i < N; i++) {
		h[i] = (struct hammer){.eid = f->eid, .seed = i};
		assert_int_equal(pthread_create(&h[i].thread, NULL, hammer_main, &h[i]), 0);
	}
	for (int i = 0; i < N; i++) {
		pthread_join(h[i].thread, NULL);
		assert_int_equal(h[i].errors, 0);
	}
	for (uint32_t i = 0; i < N; i++)
		assert_int_equal(slot_of(f, i)->state, DE_SLOT_IDLE);
	fake_end(f);
}

/* The trusted runtime's abort() sets crashed: calls fail, now and later. */
static void test_crash_flag(void **state)
{
	(void)state;
	struct fake *f = fake_start(2);
	int r;
	assert_int_equal(sgx_ecall(f->eid, E_CRASH, &ocalls, NULL), SGX_ERROR_ENCLAVE_CRASHED);
	assert_int_equal(call_add(f->eid, 1, 1, &r), SGX_ERROR_ENCLAVE_CRASHED);
	assert_int_equal(sgx_ecall(f->eid, E_ADD, &ocalls, NULL), SGX_ERROR_ENCLAVE_CRASHED);
	assert_int_equal(sgx_destroy_enclave(f->eid), SGX_SUCCESS);
	assert_int_equal(atomic_load(&f->destroys), 1);
	assert_int_equal(atomic_load(&f->closes), 1);
	assert_int_equal(sgx_ecall(f->eid, E_ADD, &ocalls, NULL), SGX_ERROR_INVALID_ENCLAVE_ID);
	assert_int_equal(sgx_destroy_enclave(f->eid), SGX_ERROR_INVALID_ENCLAVE_ID);
	fake_end(f);
}

/* The service says the enclave crashed (a fault: no flag in the window). */
static void test_probe_dead(void **state)
{
	(void)state;
	struct fake *f = fake_start(1);
	atomic_store(&f->probe_live, URTS_DEAD);
	uint64_t t0 = urts_now_ns();
	assert_int_equal(sgx_ecall(f->eid, E_HANG, &ocalls, NULL), SGX_ERROR_ENCLAVE_CRASHED);
	assert_true(urts_now_ns() - t0 >= fast_wait.probe_ns); /* it waited first */
	assert_int_equal(atomic_load(&f->probes), 1);
	assert_int_equal(sgx_ecall(f->eid, E_ADD, &ocalls, NULL), SGX_ERROR_ENCLAVE_CRASHED);
	fake_end(f);
}

/* The service went away. */
static void test_probe_lost(void **state)
{
	(void)state;
	struct fake *f = fake_start(1);
	atomic_store(&f->probe_live, URTS_LOST);
	assert_int_equal(sgx_ecall(f->eid, E_HANG, &ocalls, NULL), SGX_ERROR_ENCLAVE_LOST);
	assert_int_equal(sgx_ecall(f->eid, E_ADD, &ocalls, NULL), SGX_ERROR_ENCLAVE_LOST);
	fake_end(f);
}

/* A slow call naps and probes, and still gets its answer. */
static void test_slow(void **state)
{
	(void)state;
	struct fake *f = fake_start(1);
	uint64_t t0 = urts_now_ns();
	assert_int_equal(sgx_ecall(f->eid, E_SLOW, &ocalls, NULL), SGX_SUCCESS);
	uint64_t took = urts_now_ns() - t0;
	assert_true(atomic_load(&f->probes) >= 1);
	assert_true((uint64_t)atomic_load(&f->probes) <= took / fast_wait.probe_ns + 1);
	fake_end(f);
}

static void test_garbage_state(void **state)
{
	(void)state;
	struct fake *f = fake_start(2);
	assert_int_equal(sgx_ecall(f->eid, E_GARBAGE, &ocalls, NULL), SGX_ERROR_UNEXPECTED);
	/* That slot is out of use; the other one still works, and only it. */
	int r, slot;
	for (int i = 0; i < 10; i++) {
		assert_int_equal(call_add(f->eid, 2, 2, &r), SGX_SUCCESS);
		assert_int_equal(r, 4);
	}
	struct blocker b = {.eid = f->eid};
	assert_int_equal(pthread_create(&b.thread, NULL, block_main, &b), 0);
	wait_blocked(f, 1);
	assert_int_equal(call_where(f->eid, &slot), SGX_ERROR_OUT_OF_TCS);
	atomic_store(&f->gate, 1);
	pthread_join(b.thread, NULL);
	assert_int_equal(b.st, SGX_SUCCESS);
	fake_end(f);
}

/* Destroy while calls wait: they return ENCLAVE_LOST; idle slots get SHUTDOWN. */
static void test_destroy_in_flight(void **state)
{
	(void)state;
	struct fake *f = fake_start(3);
	struct blocker b[2] = {{.eid = f->eid}, {.eid = f->eid}};
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&b[i].thread, NULL, hang_main, &b[i]), 0);
	for (int i = 0; i < 2000; i++) { /* both calls posted */
		int busy = 0;
		for (uint32_t k = 0; k < 3; k++)
			busy += __atomic_load_n(&slot_of(f, k)->state, __ATOMIC_ACQUIRE) ==
			        DE_SLOT_ECALL;
		if (busy == 2)
			break;
		nap(1000000);
	}
	int idle = -1;
	for (uint32_t k = 0; k < 3; k++)
		if (slot_of(f, k)->state == DE_SLOT_IDLE)
			idle = (int)k;
	assert_true(idle >= 0);
	/* The idle slot's thread leaves when it sees SHUTDOWN, before DESTROY. */
	assert_int_equal(sgx_destroy_enclave(f->eid), SGX_SUCCESS);
	for (int i = 0; i < 2; i++) {
		pthread_join(b[i].thread, NULL);
		assert_int_equal(b[i].st, SGX_ERROR_ENCLAVE_LOST);
	}
	assert_int_equal(atomic_load(&f->destroys), 1);
	assert_int_equal(atomic_load(&f->closes), 1);
	assert_int_equal(sgx_ecall(f->eid, E_ADD, &ocalls, NULL), SGX_ERROR_INVALID_ENCLAVE_ID);
	assert_null(de_window_alloc(f->eid, 16));
	/* The window is gone (nothing of it was allocated any more). */
	assert_int_equal(msync(f->base, 4096, MS_ASYNC), -1);
	f->eid = 0;
	fake_end(f);
}

/* A block allocated before destroy stays usable until it is freed. */
static void test_blocks_outlive_destroy(void **state)
{
	(void)state;
	struct fake *f = fake_start(1);
	uint8_t *keep = de_window_alloc(f->eid, 1000);
	uint8_t *other = de_window_alloc(f->eid, 1000);
	assert_non_null(keep);
	assert_non_null(other);
	sgx_enclave_id_t eid = f->eid;
	assert_int_equal(sgx_destroy_enclave(eid), SGX_SUCCESS);
	f->eid = 0;
	memset(keep, 0xab, 1000); /* still mapped */
	assert_null(de_window_alloc(eid, 16));
	assert_int_equal(sgx_ecall(eid, E_ADD, &ocalls, NULL), SGX_ERROR_INVALID_ENCLAVE_ID);
	assert_int_equal(sgx_destroy_enclave(eid), SGX_ERROR_INVALID_ENCLAVE_ID);
	de_window_free(eid, other);
	assert_int_equal(msync(f->base, 4096, MS_ASYNC), 0);
	de_window_free(eid, keep); /* the last one: now the window goes */
	assert_int_equal(msync(f->base, 4096, MS_ASYNC), -1);
	de_window_free(eid, keep); /* the id is gone: logged and ignored */
	fake_end(f);
}

static void test_ready(void **state)
{
	(void)state;
	char detail[128];
	/* Ready. */
	struct fake *f = fake_new(1, 1);
	struct urts_enclave *enc = fake_enclave(f);
	assert_int_equal(urts_enclave_wait_ready(enc, 1000000000u, detail, sizeof(detail)),
	                 SGX_SUCCESS);
	fake_stop(f); /* its threads must not outlive the window */
	urts_enclave_discard(enc);
	assert_int_equal(atomic_load(&f->closes), 1);
	assert_int_equal(atomic_load(&f->destroys), 0);
	assert_int_equal(msync(f->base, 4096, MS_ASYNC), -1);
	free(f);

	/* Never ready. */
	f = fake_new(1, 0);
	enc = fake_enclave(f);
	uint64_t t0 = urts_now_ns();
	assert_int_equal(urts_enclave_wait_ready(enc, 50000000u, detail, sizeof(detail)),
	                 SGX_ERROR_UNEXPECTED);
	assert_true(urts_now_ns() - t0 >= 50000000u);
	assert_non_null(strstr(detail, "did not report ready"));
	fake_stop(f);
	urts_enclave_discard(enc);
	free(f);

	/* Crashed while starting: the flag, or the service says so. */
	f = fake_new(1, 0);
	enc = fake_enclave(f);
	__atomic_store_n(&((struct de_window_hdr *)f->base)->crashed, 1, __ATOMIC_RELEASE);
	assert_int_equal(urts_enclave_wait_ready(enc, 1000000000u, detail, sizeof(detail)),
	                 SGX_ERROR_ENCLAVE_CRASHED);
	assert_non_null(strstr(detail, "abort"));
	fake_stop(f);
	urts_enclave_discard(enc);
	free(f);

	f = fake_new(1, 0);
	enc = fake_enclave(f);
	atomic_store(&f->probe_live, URTS_DEAD);
	assert_int_equal(urts_enclave_wait_ready(enc, 1000000000u, detail, sizeof(detail)),
	                 SGX_ERROR_ENCLAVE_CRASHED);
	assert_string_equal(detail, "crashed (exception vector 14)");
	fake_stop(f);
	urts_enclave_discard(enc);
	free(f);
}

/* Enclave ids are never reused. */
static void test_ids(void **state)
{
	(void)state;
	struct fake *a = fake_start(1);
	sgx_enclave_id_t first = a->eid;
	fake_end(a);
	struct fake *b = fake_start(1);
	assert_true(b->eid > first);
	assert_int_equal(sgx_ecall(first, E_ADD, &ocalls, NULL), SGX_ERROR_INVALID_ENCLAVE_ID);
	fake_end(b);
}

/* A forked child has lost its parent's enclaves; the parent has not. */
static void test_fork(void **state)
{
	(void)state;
	struct fake *f = fake_start(1);
	void *block = de_window_alloc(f->eid, 64);
	assert_non_null(block);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int bad = 0;
		bad |= sgx_ecall(f->eid, E_ADD, &ocalls, NULL) != SGX_ERROR_ENCLAVE_LOST;
		bad |= (de_window_alloc(f->eid, 16) != NULL) << 1;
		de_window_free(f->eid, block);
		bad |= (sgx_destroy_enclave(f->eid) != SGX_SUCCESS) << 2;
		bad |= (atomic_load(&f->destroys) != 0) << 3; /* the parent's enclave lives on */
		bad |= (sgx_ecall(f->eid, E_ADD, &ocalls, NULL) != SGX_ERROR_INVALID_ENCLAVE_ID)
		       << 4;
		_exit(bad);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	int r;
	assert_int_equal(call_add(f->eid, 20, 22, &r), SGX_SUCCESS);
	assert_int_equal(r, 42);
	de_window_free(f->eid, block);
	fake_end(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ecall),
	    cmocka_unit_test(test_bad_arguments),
	    cmocka_unit_test(test_ocall),
	    cmocka_unit_test(test_nested),
	    cmocka_unit_test(test_out_of_tcs),
	    cmocka_unit_test(test_threads),
	    cmocka_unit_test(test_crash_flag),
	    cmocka_unit_test(test_probe_dead),
	    cmocka_unit_test(test_probe_lost),
	    cmocka_unit_test(test_slow),
	    cmocka_unit_test(test_garbage_state),
	    cmocka_unit_test(test_destroy_in_flight),
	    cmocka_unit_test(test_blocks_outlive_destroy),
	    cmocka_unit_test(test_ready),
	    cmocka_unit_test(test_ids),
	    cmocka_unit_test(test_fork),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
