/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel entry. Every vCPU starts here (boot protocol); vCPU 0 builds the
 * shared state and starts the manager, the others wait for it and then idle
 * until there is work for them.
 */
#include "kernel.h"
#include "de/platform_dev.h"

extern char boot_stacks[];

const struct de_bootinfo *bootinfo;
struct percpu percpus[MAX_CPUS];
static volatile uint32_t bsp_done;
static volatile uint32_t cpus_online;

static void plat_write(uint64_t reg, uint64_t v)
{
	mmio_write64(DE_PLATFORM_MMIO + reg, v);
}

/* Sleep in the VMM until event_seq moves (an exit, not a spin), or at most max_us (0: the VMM's
 * bound). */
void platform_wait(uint64_t seen, uint64_t max_us)
{
	if (max_us)
		plat_write(DE_PLAT_WAIT_US, max_us);
	plat_write(DE_PLAT_WAIT, seen);
}

void platform_preempt(uint32_t i)
{
	plat_write(DE_PLAT_PREEMPT, i);
}

/* Wake every vCPU sleeping in platform_wait (bumps event_seq). */
void platform_kick(void)
{
	plat_write(DE_PLAT_KICK, 1);
}

_Noreturn void kmain(const struct de_bootinfo *bi, uint64_t index)
{
	struct percpu *pc = &percpus[index];

	pc->index = (uint32_t)index;
	pc->self = pc;
	pc->kstack_top = (uint64_t)(boot_stacks + (index + 1) * 16384);

	if (index != 0) {
		for (;;) {
			uint64_t seq = bi->event_seq;
			if (bsp_done)
				break;
			platform_wait(seq, 0);
		}
		cpu_init(pc);
		__asm__ volatile("mov %0, %%cr3" : : "r"(mm_kernel_root()) : "memory");
		__atomic_fetch_add(&cpus_online, 1, __ATOMIC_SEQ_CST);
		pc->online = 1;
		kprintf("de-kernel: vCPU %u online\n", pc->index);
		sched_start(pc);
	}

	if (bi->magic != DE_BOOTINFO_MAGIC || bi->version != DE_BOOTINFO_VERSION)
		fatal(DE_FATAL_ASSERT, __LINE__, bi->magic, bi->version, 0);
	bootinfo = bi;
	console_init(bi);
	cpu_init(pc);
	mm_init(bi);
	syscall_trampoline_init();
	thread_area_init();
	sched_init();
	pc->online = 1;
	cpus_online = 1;
	kprintf("de-kernel: %u vCPUs, %lu MiB, %lu free pages\n", bi->nr_vcpus,
	        bi->memory_size >> 20, mm_free_pages());
	bsp_done = 1;
	platform_kick();
	manager_start(bi, pc);
}
