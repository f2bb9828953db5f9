/* SPDX-License-Identifier: Apache-2.0 */
/* Per-vCPU descriptor tables and syscall MSRs. */
#include "kernel.h"
#include "de/platform_dev.h"
#include "de/manager_abi.h"

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

struct idt_entry {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t zero;
};

struct table_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

#define GDT_ENTRIES 7

static uint64_t gdt[MAX_CPUS][GDT_ENTRIES] __attribute__((aligned(16)));
static struct tss tss[MAX_CPUS] __attribute__((aligned(16)));
static struct idt_entry idt[33] __attribute__((aligned(16))); /* exceptions + preempt */
static uint8_t double_fault_stacks[MAX_CPUS][4096] __attribute__((aligned(16)));

static struct idt_entry gate(uint64_t a, uint8_t ist, uint8_t dpl)
{
	return (struct idt_entry){
	    .offset_low = (uint16_t)a,
	    .selector = KERNEL_CS,
	    .ist = ist,
	    .type_attr = (uint8_t)(0x8e | (dpl << 5)), /* present interrupt gate */
	    .offset_mid = (uint16_t)(a >> 16),
	    .offset_high = (uint32_t)(a >> 32),
	};
}

/*
 * IST 1 gives #DF and #MC a known-good stack. #UD is also the system call
 * gate (see syscall.c); IST 2 gives it the kernel stack even when it is
 * raised in ring 0 on the user stack by the trampoline (hardware KVM).
 */
static void idt_init_once(void)
{
	for (int v = 0; v < 32; v++)
		idt[v] = gate(trap_stubs[v], (v == 8 || v == 18) ? 1 : (v == 6 ? 2 : 0), 0);
	idt[DE_PREEMPT_VECTOR] = gate(trap_stubs[32], 0, 0); /* DE_PLAT_PREEMPT */
}

void cpu_init(struct percpu *pc)
{
	uint32_t i = pc->index;
	uint64_t *g = gdt[i];

	if (i == 0)
		idt_init_once();

	g[0] = 0;
	g[1] = 0x00af9a000000ffffull; /* kernel code: L, P, DPL 0 */
	g[2] = 0x00cf92000000ffffull; /* kernel data */
	g[3] = 0x00cff2000000ffffull; /* user data: DPL 3 */
	g[4] = 0x00affa000000ffffull; /* user code: L, DPL 3 */
	uint64_t base = (uint64_t)&tss[i];
	uint64_t limit = sizeof(struct tss) - 1;
	g[5] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
	       (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	g[6] = base >> 32;

	tss[i].rsp[0] = pc->kstack_top;
	tss[i].ist[0] = (uint64_t)&double_fault_stacks[i][4096];
	tss[i].ist[1] = pc->kstack_top;
	tss[i].iomap_base = sizeof(struct tss); /* no I/O bitmap: ring 3 has no ports */

	struct table_ptr gp = {sizeof(gdt[0]) - 1, (uint64_t)g};
	struct table_ptr ip = {sizeof(idt) - 1, (uint64_t)idt};
	__asm__ volatile("lgdt %0\n\t"
	                 "lidt %1\n\t"
	                 "mov %2, %%ds\n\t"
	                 "mov %2, %%es\n\t"
	                 "mov %2, %%ss\n\t"
	                 "xor %%eax, %%eax\n\t"
	                 "mov %%eax, %%fs\n\t"
	                 "mov %%eax, %%gs\n\t"
	                 "pushq %3\n\t"
	                 "lea 1f(%%rip), %%rax\n\t"
	                 "pushq %%rax\n\t"
	                 "lretq\n"
	                 "1:\n\t"
	                 "ltr %w4"
	                 :
	                 : "m"(gp), "m"(ip), "r"((uint64_t)KERNEL_DS), "i"(KERNEL_CS), "r"(TSS_SEL)
	                 : "rax", "memory");

	wrmsr(MSR_GS_BASE, (uint64_t)pc);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
	/* syscall: CS = STAR[47:32], SS = +8. Return is by iretq, so [63:48] is unused. */
	wrmsr(MSR_STAR, (uint64_t)KERNEL_CS << 32);
	wrmsr(MSR_LSTAR, DE_SYSCALL_TRAMPOLINE);
	wrmsr(MSR_SFMASK, 0x47700); /* TF, DF, IF, IOPL, NT, AC cleared on entry */
}
