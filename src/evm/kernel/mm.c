/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Physical pages and page tables. The VMM hands over guest RAM zero-filled
 * (boot protocol), so pages taken from the free regions need no clearing
 * here: ring 0 never zeroes or copies memory in bulk.
 */
#include "kernel.h"
#include "de/platform_dev.h"

extern char __image_start[], __kernel_end[];

static const struct de_bootinfo *bi_mem;
static uint32_t cur_region;
static uint64_t cur_next, cur_end;
static uint64_t free_pages;
static uint64_t kernel_root;

static void next_region(void)
{
	while (cur_region < bi_mem->nr_regions) {
		const struct de_mem_region *r = &bi_mem->regions[cur_region++];
		if (r->type != DE_MEM_FREE)
			continue;
		cur_next = (r->base + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
		cur_end = (r->base + r->size) & ~(PAGE_SIZE - 1);
		if (cur_next < cur_end)
			return;
	}
	cur_next = cur_end = 0;
}

uint64_t mm_alloc_page(void)
{
	if (cur_next >= cur_end)
		next_region();
	if (cur_next >= cur_end)
		return 0;
	uint64_t pa = cur_next;
	cur_next += PAGE_SIZE;
	free_pages--;
	return pa;
}

uint64_t mm_free_pages(void)
{
	return free_pages;
}

uint64_t mm_kernel_root(void)
{
	return kernel_root;
}

/* Returns the table that entry `idx` of `table` points to, creating it. */
static uint64_t *table_next(uint64_t *table, unsigned idx, uint64_t flags)
{
	if (!(table[idx] & PTE_P)) {
		uint64_t pa = mm_alloc_page();
		if (!pa)
			return 0;
		table[idx] = pa | PTE_P | PTE_W | (flags & PTE_U);
	}
	return (uint64_t *)(table[idx] & 0x000ffffffffff000ull);
}

int mm_map(uint64_t root, uint64_t va, uint64_t pa, uint64_t flags)
{
	uint64_t *t = (uint64_t *)root;
	for (int shift = 39; shift > 12; shift -= 9) {
		t = table_next(t, (va >> shift) & 511, flags);
		if (!t)
			return -1;
	}
	t[(va >> 12) & 511] = pa | flags | PTE_P;
	return 0;
}

static int map_large(uint64_t root, uint64_t pa, uint64_t flags)
{
	uint64_t *pdpt = table_next((uint64_t *)root, (pa >> 39) & 511, 0);
	if (!pdpt)
		return -1;
	uint64_t *pd = table_next(pdpt, (pa >> 30) & 511, 0);
	if (!pd)
		return -1;
	pd[(pa >> 21) & 511] = pa | flags | PTE_P | PTE_PS;
	return 0;
}

/*
 * The kernel's own address space: all RAM identity-mapped with 2 MiB pages,
 * supervisor only, executable only where the kernel image lies; the MMIO
 * window uncached. User address spaces share this half (PML4 slot 0).
 */
void mm_init(const struct de_bootinfo *bi)
{
	bi_mem = bi;
	for (uint32_t i = 0; i < bi->nr_regions; i++)
		if (bi->regions[i].type == DE_MEM_FREE)
			free_pages += bi->regions[i].size / PAGE_SIZE;
	next_region();

	kernel_root = mm_alloc_page();
	if (!kernel_root)
		fatal(DE_FATAL_ASSERT, __LINE__, 0, 0, 0);

	uint64_t x_start = (uint64_t)__image_start & ~0x1fffffull;
	uint64_t x_end = (uint64_t)__kernel_end;
	for (uint32_t i = 0; i < bi->nr_regions; i++) {
		const struct de_mem_region *r = &bi->regions[i];
		uint64_t end = r->base + r->size;
		for (uint64_t pa = r->base & ~0x1fffffull; pa < end; pa += 0x200000) {
			uint64_t nx = (pa >= x_start && pa < x_end) ? 0 : PTE_NX;
			if (map_large(kernel_root, pa, PTE_W | nx))
				fatal(DE_FATAL_ASSERT, __LINE__, pa, 0, 0);
		}
	}
	if (map_large(kernel_root, DE_MMIO_BASE, PTE_W | PTE_PCD | PTE_PWT | PTE_NX))
		fatal(DE_FATAL_ASSERT, __LINE__, 0, 0, 0);
	__asm__ volatile("mov %0, %%cr3" : : "r"(kernel_root) : "memory");
}
