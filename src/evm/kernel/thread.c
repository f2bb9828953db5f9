/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Threads, spaces and the scheduler. Scheduling is cooperative: a thread
 * runs until it blocks, yields or exits (there are no timer interrupts).
 * Every thread is bound to one vCPU; all threads of a space share its vCPU,
 * so a space's mappings are only ever live in one TLB. A vCPU with nothing
 * to run leaves every space's page tables (CR3 = the kernel's) and sleeps
 * in the VMM (platform WAIT) until the event sequence moves, another vCPU
 * kicks it, or its next timer may be due.
 *
 * Killing a space from another vCPU (the manager destroying an enclave
 * that runs elsewhere) marks it dying, frees the threads that are not
 * running, and waits until no vCPU uses its page tables any more: the
 * vCPU running it is preempted (DE_PLAT_PREEMPT: the VMM injects
 * DE_PREEMPT_VECTOR once the vCPU is in ring 3), drops the thread at that
 * kernel entry and switches away. Only then is the memory freed, so no
 * vCPU ever runs on page tables or frames that another space may reuse.
 */
#include "kernel.h"
#include "de/kernel_abi.h"
#include "de/manager_abi.h"
#include "de/platform_dev.h"

static struct thread threads[MAX_THREADS];
static struct space spaces[MAX_SPACES];
static uint32_t next_tid = 1;
static volatile uint32_t sched_lock_word;
static struct de_kevent_ring *kring;
static struct thread *event_waiter; /* the manager thread blocked in DE_SYS_WAIT */

static void big_lock(void)
{
	while (__atomic_exchange_n(&sched_lock_word, 1, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
}

static void big_unlock(void)
{
	__atomic_store_n(&sched_lock_word, 0, __ATOMIC_RELEASE);
}

uint64_t tsc_now(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

uint64_t tsc_from_ns(uint64_t ns)
{
	uint64_t khz = bootinfo->tsc_khz ? bootinfo->tsc_khz : 1000000;
	/* ns * khz / 1e6 without overflow for sleeps up to hours */
	return (ns / 1000) * khz / 1000 + (ns % 1000) * khz / 1000000;
}

struct percpu *this_cpu(void)
{
	struct percpu *pc;
	__asm__ volatile("mov %%gs:0x10, %0" : "=r"(pc)); /* percpu.self */
	return pc;
}

struct space *space_slot(uint32_t id)
{
	return id < MAX_SPACES ? &spaces[id] : 0;
}

struct space *space_get(uint32_t id)
{
	if (id >= MAX_SPACES || !spaces[id].alive)
		return 0;
	return &spaces[id];
}

void kevents_init(uint64_t ring_pa)
{
	kring = (struct de_kevent_ring *)ring_pa;
}

/* ---- run queues ------------------------------------------------------------ */

static void rq_push(struct percpu *pc, struct thread *t)
{
	t->next = 0;
	if (pc->rq_tail)
		pc->rq_tail->next = t;
	else
		pc->rq_head = t;
	pc->rq_tail = t;
}

/* Caller holds the big lock. */
static struct thread *rq_pop_locked(struct percpu *pc)
{
	struct thread *t = pc->rq_head;
	if (t) {
		pc->rq_head = t->next;
		if (!pc->rq_head)
			pc->rq_tail = 0;
		t->next = 0;
	}
	return t;
}

/* Caller holds the big lock. */
static void make_runnable_locked(struct thread *t)
{
	t->state = T_RUNNABLE;
	t->wait = W_NONE;
	rq_push(&percpus[t->vcpu], t);
}

void thread_make_runnable(struct thread *t)
{
	big_lock();
	make_runnable_locked(t);
	big_unlock();
	if (t->vcpu != this_cpu()->index)
		platform_kick();
}

uint32_t thread_area_pages;

static void thread_free_locked(struct thread *t);

/*
 * The XSAVE area's size for the state the trampoline saves (x87, SSE and
 * AVX: XSTATE_MASK in entry.S): the end of the AVX component, from CPUID.
 */
void thread_area_init(void)
{
	uint32_t a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0xd), "c"(2));
	uint64_t size = (uint64_t)b + a; /* AVX: offset + size */
	if (size < 576)
		size = 576; /* legacy area + XSAVE header */
	thread_area_pages = (uint32_t)((64 + size + PAGE_SIZE - 1) / PAGE_SIZE);
	if (thread_area_pages * PAGE_SIZE >= DE_THREAD_AREA_STRIDE)
		fatal(DE_FATAL_ASSERT, __LINE__, size, 0, 0);
}

/*
 * Maps a thread's save area: zero pages, except MXCSR = 0x1f80 (all SSE
 * exceptions masked); with XSTATE_BV = 0 the first XRSTOR then loads the
 * processor's initial state. Returns 0 or -errno.
 */
static int area_map(struct space *s, uint64_t va)
{
	int rc = as_map_fresh(s->root, va, thread_area_pages, PTE_U | PTE_W | PTE_NX);
	if (rc)
		return rc;
	uint64_t *pte = pt_walk(s->root, va, 0);
	*(volatile uint32_t *)((*pte & 0x000ffffffffff000ull) + 64 + 24) = 0x1f80;
	return 0;
}

/* A new thread of s, blocked until started, with its save area mapped. */
struct thread *thread_new(struct space *s, uint32_t vcpu)
{
	struct thread *t = 0;
	big_lock();
	uint32_t slot = s->slots == ~0ull ? 64 : (uint32_t)__builtin_ctzll(~s->slots);
	for (uint32_t i = 0; i < MAX_THREADS && slot < MAX_SPACE_THREADS; i++) {
		if (threads[i].state != T_FREE)
			continue;
		t = &threads[i];
		*t = (struct thread){0};
		t->space = s;
		t->vcpu = (uint8_t)vcpu;
		t->tid = next_tid++;
		t->state = T_BLOCKED; /* not runnable until started */
		t->slot = slot;
		t->area = DE_THREAD_AREA_BASE + slot * DE_THREAD_AREA_STRIDE;
		s->slots |= 1ull << slot;
		s->nr_threads++;
		break;
	}
	big_unlock();
	if (t && area_map(s, t->area)) {
		big_lock();
		s->slots &= ~(1ull << t->slot);
		thread_free_locked(t);
		big_unlock();
		t = 0;
	}
	return t;
}

void sched_init(void)
{
	spaces[0].alive = 1; /* the manager; its root is set by manager_start */
}

/* ---- events to the manager ------------------------------------------------- */

void kevent_post(uint32_t space, uint32_t kind, int64_t code, uint64_t vector, uint64_t error,
                 uint64_t rip, uint64_t addr)
{
	big_lock();
	uint32_t head = kring->head;
	if (head - kring->tail < DE_KEVENT_SLOTS) {
		kring->ev[head % DE_KEVENT_SLOTS] = (struct de_kevent){
		    space, kind, code, vector, error, rip, addr,
		};
		__atomic_store_n(&kring->head, head + 1, __ATOMIC_RELEASE);
	} else {
		kring->dropped++;
	}
	struct thread *w = event_waiter;
	if (w && w->state == T_BLOCKED && w->wait == W_EVENT) {
		event_waiter = 0;
		make_runnable_locked(w);
	}
	big_unlock();
	platform_kick();
}

/* ---- switching ---------------------------------------------------------------- */

static uint64_t read_cr3(void)
{
	uint64_t cr3;
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	return cr3 & 0x000ffffffffff000ull;
}

static void write_cr3(uint64_t root)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(root) : "memory");
}

/* Leaves every space's page tables; then no space is running here. */
static void leave_spaces(struct percpu *pc)
{
	if (read_cr3() != mm_kernel_root())
		write_cr3(mm_kernel_root());
	__atomic_store_n(&pc->running, 0, __ATOMIC_RELEASE);
}

/* Switches to t, which pick_next() made current (pc->incoming = its space). */
static void load(struct percpu *pc, struct thread *t, struct frame *f)
{
	*f = t->regs;
	if (read_cr3() != t->space->root)
		write_cr3(t->space->root);
	__atomic_store_n(&pc->running, t->space, __ATOMIC_RELEASE);
	__atomic_store_n(&pc->incoming, 0, __ATOMIC_RELEASE);
	wrmsr(MSR_FS_BASE, t->fs_base);
	wrmsr(MSR_KERNEL_GS_BASE, t->area); /* the user %gs after swapgs: its save area */
}

/*
 * Wake what became due while this vCPU looked; caller holds the lock. The
 * thread table is scanned only when a timed wait may have expired: ring-0
 * instructions are expensive on PVM hosts.
 */
static void check_waiters(struct percpu *pc)
{
	uint64_t now = tsc_now();
	struct thread *w = event_waiter;
	if (w && w->vcpu == pc->index &&
	    (bootinfo->event_seq != w->wait_seq || kring->head != w->wait_head)) {
		event_waiter = 0;
		make_runnable_locked(w);
	}
	if (now < pc->next_deadline)
		return;
	pc->next_deadline = ~0ull;
	for (uint32_t i = 0; i < MAX_THREADS; i++) {
		struct thread *t = &threads[i];
		if (t->state == T_BLOCKED && t->deadline && t->vcpu == pc->index &&
		    (t->wait == W_SLEEP || t->wait == W_FUTEX) && now >= t->deadline) {
			t->timed_out = 1;
			t->deadline = 0;
			t->regs.rax = t->wait == W_FUTEX ? (uint64_t)-ETIMEDOUT : 0;
			make_runnable_locked(t);
		} else if (t->state == T_BLOCKED && t->deadline && t->vcpu == pc->index &&
		           t->deadline < pc->next_deadline) {
			pc->next_deadline = t->deadline;
		}
	}
}

/*
 * The next thread for this vCPU, made current; sleeps in the VMM while
 * there is none. Threads of a dying space are dropped, never run.
 */
static struct thread *pick_next(struct percpu *pc)
{
	for (;;) {
		uint64_t seq = bootinfo->event_seq;
		big_lock();
		check_waiters(pc);
		struct thread *t;
		while ((t = rq_pop_locked(pc)) && t->space->dying)
			thread_free_locked(t);
		if (t) {
			t->state = T_RUNNING;
			pc->current = t;
			__atomic_store_n(&pc->incoming, t->space, __ATOMIC_RELEASE);
			big_unlock();
			return t;
		}
		pc->current = 0;
		big_unlock();
		leave_spaces(pc);
		/* Sleep no longer than until the earliest timer of this vCPU's threads. */
		uint64_t max_us = 0, now = tsc_now();
		if (pc->next_deadline != ~0ull) {
			if (pc->next_deadline <= now)
				continue;
			uint64_t mhz = bootinfo->tsc_khz >= 1000 ? bootinfo->tsc_khz / 1000 : 1000;
			max_us = (pc->next_deadline - now) / mhz + 1;
		}
		platform_wait(seq, max_us);
	}
}

void sched_block(struct frame *f)
{
	struct percpu *pc = this_cpu();
	struct thread *cur = pc->current;
	cur->regs = *f;
	load(pc, pick_next(pc), f);
}

void sched_yield(struct frame *f)
{
	struct percpu *pc = this_cpu();
	struct thread *cur = pc->current;
	cur->regs = *f;
	big_lock();
	check_waiters(pc);
	make_runnable_locked(cur);
	big_unlock();
	load(pc, pick_next(pc), f);
}

/* Frees a thread slot; caller holds the lock. */
static void thread_free_locked(struct thread *t)
{
	if (t->space)
		t->space->nr_threads--;
	t->state = T_FREE;
	t->space = 0;
}

void sched_exit_thread(struct frame *f, int64_t code)
{
	struct percpu *pc = this_cpu();
	struct thread *cur = pc->current;
	struct space *s = cur->space;
	big_lock();
	if (s->dying) { /* another vCPU is ending the space: just leave it */
		big_unlock();
		sched_drop_if_dying(f);
		return;
	}
	uint64_t area = cur->area;
	uint32_t slot = cur->slot;
	thread_free_locked(cur);
	int last = s->nr_threads == 0;
	if (last)
		s->dying = 1;
	big_unlock();
	if (!last) { /* its save area goes with it (a dying space frees all at once) */
		as_unmap(s->root, area, thread_area_pages);
		big_lock();
		s->slots &= ~(1ull << slot);
		big_unlock();
	}
	pc->current = 0;
	if (last && s->id != 0) {
		kevent_post(s->id, 1, code, 0, 0, 0, 0); /* the last thread's status */
		leave_spaces(pc);
		space_free(s);
	}
	load(pc, pick_next(pc), f);
}

/*
 * Releases a space's memory; all its threads must be gone and no vCPU may
 * be using its page tables. The id stays taken (zombie) until the manager
 * destroys the space, so that it never names two enclaves at once.
 */
void space_free(struct space *s)
{
	as_destroy(s->root);
	big_lock();
	s->root = 0;
	s->alive = 0;
	s->zombie = 1;
	big_unlock();
}

int sched_drop_if_dying(struct frame *f)
{
	struct percpu *pc = this_cpu();
	struct thread *cur = pc->current;
	if (!cur || !__atomic_load_n(&cur->space->dying, __ATOMIC_ACQUIRE))
		return 0;
	leave_spaces(pc); /* first: the killer frees the tables once we are off them */
	big_lock();
	thread_free_locked(cur);
	pc->current = 0;
	big_unlock();
	load(pc, pick_next(pc), f);
	return 1;
}

/*
 * Frees the threads of s, unlinking runnable ones; with pc, those running
 * on other vCPUs are left for their vCPU to drop. Caller holds the lock.
 */
static void free_threads_locked(struct space *s, struct percpu *pc)
{
	for (uint32_t i = 0; i < MAX_THREADS; i++) {
		struct thread *t = &threads[i];
		if (t->state == T_FREE || t->space != s)
			continue;
		if (pc && t->state == T_RUNNING && t != pc->current)
			continue;             /* running elsewhere: its vCPU drops it */
		if (t->state == T_RUNNABLE) { /* unlink from its run queue */
			struct percpu *q = &percpus[t->vcpu];
			struct thread **pp = &q->rq_head, *prev = 0;
			while (*pp && *pp != t)
				prev = *pp, pp = &(*pp)->next;
			if (*pp) {
				*pp = t->next;
				if (q->rq_tail == t)
					q->rq_tail = prev;
			}
		}
		if (event_waiter == t)
			event_waiter = 0;
		thread_free_locked(t);
	}
}

void space_kill(struct space *s, uint32_t kind, int64_t code, const struct frame *fault,
                uint64_t addr, struct frame *cur)
{
	struct percpu *pc = this_cpu();
	big_lock();
	if (s->dying) { /* being killed already (by another vCPU, or it is ending) */
		big_unlock();
		if (cur && sched_drop_if_dying(cur))
			return; /* it was this vCPU's thread: the other killer frees the space */
		while (__atomic_load_n(&s->alive, __ATOMIC_ACQUIRE))
			__builtin_ia32_pause(); /* let the other killer finish */
		return;
	}
	s->dying = 1;
	free_threads_locked(s, pc);
	big_unlock();
	/* A destroy the manager asked for (kind 3) needs no report. */
	if (fault)
		kevent_post(s->id, kind, code, fault->vector, fault->error, fault->rip, addr);
	else if (kind != 3)
		kevent_post(s->id, kind, code, 0, 0, 0, 0);
	/* Wait until no other vCPU uses the space's page tables. */
	for (uint32_t i = 0; i < DE_MAX_VCPUS; i++) {
		struct percpu *p = &percpus[i];
		if (p == pc || !p->online)
			continue;
		int asked = 0;
		while (__atomic_load_n(&p->running, __ATOMIC_ACQUIRE) == s ||
		       __atomic_load_n(&p->incoming, __ATOMIC_ACQUIRE) == s) {
			if (!asked++)
				platform_preempt(i);
			__builtin_ia32_pause();
		}
	}
	/*
	 * A thread that was inside a system call elsewhere may have blocked
	 * instead of dropping itself; nothing runs the space now: free the rest.
	 */
	big_lock();
	free_threads_locked(s, 0);
	big_unlock();
	int was_current = pc->current && pc->current->state == T_FREE;
	if (__atomic_load_n(&pc->running, __ATOMIC_ACQUIRE) == s)
		leave_spaces(pc);
	space_free(s);
	/* If the running thread was one of the space's, run something else. */
	if (cur && was_current) {
		pc->current = 0;
		load(pc, pick_next(pc), cur);
	}
}

int sched_wait_event(struct frame *f, uint64_t seen, uint32_t head_seen)
{
	struct percpu *pc = this_cpu();
	struct thread *cur = pc->current;
	big_lock();
	if (bootinfo->event_seq != seen || kring->head != head_seen) {
		big_unlock();
		return 0;
	}
	cur->state = T_BLOCKED;
	cur->wait = W_EVENT;
	cur->wait_seq = seen;
	cur->wait_head = head_seen;
	event_waiter = cur;
	big_unlock();
	f->rax = 0;
	sched_block(f);
	return 1;
}

/* A thread of this vCPU waits until deadline (TSC; 0 = none). */
static void note_deadline(uint64_t deadline)
{
	struct percpu *pc = this_cpu();
	if (deadline && deadline < pc->next_deadline)
		pc->next_deadline = deadline;
}

int futex_wait(struct frame *f, uint64_t uaddr, uint64_t deadline)
{
	struct thread *cur = this_cpu()->current;
	cur->state = T_BLOCKED;
	cur->wait = W_FUTEX;
	cur->wait_addr = uaddr;
	cur->deadline = deadline;
	note_deadline(deadline);
	cur->timed_out = 0;
	f->rax = 0;
	sched_block(f);
	return 1;
}

int futex_wake(struct space *s, uint64_t uaddr, uint32_t n)
{
	int woken = 0;
	big_lock();
	for (uint32_t i = 0; i < MAX_THREADS && (uint32_t)woken < n; i++) {
		struct thread *t = &threads[i];
		if (t->state == T_BLOCKED && t->wait == W_FUTEX && t->space == s &&
		    t->wait_addr == uaddr) {
			t->deadline = 0;
			make_runnable_locked(t);
			woken++;
		}
	}
	big_unlock();
	return woken;
}

void sleep_until(struct frame *f, uint64_t deadline)
{
	struct thread *cur = this_cpu()->current;
	cur->state = T_BLOCKED;
	cur->wait = W_SLEEP;
	cur->deadline = deadline;
	note_deadline(deadline);
	f->rax = 0;
	sched_block(f);
}

_Noreturn void sched_start(struct percpu *pc)
{
	struct frame f;
	load(pc, pick_next(pc), &f);
	return_to_user(&f);
}
