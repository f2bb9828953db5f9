/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The DE platform device: one MMIO page through which the trusted OS idles,
 * wakes other vCPUs and reports fatal errors. Every access is a VM exit, so
 * it is used only off the hot path. Registers are 64 bits wide.
 */
#ifndef DE_PLATFORM_DEV_H
#define DE_PLATFORM_DEV_H

#define DE_PLAT_MAGIC_VALUE 0x4c504544u /* "DEPL" */
#define DE_PLAT_VERSION_1   1u

enum de_plat_reg {
	DE_PLAT_MAGIC = 0x00,   /* r: DE_PLAT_MAGIC_VALUE */
	DE_PLAT_VERSION = 0x08, /* r: DE_PLAT_VERSION_1 */
	/*
	 * w: the value of bootinfo.event_seq the guest last saw. The vCPU
	 * sleeps until event_seq differs from it, another vCPU kicks, the
	 * timeout below passes, or the EVM stops.
	 */
	DE_PLAT_WAIT = 0x10,
	DE_PLAT_KICK = 0x18,        /* w: any value; bumps event_seq, wakes all */
	DE_PLAT_WAIT_MAX_US = 0x20, /* r: longest sleep of one WAIT, in µs */
	/* w: a de_plat_fatal code; the VMM dumps this vCPU and stops the EVM. */
	DE_PLAT_FATAL = 0x28,
	/*
	 * w: zero guest RAM: value = page-aligned guest-physical address |
	 * (number of pages - 1) in bits 0-11, so one write zeroes 1 to 4096
	 * pages. The kernel uses it to scrub freed pages without bulk work in
	 * ring 0. A range outside RAM stops the EVM (a kernel bug).
	 */
	DE_PLAT_ZERO = 0x30,
	/*
	 * w: a vCPU index. The VMM interrupts that vCPU with DE_PREEMPT_VECTOR
	 * as soon as it runs with interrupts enabled (in ring 3), so that a
	 * thread spinning in ring 3 enters the kernel. Indexes that do not
	 * exist are ignored.
	 */
	DE_PLAT_PREEMPT = 0x38,
	/*
	 * w: microseconds; the writing vCPU's next WAIT sleeps at most that
	 * long (and at most DE_PLAT_WAIT_MAX_US), for a thread's timer. One
	 * WAIT uses it; 0 means the default.
	 */
	DE_PLAT_WAIT_US = 0x40,
};

#define DE_PREEMPT_VECTOR 32u

enum de_plat_fatal {
	DE_FATAL_KERNEL_EXCEPTION = 1, /* ring-0 exception */
	DE_FATAL_MANAGER_FAULT = 2,    /* the manager faulted */
	DE_FATAL_MANAGER_EXIT = 3,     /* the manager exited */
	DE_FATAL_ASSERT = 4,           /* a kernel invariant failed */
};

#endif /* DE_PLATFORM_DEV_H */
