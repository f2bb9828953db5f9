/* SPDX-License-Identifier: Apache-2.0 */
/* The platform device from ring 3, and the debug log. */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "manager.h"
#include "de/manager_abi.h"
#include "de/platform_dev.h"

struct manager_env env;

uint64_t virt_to_phys(const void *p)
{
	return (uint64_t)p - DE_MGR_BASE + env.phys_base;
}

_Noreturn void platform_fatal(uint64_t code, uint64_t detail)
{
	/* One instruction with detail in %rdi: the VMM reads the registers at the write. */
	for (;;)
		__asm__ volatile("movq %0, (%1)"
		                 :
		                 : "r"(code), "r"(env.platform_mmio + DE_PLAT_FATAL), "D"(detail)
		                 : "memory");
}

/* One write syscall per line; the kernel drops it on non-debug EVMs. */
void mlog(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n = snprintf(line, sizeof(line), "de-manager: ");
	va_start(ap, fmt);
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	(void)!write(2, line, (size_t)n);
}
