/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Physical pages. A bitmap over guest RAM (bit set = in use), allocated
 * next-fit so that what one enclave gets is mostly contiguous.
 *
 * Invariant: every free page is zero. Guest RAM starts zero (boot
 * protocol), and freed pages are scrubbed by the VMM (platform ZERO, one
 * exit per contiguous run) before they return to the pool, so ring 0 never
 * zeroes or copies memory in bulk.
 */
#include "kernel.h"
#include "de/platform_dev.h"

extern char __image_start[], __kernel_end[];

static uint64_t *bitmap;
static uint64_t nr_pfns, nr_words, hint;
static uint64_t free_pages, total_pages;
static uint64_t kernel_root;
static volatile uint32_t mm_lock;

static void lock(void)
{
	while (__atomic_exchange_n(&mm_lock, 1, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
}

static void unlock(void)
{
	__atomic_store_n(&mm_lock, 0, __ATOMIC_RELEASE);
}

/* Marks [pfn, pfn + n) used (1) or free (0); whole words at a time. */
static void mark(uint64_t pfn, uint64_t n, int used)
{
	while (n) {
		uint64_t w = pfn / 64, b = pfn % 64;
		uint64_t take = 64 - b < n ? 64 - b : n;
		uint64_t bits = take == 64 ? ~0ull : ((1ull << take) - 1) << b;
		if (used)
			bitmap[w] |= bits;
		else
			bitmap[w] &= ~bits;
		pfn += take;
		n -= take;
	}
}

uint64_t mm_alloc_page(void)
{
	lock();
	for (uint64_t i = 0; i < nr_words; i++) {
		uint64_t w = (hint + i) % nr_words;
		if (bitmap[w] == ~0ull)
			continue;
		uint64_t b = (uint64_t)__builtin_ctzll(~bitmap[w]);
		uint64_t pfn = w * 64 + b;
		if (pfn >= nr_pfns)
			continue;
		bitmap[w] |= 1ull << b;
		hint = w;
		free_pages--;
		unlock();
		return pfn * PAGE_SIZE;
	}
	unlock();
	return 0;
}

/*
 * Up to max contiguous free pages in one go (whole bitmap words when it
 * can): returns how many, with the first at *pa; 0 when memory is out.
 */
uint64_t mm_alloc_run(uint64_t max, uint64_t *pa)
{
	lock();
	for (uint64_t i = 0; i < nr_words; i++) {
		uint64_t w = (hint + i) % nr_words;
		uint64_t bits = bitmap[w];
		if (bits == ~0ull)
			continue;
		uint64_t b = (uint64_t)__builtin_ctzll(~bits);
		/* the run of zero bits starting at b, within this word */
		uint64_t rest = bits >> b;
		uint64_t len = rest ? (uint64_t)__builtin_ctzll(rest) : 64 - b;
		if (len > max)
			len = max;
		uint64_t pfn = w * 64 + b;
		if (pfn + len > nr_pfns) {
			if (pfn >= nr_pfns)
				continue;
			len = nr_pfns - pfn;
		}
		bitmap[w] |= (len == 64 ? ~0ull : ((1ull << len) - 1) << b);
		hint = w;
		free_pages -= len;
		unlock();
		*pa = pfn * PAGE_SIZE;
		return len;
	}
	unlock();
	return 0;
}

/* Scrubs one run through the VMM and returns it to the pool. */
static void free_run(uint64_t pfn, uint64_t n)
{
	while (n) {
		uint64_t k = n < 4096 ? n : 4096;
		mmio_write64(DE_PLATFORM_MMIO + DE_PLAT_ZERO, (pfn * PAGE_SIZE) | (k - 1));
		lock();
		mark(pfn, k, 0);
		free_pages += k;
		unlock();
		pfn += k;
		n -= k;
	}
}

void mm_free_begin(struct free_batch *fb)
{
	fb->start = fb->next = 1; /* no frame address matches */
}

void mm_free_flush(struct free_batch *fb, uint64_t pa)
{
	if (fb->next != fb->start)
		free_run(fb->start / PAGE_SIZE, (fb->next - fb->start) / PAGE_SIZE);
	fb->start = pa;
	fb->next = pa + PAGE_SIZE;
}

void mm_free_end(struct free_batch *fb)
{
	if (fb->next != fb->start)
		free_run(fb->start / PAGE_SIZE, (fb->next - fb->start) / PAGE_SIZE);
	fb->start = fb->next = 1;
}

uint64_t mm_free_pages(void)
{
	return free_pages;
}

uint64_t mm_total_pages(void)
{
	return total_pages;
}

uint64_t mm_kernel_root(void)
{
	return kernel_root;
}

/* ---- page tables --------------------------------------------------------- */

#define PTE_ADDR 0x000ffffffffff000ull

/* Walks to the level-`stop` entry for va (stop = 12: a PTE, 21: a PDE). */
static uint64_t *walk_to(uint64_t root, uint64_t va, int create, int stop)
{
	uint64_t *t = (uint64_t *)root;
	for (int shift = 39; shift > stop; shift -= 9) {
		uint64_t *e = &t[(va >> shift) & 511];
		if (!(*e & PTE_P)) {
			if (!create)
				return 0;
			uint64_t pa = mm_alloc_page();
			if (!pa)
				return 0;
			*e = pa | PTE_P | PTE_W | PTE_U | PTE_A;
		}
		if (*e & PTE_PS)
			return 0; /* a large page: no table below */
		t = (uint64_t *)(*e & PTE_ADDR);
	}
	return &t[(va >> stop) & 511];
}

uint64_t *pt_walk(uint64_t root, uint64_t va, int create)
{
	return walk_to(root, va, create, 12);
}

uint64_t *pd_walk(uint64_t root, uint64_t va, int create)
{
	return walk_to(root, va, create, 21);
}

uint64_t *leaf_walk(uint64_t root, uint64_t va)
{
	uint64_t *pde = pd_walk(root, va, 0);
	if (!pde || !(*pde & PTE_P))
		return 0;
	if (*pde & PTE_PS)
		return pde;
	return pt_walk(root, va, 0);
}

int mm_map(uint64_t root, uint64_t va, uint64_t pa, uint64_t flags)
{
	uint64_t *pte = pt_walk(root, va, 1);
	if (!pte)
		return -1;
	*pte = pa | flags | PTE_P;
	return 0;
}

static int map_large(uint64_t root, uint64_t pa, uint64_t flags)
{
	uint64_t *t = (uint64_t *)root;
	for (int shift = 39; shift > 21; shift -= 9) {
		uint64_t *e = &t[(pa >> shift) & 511];
		if (!(*e & PTE_P)) {
			uint64_t np = mm_alloc_page();
			if (!np)
				return -1;
			*e = np | PTE_P | PTE_W;
		}
		t = (uint64_t *)(*e & PTE_ADDR);
	}
	t[(pa >> 21) & 511] = pa | flags | PTE_P | PTE_PS;
	return 0;
}

/*
 * The kernel's own address space: all RAM identity-mapped with 2 MiB pages,
 * supervisor only, executable only where the kernel image lies; the MMIO
 * window uncached. User address spaces share this half (PML4 slot 0).
 */
void mm_init(const struct de_bootinfo *bi)
{
	uint64_t max_pa = 0;
	for (uint32_t i = 0; i < bi->nr_regions; i++)
		if (bi->regions[i].base + bi->regions[i].size > max_pa)
			max_pa = bi->regions[i].base + bi->regions[i].size;
	nr_pfns = max_pa / PAGE_SIZE;
	nr_words = (nr_pfns + 63) / 64;
	uint64_t bm_pages = (nr_words * 8 + PAGE_SIZE - 1) / PAGE_SIZE;

	/* The bitmap lives at the start of the first free region big enough. */
	for (uint32_t i = 0; i < bi->nr_regions && !bitmap; i++) {
		const struct de_mem_region *r = &bi->regions[i];
		if (r->type == DE_MEM_FREE && r->size / PAGE_SIZE > bm_pages + 64)
			bitmap = (uint64_t *)((r->base + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1));
	}
	if (!bitmap)
		fatal(DE_FATAL_ASSERT, __LINE__, nr_pfns, 0, 0);

	/* Fresh RAM is zero: all free. Mark what is not free RAM as used. */
	uint64_t next = 0;
	for (uint32_t i = 0; i < bi->nr_regions; i++) {
		const struct de_mem_region *r = &bi->regions[i];
		uint64_t lo = r->base / PAGE_SIZE, hi = (r->base + r->size) / PAGE_SIZE;
		if (lo > next)
			mark(next, lo - next, 1); /* a hole in the physical map */
		if (r->type == DE_MEM_FREE)
			total_pages += hi - lo;
		else
			mark(lo, hi - lo, 1);
		next = hi;
	}
	if (nr_words * 64 > nr_pfns)
		mark(nr_pfns, nr_words * 64 - nr_pfns, 1);
	mark((uint64_t)bitmap / PAGE_SIZE, bm_pages, 1);
	total_pages -= bm_pages;
	free_pages = total_pages;
	hint = ((uint64_t)bitmap / PAGE_SIZE + bm_pages) / 64;

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
