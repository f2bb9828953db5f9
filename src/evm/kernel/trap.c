/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Faults and the preemption interrupt. A fault in an enclave kills that
 * enclave only; a fault in the manager or the kernel is fatal for the EVM:
 * it is reported to the VMM through the platform device, which dumps the
 * registers into the service log and stops the EVM.
 */
#include "kernel.h"
#include "de/platform_dev.h"

static const char *const trap_names[32] = {
    "#DE divide error",
    "#DB debug",
    "NMI",
    "#BP breakpoint",
    "#OF overflow",
    "#BR bound range",
    "#UD invalid opcode",
    "#NM device not available",
    "#DF double fault",
    "coprocessor overrun",
    "#TS invalid TSS",
    "#NP segment not present",
    "#SS stack fault",
    "#GP general protection",
    "#PF page fault",
    "reserved 15",
    "#MF x87 error",
    "#AC alignment check",
    "#MC machine check",
    "#XM SIMD error",
    "#VE virtualization",
    "#CP control protection",
    "reserved 22",
    "reserved 23",
    "reserved 24",
    "reserved 25",
    "reserved 26",
    "reserved 27",
    "reserved 28",
    "reserved 29",
    "#SX security",
    "reserved 31",
};

/*
 * Registers at the FATAL write carry the details: %rdi = a (vector),
 * %rsi = b (error code), %rdx = c (rip), %r8 = d (fault address).
 */
_Noreturn void fatal(uint64_t code, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
	register uint64_t r8 __asm__("r8") = d;
	for (;;)
		__asm__ volatile("movq %0, (%1)"
		                 :
		                 : "r"(code), "r"(DE_PLATFORM_MMIO + DE_PLAT_FATAL), "D"(a), "S"(b),
		                   "d"(c), "r"(r8)
		                 : "memory");
}

void trap_handler(struct frame *f)
{
	int user = (f->cs & 3) != 0;
	uint64_t cr2 = read_cr2();
	struct thread *t = this_cpu()->current;

	if (user && sched_drop_if_dying(f))
		return; /* its space is being killed elsewhere */
	if (f->vector == DE_PREEMPT_VECTOR) {
		if (!user)
			fatal(DE_FATAL_KERNEL_EXCEPTION, f->vector, 0, f->rip, 0);
		return; /* nothing to do: the thread goes on */
	}

	if (user && t && t->space->id != 0) {
		/* An enclave faulted: it alone dies; the manager hears of it. */
		kprintf("de-kernel: enclave %u thread %u: %s at rip %lx, address %lx\n",
		        t->space->id, t->tid, trap_names[f->vector & 31], f->rip, cr2);
		space_kill(t->space, 2, 0, f, f->vector == 14 ? cr2 : 0, f);
		return;
	}
	kprintf("de-kernel: %s fault: %s (vector %lu) error %lx\n", user ? "manager" : "kernel",
	        trap_names[f->vector & 31], f->vector, f->error);
	kprintf("  rip %lx rsp %lx rflags %lx cr2 %lx\n", f->rip, f->rsp, f->rflags, cr2);
	kprintf("  rax %lx rbx %lx rcx %lx rdx %lx\n", f->rax, f->rbx, f->rcx, f->rdx);
	kprintf("  rsi %lx rdi %lx rbp %lx r8 %lx\n", f->rsi, f->rdi, f->rbp, f->r8);
	fatal(user ? DE_FATAL_MANAGER_FAULT : DE_FATAL_KERNEL_EXCEPTION, f->vector, f->error,
	      f->rip, cr2);
}
