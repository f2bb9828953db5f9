/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test enclave that misbehaves on purpose; START's argument picks how.
 * Cases 1-8 fault and must kill only this enclave; 9 (spin forever) and
 * 10 (sleep an hour) must still be destroyable.
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <time.h>

#include "de/manager_abi.h"

static volatile uintptr_t target;

int main(void)
{
	unsigned long how = getauxval(DE_AT_DE_ARG);
	volatile int zero = 0;
	printf("enclave fault: case %lu\n", how);
	fflush(stdout);
	switch (how) {
	case 1: /* write to an unmapped page */
		target = 16;
		*(volatile int *)target = 1;
		break;
	case 2: /* invalid instruction */
		__asm__ volatile("ud2");
		break;
	case 3: /* divide by zero */
		return 10 / zero;
	case 4: /* the manager's memory */
		target = DE_MGR_BASE;
		return *(volatile int *)target;
	case 5: /* the kernel (identity map of guest RAM, supervisor only) */
		target = 0x100000;
		return *(volatile int *)target;
	case 6: /* the boot info page as the manager sees it */
		target = DE_MGR_BOOTINFO;
		return *(volatile int *)target;
	case 7: /* write to its own code */
		target = (uintptr_t)&main;
		*(volatile int *)target = 0;
		break;
	case 9: /* spin in ring 3 forever: only preemption gets it out */
		for (;;)
			target++;
	case 10: { /* sleep for an hour */
		struct timespec ts = {.tv_sec = 3600};
		nanosleep(&ts, NULL);
		break;
	}
	case 8: { /* read a PROT_NONE page */
		volatile int *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return 98;
		return *p;
	}
	}
	printf("enclave fault: case %lu did not fault\n", how);
	return 99;
}
