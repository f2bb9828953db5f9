/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The EVM microkernel: ring 0 of the trusted OS. Everything here runs
 * emulated on paravirtual KVM hosts (~0.3 µs per instruction), so it does
 * only what needs privilege: descriptor tables, page tables, syscalls and
 * faults. No bulk memory work belongs here.
 */
#ifndef DE_KERNEL_H
#define DE_KERNEL_H

#include <stdint.h>
#include <stddef.h>

#include "de/boot.h"
#include "holes.h"

#define PAGE_SIZE 4096ull
#define MAX_CPUS  DE_MAX_VCPUS

/* Segment selectors (see cpu.c for the GDT). */
#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define USER_DS   (0x18 | 3)
#define USER_CS   (0x20 | 3)
#define TSS_SEL   0x28

struct thread;

/* Per-vCPU data, reached through %gs in ring 0. Offsets are used by entry.S. */
struct percpu {
	uint64_t kstack_top; /* offset 0 */
	uint64_t user_rsp;   /* offset 8: scratch on syscall entry */
	struct percpu *self; /* offset 16: for this_cpu() */
	uint32_t index;
	uint32_t online;
	struct thread *current;
	struct thread *rq_head, *rq_tail; /* runnable threads bound to this vCPU */
	/*
	 * The space whose page tables this vCPU may be using (CR3 or TLB), and
	 * one it is about to switch to. A space is freed only when no other
	 * vCPU names it in either (space_kill waits, preempting the vCPU).
	 */
	struct space *volatile running, *volatile incoming;
	uint64_t next_deadline; /* earliest timed wait of its threads; ~0 = none */
};

#define ENOENT    2
#define EINTR     4
#define ENOEXEC   8
#define EBADF     9
#define EAGAIN    11
#define ENOMEM    12
#define EFAULT    14
#define EBUSY     16
#define EEXIST    17
#define EINVAL    22
#define ENOSPC    28
#define ENOTTY    25
#define ENOSYS    38
#define EPERM     1
#define ETIMEDOUT 110

#define USER_MIN 0x0000008000000000ull
#define USER_MAX 0x0000800000000000ull

/* Saved by entry.S for syscalls and traps; layout matches the pushes there. */
struct frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* Ports and MSRs. */
static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline uint64_t read_cr2(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline void mmio_write64(uint64_t addr, uint64_t v)
{
	*(volatile uint64_t *)addr = v;
}

#define MSR_EFER           0xc0000080u
#define MSR_STAR           0xc0000081u
#define MSR_LSTAR          0xc0000082u
#define MSR_SFMASK         0xc0000084u
#define MSR_FS_BASE        0xc0000100u
#define MSR_GS_BASE        0xc0000101u
#define MSR_KERNEL_GS_BASE 0xc0000102u

/* cpu.c */
void cpu_init(struct percpu *pc);

/* console.c: serial output, only on debug EVMs. */
void console_init(const struct de_bootinfo *bi);
void console_write(const char *s, size_t n);
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* mm.c: physical pages and page tables. */
#define PTE_P     0x001ull
#define PTE_W     0x002ull
#define PTE_U     0x004ull
#define PTE_PWT   0x008ull
#define PTE_PCD   0x010ull
#define PTE_A     0x020ull
#define PTE_D     0x040ull
#define PTE_PS    0x080ull
#define PTE_OWNED (1ull << 9) /* software bit: the frame belongs to the space */
/*
 * Software bit in the flags passed to as_* (never set in an entry by
 * itself): map without PTE_P, so any access faults (PROT_NONE). The entry
 * keeps its frame and PTE_OWNED; a present bit is all x86 has for "no access".
 */
#define PTE_NOACCESS (1ull << 10)
#define PTE_NX       (1ull << 63)

/*
 * Frames being freed, gathered into physically contiguous runs so that the
 * VMM scrubs and the bitmap takes each run in one step. The fast path (the
 * next frame of the current run) is a compare and an add: ring-0 code is
 * emulated instruction by instruction on PVM hosts.
 */
struct free_batch {
	uint64_t start, next; /* the run [start, next) */
};

void mm_init(const struct de_bootinfo *bi);
uint64_t mm_alloc_page(void);                      /* a zeroed physical page, or 0 */
uint64_t mm_alloc_run(uint64_t max, uint64_t *pa); /* contiguous zeroed pages */
/* Freeing goes through a batch so the VMM scrubs whole runs at once. */
void mm_free_begin(struct free_batch *fb);
void mm_free_flush(struct free_batch *fb, uint64_t pa); /* frees the run, starts one at pa */
static inline void mm_free_add(struct free_batch *fb, uint64_t pa)
{
	if (pa == fb->next)
		fb->next += PAGE_SIZE;
	else
		mm_free_flush(fb, pa);
}
void mm_free_end(struct free_batch *fb);
uint64_t mm_free_pages(void);
uint64_t mm_total_pages(void);
uint64_t mm_kernel_root(void);
int mm_map(uint64_t root, uint64_t va, uint64_t pa, uint64_t flags);
/* The last-level entry for va, creating tables if asked; 0 if impossible. */
uint64_t *pt_walk(uint64_t root, uint64_t va, int create);
/* The level-2 entry (PDE) for va; 0 when a table is missing (and !create). */
uint64_t *pd_walk(uint64_t root, uint64_t va, int create);
/* The entry that maps va: a PTE, or a 2 MiB PDE (PTE_PS); 0 when unmapped. */
uint64_t *leaf_walk(uint64_t root, uint64_t va);

/* aspace.c: user address spaces (roots of page tables). */
uint64_t as_create(void);
void as_destroy(uint64_t root);
int as_map_fresh(uint64_t root, uint64_t va, uint64_t n, uint64_t flags);
int as_map_phys(uint64_t root, uint64_t va, uint64_t pa, uint64_t n, uint64_t flags);
int as_unmap(uint64_t root, uint64_t va, uint64_t n);
int as_protect(uint64_t root, uint64_t va, uint64_t n, uint64_t flags);
int as_move(uint64_t src, uint64_t src_va, uint64_t dst, uint64_t dst_va, uint64_t n,
            uint64_t flags);

/* manager.c */
_Noreturn void manager_start(const struct de_bootinfo *bi, struct percpu *pc);

/* thread.c: threads, spaces, scheduling. */
#define MAX_THREADS       256
#define MAX_SPACES        65 /* space 0 is the manager */
#define MAX_SPACE_THREADS 64 /* threads one enclave may have at once */

enum thread_state { T_FREE = 0, T_RUNNABLE, T_RUNNING, T_BLOCKED };
enum wait_kind { W_NONE = 0, W_EVENT, W_FUTEX, W_SLEEP };

struct space;

struct thread {
	struct frame regs; /* user registers while not running */
	uint64_t fs_base;
	struct space *space;
	struct thread *next; /* run queue link */
	uint32_t tid;
	uint8_t state, wait, vcpu, timed_out;
	uint64_t wait_addr; /* W_FUTEX: user address */
	uint64_t wait_seq;  /* W_EVENT: event_seq seen */
	uint32_t wait_head; /* W_EVENT: the event ring's head seen */
	uint64_t deadline;  /* TSC; 0 = none */
	uint64_t clear_child_tid;
	uint64_t area; /* its save area (user %gs base); DE_THREAD_AREA_BASE + slot * stride */
	uint32_t slot;
};

struct space {
	uint64_t root;
	uint32_t id;
	uint32_t alive;
	uint32_t zombie; /* ended, id kept until the manager destroys it */
	uint32_t dying;  /* being killed: its threads stop at their next kernel entry */
	uint32_t nr_threads;
	uint32_t flags; /* DE_SPACE_* */
	uint32_t vcpu;  /* all of a space's threads run on one vCPU */
	uint64_t slots; /* thread save-area slots in use (bit i = slot i) */
	uint64_t brk_base, brk_cur, brk_max;
	uint64_t mmap_base, mmap_next, mmap_max;
	struct holes holes; /* unmapped ranges below mmap_next, reused by mmap */
	uint64_t quota, used;
};

void sched_init(void);
struct space *space_get(uint32_t id);  /* a live space, or 0 */
struct space *space_slot(uint32_t id); /* the slot, live or not */
struct thread *thread_new(struct space *s, uint32_t vcpu);
void thread_make_runnable(struct thread *t);
/* Block or end the current thread and run another; rewrites *f. */
void sched_block(struct frame *f);
void sched_exit_thread(struct frame *f, int64_t code); /* code: if it was the last */
void sched_yield(struct frame *f);
/* The current thread faulted or the space exited: end the whole space. */
/*
 * If the current thread's space is being killed (by another vCPU), drops
 * the thread and loads another into *f; returns 1 then. Called first on
 * every entry from ring 3.
 */
int sched_drop_if_dying(struct frame *f);
void space_kill(struct space *s, uint32_t kind, int64_t code, const struct frame *f, uint64_t addr,
                struct frame *cur);
void space_free(struct space *s);
uint64_t tsc_now(void);
uint64_t tsc_from_ns(uint64_t ns);
extern struct percpu percpus[MAX_CPUS];
struct percpu *this_cpu(void);
_Noreturn void sched_start(struct percpu *pc);
/* Blocking primitives: each saves *f and loads another thread into it. */
/* Blocks until event_seq != seen or the event ring's head != head_seen. */
int sched_wait_event(struct frame *f, uint64_t seen, uint32_t head_seen);
int futex_wait(struct frame *f, uint64_t uaddr, uint64_t deadline);
int futex_wake(struct space *s, uint64_t uaddr, uint32_t n);
void sleep_until(struct frame *f, uint64_t deadline);
void kevent_post(uint32_t space, uint32_t kind, int64_t code, uint64_t vector, uint64_t error,
                 uint64_t rip, uint64_t addr);
void kevents_init(uint64_t ring_pa);

/* trap.c */
_Noreturn void fatal(uint64_t code, uint64_t a, uint64_t b, uint64_t c, uint64_t d);
void trap_handler(struct frame *f);

/* syscall.c */
void syscall_handler(struct frame *f);
/* The page every address space maps at DE_SYSCALL_TRAMPOLINE (user, X, RO). */
void syscall_trampoline_init(void);
/* Where a thread resumes: restores its FPU state and jumps to its %rcx. */
uint64_t tramp_resume_va(void);
extern const uint8_t de_tramp_start[], de_tramp_gate[], de_tramp_resume[], de_tramp_end[];
/* Pages of a thread's save area (64 bytes + the XSAVE area), set at boot. */
extern uint32_t thread_area_pages;
void thread_area_init(void);
uint64_t syscall_trampoline_page(void);

/* entry.S */
_Noreturn void return_to_user(struct frame *f);
extern uint64_t trap_stubs[33]; /* exceptions 0-31, then DE_PREEMPT_VECTOR */

/* platform device, reached through the identity map */
extern const struct de_bootinfo *bootinfo;
void platform_wait(uint64_t seen, uint64_t max_us);
void platform_kick(void);
/* Have the VMM interrupt vCPU i (DE_PREEMPT_VECTOR) when it next runs ring 3. */
void platform_preempt(uint32_t i);

#endif /* DE_KERNEL_H */
