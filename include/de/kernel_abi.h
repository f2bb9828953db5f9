/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kernel's privileged system calls, used only by the manager, and the
 * event ring through which the kernel reports enclaves that stop. Numbers
 * start at 0x1000, outside the Linux range; enclaves calling them get
 * -EPERM. Arguments follow the Linux convention (rdi, rsi, rdx, r10, r8).
 */
#ifndef DE_KERNEL_ABI_H
#define DE_KERNEL_ABI_H

#include <stdint.h>

enum de_sys {
	/*
	 * Block until bootinfo.event_seq != a0 or the event ring's head != a1
	 * (the head the manager last saw: events it has not seen yet).
	 */
	DE_SYS_WAIT = 0x1000,
	/* a0 = flags (DE_SPACE_DEBUG). Returns a space id (1..) or -errno. */
	DE_SYS_SPACE_CREATE = 0x1001,
	/* a0 = id, a1 = va, a2 = pages, a3 = prot: fresh zero pages. */
	DE_SYS_SPACE_MAP = 0x1002,
	/* a0 = id, a1 = dst va, a2 = src va (manager), a3 = pages, a4 = prot. */
	DE_SYS_SPACE_GIVE = 0x1003,
	/* a0 = id, a1 = va, a2 = gpa, a3 = pages: a shared window (not RAM). */
	DE_SYS_SPACE_WINDOW = 0x1004,
	/* a0 = id, a1 = pointer to struct de_space_layout (manager memory). */
	DE_SYS_SPACE_LAYOUT = 0x1005,
	/* a0 = id, a1 = rip, a2 = rsp. Returns the new thread's id or -errno. */
	DE_SYS_THREAD_START = 0x1006,
	/* a0 = id: kill its threads and free its memory. */
	DE_SYS_SPACE_DESTROY = 0x1007,
	/* a0 = va, a1 = pages: fresh zero pages in the manager (scratch). */
	DE_SYS_ALLOC = 0x1008,
	/* a0 = va, a1 = pages: give scratch pages back. */
	DE_SYS_FREE = 0x1009,
	/* a0 = 0: free pages; a0 = 1: all pages the allocator manages. */
	DE_SYS_MEMINFO = 0x100a,
	/*
	 * a0 = id: a live space's threads (low 32 bits) and the brk/mmap pages
	 * it holds (high 32 bits), or -ENOENT once it has exited or crashed.
	 */
	DE_SYS_SPACE_INFO = 0x100b,
};

enum de_space_flags {
	DE_SPACE_DEBUG = 1u << 0, /* write(1|2) reaches the debug console */
};

enum de_prot {
	DE_P_R = 1u,
	DE_P_W = 2u,
	DE_P_X = 4u,
};

/* Where brk and anonymous mmap may place memory in a space. */
struct de_space_layout {
	uint64_t brk_base, brk_max;   /* [brk_base, brk_max) */
	uint64_t mmap_base, mmap_max; /* [mmap_base, mmap_max) */
	uint64_t quota_pages;         /* pages brk + mmap may hold at once */
};

/* Event ring: one page at DE_MGR_KEVENTS, written by the kernel. */
#define DE_KEVENT_SLOTS 63u

struct de_kevent {
	uint32_t space;
	uint32_t kind; /* 1 = exited, 2 = crashed */
	int64_t code;  /* exit status */
	uint64_t vector, error, rip, addr;
};

struct de_kevent_ring {
	volatile uint32_t head; /* written by the kernel */
	volatile uint32_t tail; /* written by the manager */
	uint32_t dropped;
	uint32_t reserved[13];
	struct de_kevent ev[DE_KEVENT_SLOTS];
};

_Static_assert(sizeof(struct de_kevent_ring) <= 4096, "event ring fits a page");

#endif
