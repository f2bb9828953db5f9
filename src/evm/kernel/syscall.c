/* SPDX-License-Identifier: Apache-2.0 */
/*
 * System calls: the Linux x86-64 subset that static-pie musl programs need
 * (docs/kernel.md has the table), and the manager's privileged calls
 * (include/de/kernel_abi.h). Each handler checks its arguments first and
 * then acts; user memory is touched only after its pages are checked.
 * Anything not in the tables returns -ENOSYS.
 */
#include "kernel.h"
#include "de/kernel_abi.h"
#include "de/manager_abi.h"
#include "de/platform_dev.h"

#define SWITCHED INT64_MIN /* the handler blocked; *f is another thread now */

typedef int64_t (*syscall_fn)(struct frame *f);

/*
 * Why a trampoline. On paravirtual (PVM) KVM hosts the syscall instruction
 * in ring 3 jumps to MSR_LSTAR without entering ring 0 (measured: the first
 * instruction at LSTAR faults as a user-mode fetch), and "int $0x80" raises
 * #UD, while exceptions are delivered through the IDT correctly. So LSTAR
 * points at a user page holding ud2: on PVM the syscall lands there in ring
 * 3 and the #UD enters the kernel; on hardware KVM the syscall enters ring 0
 * there and the #UD (IST stack) reaches the same gate. In both cases %rcx
 * and %r11 hold the user rip and rflags, as the syscall instruction left
 * them, and the frame's %rsp is the user stack pointer.
 */
static uint64_t trampoline_pa;

void syscall_trampoline_init(void)
{
	trampoline_pa = mm_alloc_page();
	if (!trampoline_pa)
		fatal(DE_FATAL_ASSERT, __LINE__, 0, 0, 0);
	uint8_t *code = (uint8_t *)trampoline_pa;
	for (const uint8_t *p = de_tramp_start; p < de_tramp_end; p++) /* entry.S */
		*code++ = *p;
}

uint64_t tramp_resume_va(void)
{
	return DE_SYSCALL_TRAMPOLINE + (uint64_t)(de_tramp_resume - de_tramp_start);
}

uint64_t syscall_trampoline_page(void)
{
	return trampoline_pa;
}

static struct thread *cur(void)
{
	return this_cpu()->current;
}

static struct space *cur_space(void)
{
	return this_cpu()->current->space;
}

/*
 * Checks that [va, va+len) is mapped user memory (writable if asked) in the
 * current space, so the kernel can touch it without faulting.
 */
static int user_ok(uint64_t va, uint64_t len, int write)
{
	if (va < USER_MIN || va > USER_MAX || len > USER_MAX - va)
		return 0;
	if (!len)
		return 1;
	uint64_t root = cur_space()->root;
	for (uint64_t p = va & ~(PAGE_SIZE - 1); p < va + len; p += PAGE_SIZE) {
		uint64_t *pte = leaf_walk(root, p); /* a PTE, or a window's 2 MiB page */
		if (!pte || !(*pte & PTE_P) || !(*pte & PTE_U) || (write && !(*pte & PTE_W)))
			return 0;
	}
	return 1;
}

static int debug_output(void)
{
	struct space *s = cur_space();
	return s->id == 0 || (s->flags & DE_SPACE_DEBUG);
}

/* ---- Linux subset ------------------------------------------------------------ */

#define WRITE_MAX 65536u

static int64_t sys_write(struct frame *f)
{
	uint64_t fd = f->rdi, buf = f->rsi, len = f->rdx;
	if (fd != 1 && fd != 2)
		return -EBADF;
	if (len > WRITE_MAX)
		len = WRITE_MAX; /* a short write; callers loop */
	if (!user_ok(buf, len, 0))
		return -EFAULT;
	if (debug_output())
		console_write((const char *)buf, len);
	return (int64_t)len;
}

struct iovec_user {
	uint64_t base;
	uint64_t len;
};

static int64_t sys_writev(struct frame *f)
{
	uint64_t fd = f->rdi, iov = f->rsi, cnt = f->rdx;
	if (fd != 1 && fd != 2)
		return -EBADF;
	if (cnt > 1024)
		return -EINVAL;
	if (!user_ok(iov, cnt * sizeof(struct iovec_user), 0))
		return -EFAULT;
	const struct iovec_user *v = (const struct iovec_user *)iov;
	uint64_t total = 0;
	for (uint64_t i = 0; i < cnt; i++) {
		uint64_t base = v[i].base, len = v[i].len;
		if (len > WRITE_MAX - total)
			len = WRITE_MAX - total;
		if (!user_ok(base, len, 0))
			return total ? (int64_t)total : -EFAULT;
		if (debug_output())
			console_write((const char *)base, len);
		total += len;
		if (total == WRITE_MAX)
			break;
	}
	return (int64_t)total;
}

#define ARCH_SET_FS 0x1002

static int64_t sys_arch_prctl(struct frame *f)
{
	if (f->rdi != ARCH_SET_FS)
		return -EINVAL;
	if (f->rsi < USER_MIN || f->rsi >= USER_MAX)
		return -EFAULT;
	cur()->fs_base = f->rsi;
	wrmsr(MSR_FS_BASE, f->rsi);
	return 0;
}

static int64_t sys_set_tid_address(struct frame *f)
{
	cur()->clear_child_tid = f->rdi;
	return cur()->tid;
}

static int64_t sys_gettid(struct frame *f)
{
	(void)f;
	return cur()->tid;
}

static int64_t sys_getpid(struct frame *f)
{
	(void)f;
	return cur_space()->id + 1;
}

static int64_t sys_zero(struct frame *f)
{
	(void)f;
	return 0;
}

static int64_t sys_ioctl(struct frame *f)
{
	(void)f;
	return -ENOTTY;
}

static int64_t sys_exit(struct frame *f)
{
	struct thread *t = cur();
	if (t->space->id == 0) {
		kprintf("de-kernel: manager exited with status %lu\n", f->rdi);
		fatal(DE_FATAL_MANAGER_EXIT, f->rdi, 0, 0, 0);
	}
	/* CLONE_CHILD_CLEARTID: clear the word and wake a joiner. */
	uint64_t ctid = t->clear_child_tid;
	if (ctid && !(ctid & 3) && user_ok(ctid, 4, 1)) {
		*(volatile uint32_t *)ctid = 0;
		futex_wake(t->space, ctid, 1);
	}
	sched_exit_thread(f, (int64_t)(int32_t)f->rdi);
	return SWITCHED;
}

static int64_t sys_exit_group(struct frame *f)
{
	struct space *s = cur_space();
	if (s->id == 0)
		return sys_exit(f);
	space_kill(s, 1, (int64_t)(int32_t)f->rdi, 0, 0, f);
	return SWITCHED;
}

static int64_t sys_sched_yield(struct frame *f)
{
	f->rax = 0;
	sched_yield(f);
	return SWITCHED;
}

/* Protection bits from PROT_* (Linux values: READ 1, WRITE 2, EXEC 4). */
static uint64_t prot_flags(uint64_t prot)
{
	if (!(prot & 7))
		return PTE_U | PTE_NX | PTE_NOACCESS; /* PROT_NONE: any access faults */
	uint64_t fl = PTE_U;
	if (prot & 2)
		fl |= PTE_W;
	if (!(prot & 4))
		fl |= PTE_NX;
	return fl;
}

static int64_t sys_brk(struct frame *f)
{
	struct space *s = cur_space();
	uint64_t want = (f->rdi + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	if (!s->brk_base || want <= s->brk_cur || want > s->brk_max)
		return (int64_t)s->brk_cur; /* shrinking is not supported: unchanged */
	uint64_t n = (want - s->brk_cur) / PAGE_SIZE;
	if (s->used + n > s->quota)
		return (int64_t)s->brk_cur;
	if (as_map_fresh(s->root, s->brk_cur, n, PTE_U | PTE_W | PTE_NX))
		return (int64_t)s->brk_cur; /* all or nothing: the break stays */
	s->used += n;
	s->brk_cur = want;
	return (int64_t)s->brk_cur;
}

#define MAP_PRIVATE   0x02
#define MAP_FIXED     0x10
#define MAP_ANONYMOUS 0x20

/*
 * Anonymous private mappings only, placed by the kernel: in a hole that
 * munmap left (first fit, lowest address) or else above everything mapped
 * so far, always with an unmapped guard page on each side.
 */
static int64_t sys_mmap(struct frame *f)
{
	struct space *s = cur_space();
	uint64_t len = f->rsi, prot = f->rdx, flags = f->r10;
	if (!len || len > USER_MAX || (flags & MAP_FIXED) || !(flags & MAP_ANONYMOUS) ||
	    (int64_t)f->r8 != -1)
		return -EINVAL;
	if ((prot & 2) && (prot & 4))
		return -EPERM; /* W^X */
	uint64_t n = (len + PAGE_SIZE - 1) / PAGE_SIZE;
	if (!s->mmap_next || s->used + n > s->quota)
		return -ENOMEM;
	uint64_t page = holes_take(&s->holes, n), va = page * PAGE_SIZE;
	if (!page) {
		if (n > (s->mmap_max - s->mmap_next) / PAGE_SIZE)
			return -ENOMEM;
		va = s->mmap_next;
	}
	if (as_map_fresh(s->root, va, n, prot_flags(prot))) {
		if (page)
			holes_add(&s->holes, page - 1, n + 1); /* what was taken */
		return -ENOMEM;
	}
	if (!page)
		s->mmap_next += (n + 1) * PAGE_SIZE; /* one guard page between mappings */
	s->used += n;
	return (int64_t)va;
}

static int page_unmapped(uint64_t root, uint64_t va)
{
	uint64_t *e = leaf_walk(root, va);
	return !e || !*e;
}

/* After munmap of [va, end): the part below mmap_next becomes a hole, with
 * the unmapped page on either side (the guard pages) when there is one. */
static void add_hole(struct space *s, uint64_t va, uint64_t end)
{
	if (va < s->mmap_base)
		va = s->mmap_base;
	if (end > s->mmap_next)
		end = s->mmap_next;
	if (va >= end)
		return;
	if (va > s->mmap_base && page_unmapped(s->root, va - PAGE_SIZE))
		va -= PAGE_SIZE;
	if (end < s->mmap_next && page_unmapped(s->root, end))
		end += PAGE_SIZE;
	holes_add(&s->holes, va / PAGE_SIZE, (end - va) / PAGE_SIZE);
}

static int in_heap(struct space *s, uint64_t va, uint64_t n)
{
	uint64_t end = va + n * PAGE_SIZE;
	return s->mmap_next && va >= s->brk_base && end <= s->mmap_max && end > va;
}

static int64_t sys_munmap(struct frame *f)
{
	struct space *s = cur_space();
	uint64_t va = f->rdi, n = (f->rsi + PAGE_SIZE - 1) / PAGE_SIZE;
	if ((va & (PAGE_SIZE - 1)) || !n || !in_heap(s, va, n))
		return -EINVAL;
	/* Count what was mapped so the quota stays exact. */
	uint64_t mapped = 0;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t *pte = pt_walk(s->root, va + i * PAGE_SIZE, 0);
		mapped += pte && (*pte & PTE_OWNED);
	}
	as_unmap(s->root, va, n);
	s->used -= mapped;
	add_hole(s, va, va + n * PAGE_SIZE);
	return 0;
}

static int64_t sys_mprotect(struct frame *f)
{
	struct space *s = cur_space();
	uint64_t va = f->rdi, n = (f->rsi + PAGE_SIZE - 1) / PAGE_SIZE, prot = f->rdx;
	if ((va & (PAGE_SIZE - 1)) || !in_heap(s, va, n))
		return -EINVAL; /* the image's own pages keep their permissions */
	if ((prot & 2) && (prot & 4))
		return -EPERM;
	return as_protect(s->root, va, n, prot_flags(prot)) ? -ENOMEM : 0;
}

#define FUTEX_WAIT         0
#define FUTEX_WAKE         1
#define FUTEX_PRIVATE_FLAG 128
#define CLOCK_REALTIME     0
#define CLOCK_MONOTONIC    1

#define YEAR_S (365ull * 24 * 3600)

struct timespec_user {
	int64_t sec, nsec;
};

static int read_timeout(uint64_t uts, uint64_t *deadline)
{
	*deadline = 0;
	if (!uts)
		return 0;
	if (!user_ok(uts, sizeof(struct timespec_user), 0))
		return -EFAULT;
	const struct timespec_user *ts = (const struct timespec_user *)uts;
	int64_t sec = ts->sec, nsec = ts->nsec;
	if (sec < 0 || nsec < 0 || nsec >= 1000000000)
		return -EINVAL;
	/* Anything over a year is a year: tsc_from_ns stays far from overflow. */
	uint64_t ns = (uint64_t)sec >= YEAR_S ? YEAR_S * 1000000000ull
	                                      : (uint64_t)sec * 1000000000ull + (uint64_t)nsec;
	*deadline = tsc_now() + tsc_from_ns(ns);
	if (!*deadline)
		*deadline = 1;
	return 0;
}

static int64_t sys_futex(struct frame *f)
{
	uint64_t uaddr = f->rdi, op = f->rsi & ~(uint64_t)FUTEX_PRIVATE_FLAG, val = f->rdx;
	if ((uaddr & 3) || !user_ok(uaddr, 4, 0))
		return -EFAULT;
	if (op == FUTEX_WAKE)
		return futex_wake(cur_space(), uaddr, (uint32_t)val);
	if (op != FUTEX_WAIT)
		return -ENOSYS;
	uint64_t deadline;
	int rc = read_timeout(f->r10, &deadline);
	if (rc)
		return rc;
	if (*(volatile uint32_t *)uaddr != (uint32_t)val)
		return -EAGAIN;
	futex_wait(f, uaddr, deadline);
	return SWITCHED;
}

static int64_t sys_nanosleep(struct frame *f)
{
	uint64_t deadline;
	int rc = read_timeout(f->rdi, &deadline);
	if (rc)
		return rc;
	if (!deadline)
		return 0;
	sleep_until(f, deadline);
	return SWITCHED;
}

static int64_t sys_clock_gettime(struct frame *f)
{
	if (f->rdi != CLOCK_REALTIME && f->rdi != CLOCK_MONOTONIC)
		return -EINVAL;
	if (!user_ok(f->rsi, sizeof(struct timespec_user), 1))
		return -EFAULT;
	uint64_t khz = bootinfo->tsc_khz ? bootinfo->tsc_khz : 1000000;
	uint64_t t = tsc_now();
	uint64_t ns = t / khz * 1000000 + (t % khz) * 1000000 / khz;
	if (f->rdi == CLOCK_REALTIME)
		ns += bootinfo->boot_realtime_ns; /* host time: untrusted */
	struct timespec_user *ts = (struct timespec_user *)f->rsi;
	ts->sec = (int64_t)(ns / 1000000000ull);
	ts->nsec = (int64_t)(ns % 1000000000ull);
	return 0;
}

static int64_t sys_getrandom(struct frame *f)
{
	uint64_t buf = f->rdi, len = f->rsi;
	if (len > 256)
		len = 256;
	if (!user_ok(buf, len, 1))
		return -EFAULT;
	uint8_t *p = (uint8_t *)buf;
	for (uint64_t i = 0; i < len; i += 8) {
		uint64_t v = 0;
		int ok = 0;
		for (int tries = 0; tries < 10 && !ok; tries++)
			__asm__ volatile("rdrand %0; setc %b1" : "=r"(v), "=q"(ok) : : "cc");
		if (!ok)
			return i ? (int64_t)i : -EAGAIN;
		for (uint64_t k = 0; k < 8 && i + k < len; k++)
			p[i + k] = (uint8_t)(v >> (8 * k));
	}
	return (int64_t)len;
}

#define CLONE_VM             0x00000100
#define CLONE_THREAD         0x00010000
#define CLONE_SETTLS         0x00080000
#define CLONE_PARENT_SETTID  0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000

/* Threads only (what pthread_create asks for); no processes. */
static int64_t sys_clone(struct frame *f)
{
	uint64_t flags = f->rdi, stack = f->rsi, ptid = f->rdx, ctid = f->r10, tls = f->r8;
	struct thread *parent = cur();
	if (!(flags & CLONE_VM) || !(flags & CLONE_THREAD) || parent->space->id == 0)
		return -EINVAL;
	if (stack < USER_MIN || stack >= USER_MAX)
		return -EINVAL;
	if ((flags & CLONE_PARENT_SETTID) && ((ptid & 3) || !user_ok(ptid, 4, 1)))
		return -EFAULT;
	if ((flags & CLONE_SETTLS) && (tls < USER_MIN || tls >= USER_MAX))
		return -EFAULT; /* a non-canonical FS base would fault in ring 0 */
	struct thread *t = thread_new(parent->space, parent->vcpu);
	if (!t)
		return -EAGAIN;
	t->regs = *f;
	t->regs.rax = 0;
	t->regs.rsp = stack;
	t->fs_base = (flags & CLONE_SETTLS) ? tls : parent->fs_base;
	t->clear_child_tid = (flags & CLONE_CHILD_CLEARTID) ? ctid : 0;
	if (flags & CLONE_PARENT_SETTID)
		*(volatile uint32_t *)ptid = t->tid;
	thread_make_runnable(t);
	return t->tid;
}

/* ---- manager-only calls --------------------------------------------------------- */

static struct space *target(uint64_t id)
{
	return id ? space_get((uint32_t)id) : 0;
}

static uint64_t de_prot(uint64_t p)
{
	uint64_t fl = PTE_U;
	if (p & DE_P_W)
		fl |= PTE_W;
	if (!(p & DE_P_X))
		fl |= PTE_NX;
	return fl;
}

static int64_t de_wait(struct frame *f)
{
	if (sched_wait_event(f, f->rdi, (uint32_t)f->rsi))
		return SWITCHED;
	return 0;
}

static int64_t de_space_create(struct frame *f)
{
	for (uint32_t id = 1; id < MAX_SPACES; id++) {
		struct space *s = space_slot(id);
		if (s->alive || s->zombie)
			continue;
		uint64_t root = as_create();
		if (!root)
			return -ENOMEM;
		s = space_slot(id);
		*s = (struct space){.root = root, .id = id, .alive = 1, .flags = (uint32_t)f->rdi};
		uint32_t n = bootinfo->nr_vcpus;
		s->vcpu = n > 1 ? 1 + (id - 1) % (n - 1) : 0;
		return id;
	}
	return -ENOSPC;
}

static int64_t de_space_map(struct frame *f)
{
	struct space *s = target(f->rdi);
	uint64_t prot = f->r10;
	if (!s)
		return -ENOENT;
	if ((prot & DE_P_W) && (prot & DE_P_X))
		return -EPERM;
	return as_map_fresh(s->root, f->rsi, f->rdx, de_prot(prot));
}

/* [va, va + n pages) inside the manager's scratch region, without wrapping. */
static int scratch_ok(uint64_t va, uint64_t n)
{
	return va >= DE_MGR_SCRATCH && va < DE_MGR_SCRATCH_END && !(va & (PAGE_SIZE - 1)) && n &&
	       n <= (DE_MGR_SCRATCH_END - va) / PAGE_SIZE;
}

static int64_t de_space_give(struct frame *f)
{
	struct space *s = target(f->rdi);
	uint64_t src = f->rdx, n = f->r10, prot = f->r8;
	if (!s)
		return -ENOENT;
	if ((prot & DE_P_W) && (prot & DE_P_X))
		return -EPERM;
	if (!scratch_ok(src, n))
		return -EINVAL;
	return as_move(cur_space()->root, src, s->root, f->rsi, n, de_prot(prot));
}

/* A window must be guest-physical memory that is not RAM or MMIO. */
static int64_t de_space_window(struct frame *f)
{
	struct space *s = target(f->rdi);
	uint64_t va = f->rsi, gpa = f->rdx, n = f->r10;
	if (!s)
		return -ENOENT;
	const uint64_t end = DE_WINDOW_BASE + (uint64_t)DE_MAX_WINDOWS * DE_WINDOW_MAX;
	if ((gpa & (PAGE_SIZE - 1)) || !n || n > DE_WINDOW_MAX / PAGE_SIZE ||
	    gpa < DE_WINDOW_BASE || gpa >= end || n > (end - gpa) / PAGE_SIZE)
		return -EINVAL;
	return as_map_phys(s->root, va, gpa, n, PTE_U | PTE_W | PTE_NX);
}

static int64_t de_space_layout(struct frame *f)
{
	struct space *s = target(f->rdi);
	if (!s)
		return -ENOENT;
	if (!user_ok(f->rsi, sizeof(struct de_space_layout), 0))
		return -EFAULT;
	struct de_space_layout l = *(const struct de_space_layout *)f->rsi;
	if ((l.brk_base | l.brk_max | l.mmap_base | l.mmap_max) & (PAGE_SIZE - 1) ||
	    l.brk_base < USER_MIN || l.brk_base > l.brk_max || l.brk_max > l.mmap_base ||
	    l.mmap_base > l.mmap_max || l.mmap_max > USER_MAX)
		return -EINVAL;
	s->brk_base = s->brk_cur = l.brk_base;
	s->brk_max = l.brk_max;
	s->mmap_base = s->mmap_next = l.mmap_base;
	s->mmap_max = l.mmap_max;
	s->holes.nr = 0;
	s->quota = l.quota_pages;
	s->used = 0;
	return 0;
}

static int64_t de_thread_start(struct frame *f)
{
	struct space *s = target(f->rdi);
	uint64_t rip = f->rsi, rsp = f->rdx;
	if (!s)
		return -ENOENT;
	if (rip < USER_MIN || rip >= USER_MAX || rsp < USER_MIN || rsp >= USER_MAX || (rsp & 15))
		return -EINVAL;
	struct thread *t = thread_new(s, s->vcpu);
	if (!t)
		return -EAGAIN;
	t->regs = (struct frame){
	    .rip = tramp_resume_va(),
	    .rcx = rip,
	    .cs = USER_CS,
	    .rflags = 0x202,
	    .rsp = rsp,
	    .ss = USER_DS,
	    .vector = (uint64_t)-1,
	};
	thread_make_runnable(t);
	return t->tid;
}

/* Ends a live space, or releases the id of one that ended by itself. */
static int64_t de_space_destroy(struct frame *f)
{
	struct space *s = f->rdi ? space_slot((uint32_t)f->rdi) : 0;
	if (!s || (!s->alive && !s->zombie))
		return -ENOENT;
	if (s->alive)
		space_kill(s, 3, 0, 0, 0, 0);
	s->zombie = 0;
	return 0;
}

static int64_t de_alloc(struct frame *f)
{
	uint64_t va = f->rdi, n = f->rsi;
	if (!scratch_ok(va, n))
		return -EINVAL;
	return as_map_fresh(cur_space()->root, va, n, PTE_U | PTE_W | PTE_NX); /* all or nothing */
}

static int64_t de_free(struct frame *f)
{
	uint64_t va = f->rdi, n = f->rsi;
	if (!scratch_ok(va, n))
		return -EINVAL;
	return as_unmap(cur_space()->root, va, n);
}

static int64_t de_meminfo(struct frame *f)
{
	if (f->rdi == 1)
		return (int64_t)mm_total_pages();
	return (int64_t)mm_free_pages();
}

static int64_t de_space_info(struct frame *f)
{
	struct space *s = target(f->rdi);
	if (!s)
		return -ENOENT;
	return (int64_t)((s->used & 0x7fffffffull) << 32 | s->nr_threads);
}

static const syscall_fn linux_table[] = {
    [1] = sys_write,
    [9] = sys_mmap,
    [10] = sys_mprotect,
    [11] = sys_munmap,
    [12] = sys_brk,
    [13] = sys_zero, /* rt_sigaction */
    [14] = sys_zero, /* rt_sigprocmask */
    [16] = sys_ioctl,
    [20] = sys_writev,
    [24] = sys_sched_yield,
    [28] = sys_zero, /* madvise */
    [35] = sys_nanosleep,
    [39] = sys_getpid,
    [56] = sys_clone,
    [60] = sys_exit,
    [158] = sys_arch_prctl,
    [186] = sys_gettid,
    [202] = sys_futex,
    [218] = sys_set_tid_address,
    [228] = sys_clock_gettime,
    [231] = sys_exit_group,
    [318] = sys_getrandom,
};

static const syscall_fn manager_table[] = {
    [DE_SYS_WAIT - 0x1000] = de_wait,
    [DE_SYS_SPACE_CREATE - 0x1000] = de_space_create,
    [DE_SYS_SPACE_MAP - 0x1000] = de_space_map,
    [DE_SYS_SPACE_GIVE - 0x1000] = de_space_give,
    [DE_SYS_SPACE_WINDOW - 0x1000] = de_space_window,
    [DE_SYS_SPACE_LAYOUT - 0x1000] = de_space_layout,
    [DE_SYS_THREAD_START - 0x1000] = de_thread_start,
    [DE_SYS_SPACE_DESTROY - 0x1000] = de_space_destroy,
    [DE_SYS_ALLOC - 0x1000] = de_alloc,
    [DE_SYS_FREE - 0x1000] = de_free,
    [DE_SYS_MEMINFO - 0x1000] = de_meminfo,
    [DE_SYS_SPACE_INFO - 0x1000] = de_space_info,
};

#define RFLAGS_USER_MASK 0x0cd5ull /* CF PF AF ZF SF DF OF (never TF) */
#define RFLAGS_FIXED     0x0202ull /* bit 1, IF */

void syscall_handler(struct frame *f)
{
	uint64_t nr = f->rax;
	syscall_fn fn = 0;

	if (sched_drop_if_dying(f))
		return; /* its space is being killed elsewhere */

	/*
	 * Rebuild the return frame from what the syscall instruction saved.
	 * A program that jumped to the trampoline itself chose %rcx; it may
	 * only return to a user address, and may not change privileged flags.
	 */
	if (f->rcx < USER_MIN || f->rcx >= USER_MAX) {
		struct space *s = cur_space();
		if (s->id == 0)
			fatal(DE_FATAL_MANAGER_FAULT, 6, 0, f->rip, f->rcx);
		space_kill(s, 2, 0, f, f->rcx, f);
		return;
	}
	f->rip = tramp_resume_va(); /* restores the thread's FPU state, then jumps to %rcx */
	f->rflags = (f->r11 & RFLAGS_USER_MASK) | RFLAGS_FIXED;
	f->cs = USER_CS;
	f->ss = USER_DS;

	if (nr < sizeof(linux_table) / sizeof(linux_table[0]))
		fn = linux_table[nr];
	else if (nr >= 0x1000 && nr - 0x1000 < sizeof(manager_table) / sizeof(manager_table[0])) {
		fn = manager_table[nr - 0x1000];
		if (fn && cur_space()->id != 0) {
			f->rax = (uint64_t)-EPERM;
			return;
		}
	}
	if (!fn) {
		f->rax = (uint64_t)-ENOSYS;
		return;
	}
	int64_t r = fn(f);
	if (r != SWITCHED)
		f->rax = (uint64_t)r;
}
