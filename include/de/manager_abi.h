/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the kernel gives the manager at start: its virtual layout and the
 * auxiliary-vector entries (standard ones plus DE-specific ones that the
 * manager reads with getauxval()).
 */
#ifndef DE_MANAGER_ABI_H
#define DE_MANAGER_ABI_H

/* Manager virtual layout (user half, PML4 slot 1 onwards). */
#define DE_MGR_BASE          0x0000008000000000ull
#define DE_MGR_BOOTINFO      0x0000008040000000ull /* read-only boot info page */
#define DE_MGR_VSOCK_MMIO    0x0000008040001000ull
#define DE_MGR_PLATFORM_MMIO 0x0000008040002000ull
#define DE_MGR_KEVENTS       0x0000008040003000ull /* kernel event ring (kernel_abi.h) */
#define DE_MGR_STACK_TOP     0x0000008080000000ull
#define DE_MGR_SCRATCH       0x0000009000000000ull /* DE_SYS_ALLOC region, 64 GiB */
#define DE_MGR_SCRATCH_END   0x000000a000000000ull

/*
 * The syscall trampoline: one read-only, executable user page at the same
 * address in every address space; MSR_LSTAR points at it.
 */
#define DE_SYSCALL_TRAMPOLINE 0x00007fffffffe000ull
/*
 * Per-thread save areas (every space): thread slot i owns the pages at
 * DE_THREAD_AREA_BASE + i * DE_THREAD_AREA_STRIDE, and its user %gs base
 * points there. The syscall trampoline keeps the thread's x87/SSE/AVX
 * state there (XSAVE at offset 64) while the kernel may run other threads.
 * Windows may not overlap [DE_THREAD_AREA_BASE, DE_THREAD_AREA_END).
 */
#define DE_THREAD_AREA_BASE   0x00000c0000000000ull
#define DE_THREAD_AREA_STRIDE 0x10000ull /* 64 KiB: the area, then unmapped guard */
#define DE_THREAD_AREA_END    (DE_THREAD_AREA_BASE + 64 * DE_THREAD_AREA_STRIDE)

/* Standard auxv types. */
#define DE_AT_PHDR   3
#define DE_AT_PHENT  4
#define DE_AT_PHNUM  5
#define DE_AT_PAGESZ 6
#define DE_AT_ENTRY  9
#define DE_AT_RANDOM 25 /* 16 random bytes (musl seeds its stack canary from them) */

/* DE auxv types. */
#define DE_AT_DE_BOOTINFO      0x4de1
#define DE_AT_DE_VSOCK_MMIO    0x4de2
#define DE_AT_DE_PLATFORM_MMIO 0x4de3
#define DE_AT_DE_PHYS_BASE     0x4de4 /* physical address of DE_MGR_BASE; the image is contiguous */
#define DE_AT_DE_FREE_PAGES    0x4de5
#define DE_AT_DE_ARG           0x4df0 /* enclaves: the argument given to START */
#define DE_AT_DE_STACK_LOW     0x4df1 /* enclaves: lowest address of the main thread's stack */

#endif /* DE_MANAGER_ABI_H */
