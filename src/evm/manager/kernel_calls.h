/* SPDX-License-Identifier: Apache-2.0 */
/* The kernel's privileged calls (include/de/kernel_abi.h), for the manager. */
#ifndef DE_MGR_KERNEL_CALLS_H
#define DE_MGR_KERNEL_CALLS_H

#include <stdint.h>

#include "de/kernel_abi.h"

#ifdef DE_MGR_HOST_TEST
/* Host unit tests of manager code provide their own (tests/unit/test_mgr_control.c). */
long kcall(long nr, long a0, long a1, long a2, long a3, long a4);
#else
static inline long kcall(long nr, long a0, long a1, long a2, long a3, long a4)
{
	register long r10 __asm__("r10") = a3;
	register long r8 __asm__("r8") = a4;
	long ret;
	__asm__ volatile("syscall"
	                 : "=a"(ret)
	                 : "a"(nr), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8)
	                 : "rcx", "r11", "memory");
	return ret;
}
#endif

#endif
