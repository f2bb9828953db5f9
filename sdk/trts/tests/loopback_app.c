/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host loopback test of the trusted runtime: the echo enclave (the real
 * libde_trts.a, echo_t.c, echo_enclave.c) and a stand-in application
 * (echo_u.c and a minimal untrusted side of the call-slot protocol, below)
 * in one musl static-pie process on Linux. No KVM: the "window" is a
 * mapping at a fixed address, handed to the runtime by wrapping getauxval
 * (-Wl,--wrap=getauxval), and the enclave's range is wrapped too
 * (-Wl,--wrap=de_trts_enclave_range) to cover the process's own memory.
 *
 * The application runs in a thread started by a constructor, before the
 * runtime's main(); it shuts every slot down at the end, after which main()
 * returns 0. DE_TRTS_LOOPBACK=no_window|bad_magic|overlap instead makes the
 * window invalid and starts no application: main() must exit 90, 92, 91.
 * Any failure exits 1 (with a message on stderr).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* pthread_getattr_np */
#endif
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "de/callslot.h"
#include "de/manager_abi.h"
#include "de_window.h"
#include "echo_u.h" /* compiled with -Docall_print=app_ocall_print etc. */
#include "trts_core.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define WINDOW_BASE 0x0000010000000000ull /* below the wrapped enclave range */
#define WINDOW_SIZE (8u << 20)
#define NR_SLOTS    4u
#define PAGE        4096u
#define EID         ((sgx_enclave_id_t)7)

static volatile struct de_window_hdr *H;
static uintptr_t window_arg;
static int overlap_mode;

/* ---- what the kernel and the manager would provide -------------------------------------- */

unsigned long __real_getauxval(unsigned long type);
unsigned long __wrap_getauxval(unsigned long type)
{
	if (type == DE_AT_DE_ARG)
		return window_arg;
	if (type == DE_AT_DE_STACK_LOW) {
		/* The manager gives the main thread's stack; here: the host's. */
		pthread_attr_t a;
		void *low = NULL;
		size_t size = 0;
		if (pthread_getattr_np(pthread_self(), &a) ||
		    pthread_attr_getstack(&a, &low, &size))
			return 0;
		pthread_attr_destroy(&a);
		return (unsigned long)(uintptr_t)low;
	}
	return __real_getauxval(type);
}

struct de_trts_range __wrap_de_trts_enclave_range(void)
{
	/* Everything of this process: the image, heap, thread stacks, main stack. */
	struct de_trts_range r = {0x0000020000000000ull, DE_SYSCALL_TRAMPOLINE};
	if (overlap_mode)
		r.lo = WINDOW_BASE;
	return r;
}

__attribute__((format(printf, 1, 2), noreturn)) static void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "trts loopback: FAIL: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	_exit(1);
}

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fail(__VA_ARGS__);                                                         \
	} while (0)

/* ---- a minimal untrusted side of the protocol ------------------------------------------- */

static struct de_call_slot *slot_at(uint32_t i)
{
	return (struct de_call_slot *)(window_arg + PAGE + i * sizeof(struct de_call_slot));
}

static _Thread_local struct de_call_slot *cur_slot;

static struct de_call_slot *claim_slot(void)
{
	for (;;) {
		for (uint32_t i = 0; i < NR_SLOTS; i++) {
			uint32_t free_ = 0;
			if (__atomic_compare_exchange_n(&slot_at(i)->owner, &free_, 1, 0,
			                                __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
				return slot_at(i);
		}
		sched_yield();
	}
}

/* Waits for the enclave's answer: OCALL or ECALL_RET. */
static uint32_t wait_enclave(struct de_call_slot *s)
{
	for (unsigned n = 0;; n++) {
		uint32_t st = __atomic_load_n(&s->state, __ATOMIC_ACQUIRE);
		if (st == DE_SLOT_OCALL || st == DE_SLOT_ECALL_RET)
			return st;
		CHECK(!H->crashed, "the enclave crashed");
		if (n > 64)
			sched_yield();
	}
}

struct ocall_table {
	size_t nr_ocall;
	void *table[];
};

sgx_status_t sgx_ecall(const sgx_enclave_id_t eid, const int index, const void *ocall_table,
                       void *ms)
{
	const struct ocall_table *ot = ocall_table;
	CHECK(eid == EID, "sgx_ecall: eid %llu", (unsigned long long)eid);
	int nested = cur_slot != NULL;
	struct de_call_slot *s = nested ? cur_slot : claim_slot();
	cur_slot = s;
	s->index = (uint32_t)index;
	s->ms = (uint64_t)(uintptr_t)ms;
	__atomic_store_n(&s->state, DE_SLOT_ECALL, __ATOMIC_RELEASE);
	while (wait_enclave(s) == DE_SLOT_OCALL) {
		uint32_t o = s->index;
		void *oms = (void *)(uintptr_t)s->ms;
		sgx_status_t st = SGX_ERROR_INVALID_FUNCTION;
		if (ot && o < ot->nr_ocall)
			st = ((de_edge_bridge_t)(uintptr_t)ot->table[o])(oms);
		s->status = (int32_t)st;
		__atomic_store_n(&s->state, DE_SLOT_OCALL_RET, __ATOMIC_RELEASE);
	}
	sgx_status_t status = (sgx_status_t)s->status;
	if (!nested) {
		__atomic_store_n(&s->state, DE_SLOT_IDLE, __ATOMIC_RELAXED);
		cur_slot = NULL;
		__atomic_store_n(&s->owner, 0, __ATOMIC_RELEASE);
	}
	return status;
}

/* The application's arena: a bump allocator reset when nothing is live. */
static pthread_mutex_t arena_lock = PTHREAD_MUTEX_INITIALIZER;
static uintptr_t arena_pos, arena_end;
static unsigned arena_live;
static uintptr_t arena_start;

void *de_window_alloc(sgx_enclave_id_t eid, size_t size)
{
	void *p = NULL;
	if (eid != EID)
		return NULL;
	pthread_mutex_lock(&arena_lock);
	uintptr_t a = (arena_pos + 15) & ~(uintptr_t)15;
	if (size <= arena_end - a) {
		arena_pos = a + size;
		arena_live++;
		p = (void *)a;
	}
	pthread_mutex_unlock(&arena_lock);
	return p;
}

sgx_status_t de_window_status(sgx_enclave_id_t eid)
{
	return eid == EID ? SGX_ERROR_OUT_OF_MEMORY : SGX_ERROR_INVALID_ENCLAVE_ID;
}

void de_window_free(sgx_enclave_id_t eid, void *p)
{
	(void)eid;
	if (!p)
		return;
	pthread_mutex_lock(&arena_lock);
	if (--arena_live == 0)
		arena_pos = arena_start;
	pthread_mutex_unlock(&arena_lock);
}

/* ---- the OCALLs ------------------------------------------------------------------------------ */

static char printed[256];
static int try_nested_add;
static sgx_status_t nested_add_status;

int app_ocall_print(const char *str)
{
	snprintf(printed, sizeof(printed), "%s", str ? str : "(null)");
	if (try_nested_add) {
		int r = 0;
		nested_add_status = echo_ecall_add(EID, &r, 1, 1);
	}
	return str ? (int)strlen(str) : -1;
}

int app_ocall_nest(int x)
{
	int r = 0;
	sgx_status_t st = echo_ecall_nested(EID, &r, x + 1);
	return st == SGX_SUCCESS ? r : -100 - (int)st;
}

/* ---- the tests ------------------------------------------------------------------------------- */

static void *adder(void *arg)
{
	int base = (int)(intptr_t)arg * 100000;
	for (int i = 0; i < 3000; i++) {
		int r = 0;
		sgx_status_t st = echo_ecall_add(EID, &r, base, i);
		CHECK(st == SGX_SUCCESS && r == base + i, "concurrent add: st %#x r %d", st, r);
	}
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

static void *app_main(void *arg)
{
	(void)arg;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!__atomic_load_n(&H->ready, __ATOMIC_ACQUIRE)) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		CHECK(t.tv_sec - t0.tv_sec < 10, "the enclave never became ready");
		sched_yield();
	}
	sgx_status_t st;
	int r = 0;

	st = echo_ecall_add(EID, &r, 2, 3);
	CHECK(st == SGX_SUCCESS && r == 5, "add: st %#x r %d", st, r);

	uint8_t buf[1000];
	uint64_t sum = 0, rsum = 0;
	for (int i = 0; i < 1000; i++) {
		buf[i] = (uint8_t)(i * 7 + 1);
		sum += buf[i];
	}
	st = echo_ecall_reverse(EID, &rsum, buf, sizeof(buf));
	CHECK(st == SGX_SUCCESS && rsum == sum, "reverse: st %#x", st);
	for (int i = 0; i < 1000; i++)
		CHECK(buf[i] == (uint8_t)((999 - i) * 7 + 1), "reverse: byte %d", i);

	st = echo_ecall_echo(EID, &r, "hello");
	CHECK(st == SGX_SUCCESS && r == 5 && !strcmp(printed, "hello"), "echo: st %#x r %d '%s'",
	      st, r, printed);

	/* ECALL -> OCALL -> nested ECALL (allowed) -> OCALL. */
	st = echo_ecall_nest_root(EID, &r, 10);
	CHECK(st == SGX_SUCCESS && r == 1022 && !strcmp(printed, "nested 11"),
	      "nest: st %#x r %d '%s'", st, r, printed);
	CHECK(slot_at(0)->depth == 0 && slot_at(1)->depth == 0, "depth left behind");

	/* Refusals. */
	st = echo_ecall_nested(EID, &r, 1);
	CHECK(st == SGX_ERROR_ECALL_NOT_ALLOWED, "private ECALL at the root: %#x", st);
	try_nested_add = 1;
	st = echo_ecall_echo(EID, &r, "again");
	try_nested_add = 0;
	CHECK(st == SGX_SUCCESS && r == 5, "echo with nested add: %#x", st);
	CHECK(nested_add_status == SGX_ERROR_ECALL_NOT_ALLOWED, "nested add not refused: %#x",
	      nested_add_status);
	st = sgx_ecall(EID, 99, NULL, NULL);
	CHECK(st == SGX_ERROR_INVALID_FUNCTION, "ECALL 99: %#x", st);
	st = sgx_ecall(EID, -1, NULL, NULL);
	CHECK(st == SGX_ERROR_INVALID_FUNCTION, "ECALL -1: %#x", st);
	int outside[4] = {0};
	st = sgx_ecall(EID, 0, NULL, outside);
	CHECK(st == SGX_ERROR_INVALID_PARAMETER, "ms outside the window: %#x", st);
	st = sgx_ecall(EID, 0, NULL, NULL);
	CHECK(st == SGX_ERROR_INVALID_PARAMETER, "NULL ms for add: %#x", st);

	/* [in, string] and [out, size]. */
	char out[32];
	size_t n = 0;
	st = echo_ecall_prefix(EID, &n, "abc", out, sizeof(out));
	CHECK(st == SGX_SUCCESS && n == 11 && !strcmp(out, "enclave:abc"), "prefix: %#x", st);
	st = echo_ecall_prefix(EID, &n, "abc", out, 5);
	CHECK(st == SGX_SUCCESS && n == 4 && !memcmp(out, "encl", 5), "short prefix: %#x", st);

	/* The enclave's own checks. */
	void *wp = de_window_alloc(EID, 64);
	st = echo_ecall_self_test(EID, &r, wp);
	de_window_free(EID, wp);
	CHECK(st == SGX_SUCCESS && r == 0, "self test: st %#x, check %d failed", st, r);

	/* An OCALL whose data does not fit on the OCALL stack fails cleanly,
	 * and the stack is whole afterwards. */
	size_t big = DE_OCALL_STACK_DEFAULT + 4096;
	char *s = malloc(big);
	CHECK(s != NULL, "malloc");
	memset(s, 'z', big - 1);
	s[big - 1] = 0;
	st = echo_ecall_echo(EID, &r, s);
	free(s);
	CHECK(st == SGX_SUCCESS && r == -1, "oversized OCALL: st %#x r %d", st, r);
	st = echo_ecall_echo(EID, &r, "ok");
	CHECK(st == SGX_SUCCESS && r == 2, "after oversized OCALL: st %#x r %d", st, r);

	/* Several application threads on several slots. */
	pthread_t th[3];
	for (int i = 0; i < 3; i++)
		CHECK(!pthread_create(&th[i], NULL, adder, (void *)(intptr_t)(i + 1)), "thread");
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);

	/* Idle slots fall asleep (after spin + yield) and still answer. */
	sleep_ms(50);
	int sleeping = 0;
	for (uint32_t i = 0; i < NR_SLOTS; i++)
		sleeping += (int)slot_at(i)->sleeping;
	CHECK(sleeping == (int)NR_SLOTS, "%d of %u slots napping", sleeping, NR_SLOTS);
	st = echo_ecall_add(EID, &r, 40, 2);
	CHECK(st == SGX_SUCCESS && r == 42, "add after a nap: st %#x r %d", st, r);

	CHECK(!H->crashed, "crashed set");
	for (uint32_t i = 0; i < NR_SLOTS; i++)
		CHECK(slot_at(i)->owner == 0 && slot_at(i)->depth == 0, "slot %u not idle", i);

	/* sgx_destroy_enclave: every slot leaves; main() then returns 0. */
	for (uint32_t i = 0; i < NR_SLOTS; i++)
		__atomic_store_n(&slot_at(i)->state, DE_SLOT_SHUTDOWN, __ATOMIC_RELEASE);
	fprintf(stderr, "trts loopback: all checks passed\n");
	return NULL;
}

__attribute__((constructor)) static void setup(void)
{
	const char *mode = getenv("DE_TRTS_LOOPBACK");
	if (!mode)
		mode = "";
	void *w = mmap((void *)(uintptr_t)WINDOW_BASE, WINDOW_SIZE, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (w != (void *)(uintptr_t)WINDOW_BASE)
		fail("cannot map the window at %#llx", (unsigned long long)WINDOW_BASE);
	H = w;
	H->magic = DE_WINDOW_MAGIC;
	H->version = DE_WINDOW_VERSION;
	H->nr_slots = NR_SLOTS;
	H->size = WINDOW_SIZE;
	H->slot_offset = PAGE;
	H->ocall_offset = 2 * PAGE;
	H->ocall_size = DE_OCALL_STACK_DEFAULT;
	H->heap_offset = 2 * PAGE + NR_SLOTS * DE_OCALL_STACK_DEFAULT;
	window_arg = (uintptr_t)w;
	arena_start = arena_pos = window_arg + H->heap_offset;
	arena_end = window_arg + WINDOW_SIZE;

	if (!strcmp(mode, "no_window")) {
		window_arg = 0;
		return;
	}
	if (!strcmp(mode, "bad_magic")) {
		H->magic ^= 1;
		return;
	}
	if (!strcmp(mode, "overlap")) {
		overlap_mode = 1;
		return;
	}
	if (*mode)
		fail("unknown DE_TRTS_LOOPBACK mode '%s'", mode);
	pthread_t t;
	if (pthread_create(&t, NULL, app_main, NULL))
		fail("cannot start the application thread");
	pthread_detach(t);
}
