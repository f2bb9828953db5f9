/* SPDX-License-Identifier: Apache-2.0 */
/* A manager that crashes at once: the image built from it tests crash handling. */
#include <stdint.h>

int main(void)
{
	volatile uintptr_t addr = 16; /* unmapped: the first page is never mapped */
	return *(volatile int *)addr;
}
