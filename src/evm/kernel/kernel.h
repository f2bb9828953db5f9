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

#define PAGE_SIZE 4096ull
#define MAX_CPUS  DE_MAX_VCPUS

/* Segment selectors (see cpu.c for the GDT). */
#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define USER_DS   (0x18 | 3)
#define USER_CS   (0x20 | 3)
#define TSS_SEL   0x28

/* Per-vCPU data, reached through %gs in ring 0. Offsets are used by entry.S. */
struct percpu {
	uint64_t kstack_top; /* offset 0 */
	uint64_t user_rsp;   /* offset 8: scratch on syscall entry */
	uint32_t index;
	uint32_t online;
};

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
#define PTE_P   0x001ull
#define PTE_W   0x002ull
#define PTE_U   0x004ull
#define PTE_PWT 0x008ull
#define PTE_PCD 0x010ull
#define PTE_PS  0x080ull
#define PTE_NX  (1ull << 63)

void mm_init(const struct de_bootinfo *bi);
uint64_t mm_alloc_page(void); /* a zeroed physical page, or 0 */
uint64_t mm_free_pages(void);
uint64_t mm_kernel_root(void);
int mm_map(uint64_t root, uint64_t va, uint64_t pa, uint64_t flags);

/* manager.c */
_Noreturn void manager_start(const struct de_bootinfo *bi, struct percpu *pc);

/* trap.c */
_Noreturn void fatal(uint64_t code, uint64_t a, uint64_t b, uint64_t c, uint64_t d);
void trap_handler(struct frame *f);

/* syscall.c */
void syscall_handler(struct frame *f);
/* The page every address space maps at DE_SYSCALL_TRAMPOLINE (user, X, RO). */
void syscall_trampoline_init(void);
uint64_t syscall_trampoline_page(void);

/* entry.S */
_Noreturn void enter_user(uint64_t rip, uint64_t rsp);
extern uint64_t trap_stubs[32];

/* platform device, reached through the identity map */
extern const struct de_bootinfo *bootinfo;
_Noreturn void idle_forever(void);

#endif /* DE_KERNEL_H */
