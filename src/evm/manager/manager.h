/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The manager: ring 3 of the trusted OS. It owns the devices (they are
 * mapped into it), runs the vsock driver and serves the EVM's ports. It is a
 * static-pie musl program that the kernel starts from the image.
 */
#ifndef DE_MANAGER_H
#define DE_MANAGER_H

#include <stdint.h>
#include <stddef.h>

#include "de/boot.h"

struct manager_env {
	const struct de_bootinfo *bootinfo;
	volatile uint8_t *vsock_mmio;
	volatile uint8_t *platform_mmio;
	uint64_t phys_base; /* guest-physical address of DE_MGR_BASE */
	uint64_t free_pages;
};

extern struct manager_env env;

/* Guest-physical address of a manager object (the image is contiguous). */
uint64_t virt_to_phys(const void *p);

/* platform.c */
_Noreturn void platform_fatal(uint64_t code, uint64_t detail);
void mlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static inline void cpu_relax(void)
{
	__builtin_ia32_pause();
}

#endif /* DE_MANAGER_H */
