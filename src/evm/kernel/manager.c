/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Starts the manager, the ring-3 half of the trusted OS. The image builder
 * already laid its segments out in the image, so starting it is only page
 * table work: map each page where the manager expects it, map its devices,
 * give it a stack with the System V start-up block, and enter ring 3.
 */
#include "kernel.h"
#include "de/platform_dev.h"
#include "de/kernel_abi.h"
#include "de/manager_abi.h"

#define STACK_PAGES 64ull

static uint64_t *stack_block; /* identity address of the top stack page */

static void map_or_die(uint64_t root, uint64_t va, uint64_t pa, uint64_t flags)
{
	if (mm_map(root, va, pa, flags))
		fatal(DE_FATAL_ASSERT, __LINE__, va, 0, 0);
}

static uint64_t seg_flags(uint32_t prot)
{
	uint64_t f = PTE_U;
	if (prot & DE_PROT_W)
		f |= PTE_W;
	if (!(prot & DE_PROT_X))
		f |= PTE_NX;
	return f;
}

_Noreturn void manager_start(const struct de_bootinfo *bi, struct percpu *pc)
{
	const struct de_image_header *hdr = (const struct de_image_header *)bi->image_paddr;
	const struct de_image_manager *m = &hdr->manager;
	uint64_t phys = bi->image_paddr + m->offset;
	uint64_t root = mm_alloc_page();

	if (!root || m->nr_segments > DE_IMAGE_MAX_SEGMENTS)
		fatal(DE_FATAL_ASSERT, __LINE__, 0, 0, 0);
	((uint64_t *)root)[0] = ((uint64_t *)mm_kernel_root())[0];

	for (uint32_t s = 0; s < m->nr_segments; s++) {
		const struct de_image_segment *seg = &m->segments[s];
		uint64_t flags = seg_flags(seg->prot);
		for (uint64_t p = seg->first_page; p < (uint64_t)seg->first_page + seg->nr_pages;
		     p++)
			map_or_die(root, DE_MGR_BASE + p * PAGE_SIZE, phys + p * PAGE_SIZE, flags);
	}
	map_or_die(root, DE_MGR_BOOTINFO, DE_BOOTINFO_PADDR, PTE_U | PTE_NX);
	map_or_die(root, DE_SYSCALL_TRAMPOLINE, syscall_trampoline_page(), PTE_U);
	uint64_t ring = mm_alloc_page();
	if (!ring)
		fatal(DE_FATAL_ASSERT, __LINE__, 0, 0, 0);
	kevents_init(ring);
	map_or_die(root, DE_MGR_KEVENTS, ring, PTE_U | PTE_W | PTE_NX);
	map_or_die(root, DE_MGR_VSOCK_MMIO, bi->vsock_mmio,
	           PTE_U | PTE_W | PTE_NX | PTE_PCD | PTE_PWT);
	map_or_die(root, DE_MGR_PLATFORM_MMIO, bi->platform_mmio,
	           PTE_U | PTE_W | PTE_NX | PTE_PCD | PTE_PWT);

	uint64_t top_pa = 0;
	for (uint64_t i = 1; i <= STACK_PAGES; i++) {
		uint64_t pa = mm_alloc_page();
		if (!pa)
			fatal(DE_FATAL_ASSERT, __LINE__, i, 0, 0);
		if (i == 1)
			top_pa = pa;
		map_or_die(root, DE_MGR_STACK_TOP - i * PAGE_SIZE, pa, PTE_U | PTE_W | PTE_NX);
	}

	/*
	 * Start-up block at the top of the stack: argc, argv, envp, auxv, then
	 * the strings. The program name sits in the last 16 bytes.
	 */
	uint64_t name_va = DE_MGR_STACK_TOP - 16;
	char *name = (char *)(top_pa + PAGE_SIZE - 16);
	name[0] = 'm', name[1] = 'g', name[2] = 'r', name[3] = 0;
	/* AT_RANDOM: 16 bytes below the name. */
	uint64_t rnd_va = DE_MGR_STACK_TOP - 32;
	uint64_t *rnd = (uint64_t *)(top_pa + PAGE_SIZE - 32);
	for (int i = 0; i < 2; i++) {
		unsigned char ok = 0;
		for (int tries = 0; tries < 100 && !ok; tries++)
			__asm__ volatile("rdrand %0; setc %1" : "=r"(rnd[i]), "=qm"(ok) : : "cc");
		if (!ok)
			fatal(DE_FATAL_ASSERT, __LINE__, 0, 0, 0); /* no randomness: stop */
	}

	const uint64_t aux[][2] = {
	    {DE_AT_PHDR, DE_MGR_BASE + m->phdr},
	    {DE_AT_PHENT, m->phentsize},
	    {DE_AT_PHNUM, m->phnum},
	    {DE_AT_PAGESZ, PAGE_SIZE},
	    {DE_AT_ENTRY, DE_MGR_BASE + m->entry},
	    {DE_AT_RANDOM, rnd_va},
	    {DE_AT_DE_BOOTINFO, DE_MGR_BOOTINFO},
	    {DE_AT_DE_VSOCK_MMIO, DE_MGR_VSOCK_MMIO},
	    {DE_AT_DE_PLATFORM_MMIO, DE_MGR_PLATFORM_MMIO},
	    {DE_AT_DE_PHYS_BASE, phys},
	    {DE_AT_DE_FREE_PAGES, mm_free_pages()},
	    {0, 0},
	};
	uint64_t words = 4 + 2 * (sizeof(aux) / sizeof(aux[0]));
	uint64_t sp = (rnd_va - words * 8) & ~15ull;
	stack_block = (uint64_t *)(top_pa + (sp - (DE_MGR_STACK_TOP - PAGE_SIZE)));
	uint64_t *w = stack_block;
	*w++ = 1;       /* argc */
	*w++ = name_va; /* argv[0] */
	*w++ = 0;       /* argv end */
	*w++ = 0;       /* envp end */
	for (size_t i = 0; i < sizeof(aux) / sizeof(aux[0]); i++) {
		*w++ = aux[i][0];
		*w++ = aux[i][1];
	}

	kprintf("de-kernel: starting manager (%lu KiB, %lu free pages)\n", m->size >> 10,
	        mm_free_pages());
	struct space *ms = space_slot(0);
	ms->root = root;
	struct thread *t = thread_new(ms, pc->index);
	if (!t)
		fatal(DE_FATAL_ASSERT, __LINE__, 0, 0, 0);
	t->regs = (struct frame){
	    .rip = tramp_resume_va(),
	    .rcx = DE_MGR_BASE + m->entry,
	    .cs = USER_CS,
	    .rflags = 0x202,
	    .rsp = sp,
	    .ss = USER_DS,
	    .vector = (uint64_t)-1,
	};
	thread_make_runnable(t);
	sched_start(pc);
}
