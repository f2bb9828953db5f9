/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Linux x86-64 syscalls the manager's musl runtime needs at start-up and
 * for debug output. Every argument is checked before it is used; anything
 * not in the table returns -ENOSYS.
 */
#include "kernel.h"
#include "de/platform_dev.h"

#define ENOSYS 38
#define EFAULT 14
#define EINVAL 22
#define EBADF  9
#define ENOTTY 25

#define USER_MIN 0x0000008000000000ull
#define USER_MAX 0x0000800000000000ull

#define ARCH_SET_FS 0x1002

typedef int64_t (*syscall_fn)(uint64_t a0, uint64_t a1, uint64_t a2);

static int user_range_ok(uint64_t p, uint64_t n)
{
	return p >= USER_MIN && p <= USER_MAX && n <= USER_MAX - p;
}

static int64_t sys_write(uint64_t fd, uint64_t buf, uint64_t len)
{
	if (fd != 1 && fd != 2)
		return -EBADF;
	if (!user_range_ok(buf, len))
		return -EFAULT;
	console_write((const char *)buf, len);
	return (int64_t)len;
}

struct iovec_user {
	uint64_t base;
	uint64_t len;
};

static int64_t sys_writev(uint64_t fd, uint64_t iov, uint64_t cnt)
{
	if (fd != 1 && fd != 2)
		return -EBADF;
	if (cnt > 1024 || !user_range_ok(iov, cnt * sizeof(struct iovec_user)))
		return cnt > 1024 ? -EINVAL : -EFAULT;
	const struct iovec_user *v = (const struct iovec_user *)iov;
	uint64_t total = 0;
	for (uint64_t i = 0; i < cnt; i++) {
		uint64_t base = v[i].base, len = v[i].len;
		if (!user_range_ok(base, len))
			return -EFAULT;
		console_write((const char *)base, len);
		total += len;
	}
	return (int64_t)total;
}

static int64_t sys_arch_prctl(uint64_t code, uint64_t addr, uint64_t unused)
{
	(void)unused;
	if (code != ARCH_SET_FS)
		return -EINVAL;
	if (!user_range_ok(addr, 0))
		return -EFAULT;
	wrmsr(MSR_FS_BASE, addr);
	return 0;
}

static int64_t sys_gettid(uint64_t a0, uint64_t a1, uint64_t a2)
{
	(void)a0, (void)a1, (void)a2;
	return 1;
}

static int64_t sys_zero(uint64_t a0, uint64_t a1, uint64_t a2)
{
	(void)a0, (void)a1, (void)a2;
	return 0;
}

static int64_t sys_ioctl(uint64_t a0, uint64_t a1, uint64_t a2)
{
	(void)a0, (void)a1, (void)a2;
	return -ENOTTY;
}

static int64_t sys_exit(uint64_t status, uint64_t a1, uint64_t a2)
{
	(void)a1, (void)a2;
	kprintf("de-kernel: manager exited with status %lu\n", status);
	fatal(DE_FATAL_MANAGER_EXIT, status, 0, 0, 0);
}

static const syscall_fn syscall_table[] = {
    [1] = sys_write,    [16] = sys_ioctl,
    [20] = sys_writev,  [14] = sys_zero, /* rt_sigprocmask: no signals here */
    [13] = sys_zero,                     /* rt_sigaction */
    [39] = sys_gettid,                   /* getpid */
    [60] = sys_exit,    [158] = sys_arch_prctl,
    [186] = sys_gettid, [218] = sys_gettid, /* set_tid_address */
    [231] = sys_exit,                       /* exit_group */
};

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
	code[0] = 0x0f; /* ud2: the system call gate */
	code[1] = 0x0b;
}

uint64_t syscall_trampoline_page(void)
{
	return trampoline_pa;
}

#define RFLAGS_USER_MASK 0x0cd5ull /* CF PF AF ZF SF TF DF OF */
#define RFLAGS_FIXED     0x0202ull /* bit 1, IF */

void syscall_handler(struct frame *f)
{
	uint64_t nr = f->rax;

	/*
	 * Rebuild the return frame from what the syscall instruction saved.
	 * A program that raised int $0x80 itself chose %rcx; it may only
	 * return to a canonical user address, and may not change privileged
	 * flags.
	 */
	if (!user_range_ok(f->rcx, 1)) {
		kprintf("de-kernel: syscall with bad return address %lx\n", f->rcx);
		fatal(DE_FATAL_MANAGER_FAULT, 0x80, 0, f->rip, f->rcx);
	}
	f->rip = f->rcx;
	f->rflags = (f->r11 & RFLAGS_USER_MASK) | RFLAGS_FIXED;
	f->cs = USER_CS;
	f->ss = USER_DS;
	if (nr < sizeof(syscall_table) / sizeof(syscall_table[0]) && syscall_table[nr])
		f->rax = (uint64_t)syscall_table[nr](f->rdi, f->rsi, f->rdx);
	else
		f->rax = (uint64_t)-ENOSYS;
}
