/* SPDX-License-Identifier: Apache-2.0 */
/*
 * User address spaces. Each has its own PML4; slot 0 (the kernel's
 * identity map, supervisor only) is shared, slots 1-255 belong to the
 * space. Leaf entries carry PTE_OWNED when the frame belongs to the space
 * and is freed with it; windows and the syscall trampoline are mapped
 * without it.
 *
 * Ring-0 time is precious here (every instruction is emulated on PVM
 * hosts), so ranges are mapped one page-table page at a time: one walk,
 * then consecutive entries.
 */
#include "kernel.h"
#include "de/manager_abi.h"

#define PTE_ADDR 0x000ffffffffff000ull

/*
 * The bits of a leaf entry for the given protection flags. Accessed and
 * Dirty are set up front: on shadow-paging hosts KVM then prefetches
 * neighbouring entries and never writes them back (a fresh page's first
 * touch went from ~21 us to ~3.7 us).
 */
static uint64_t leaf_flags(uint64_t flags)
{
	if (flags & PTE_NOACCESS)
		return flags & ~(PTE_NOACCESS | PTE_P);
	return flags | PTE_P | PTE_A | PTE_D;
}

static int user_range(uint64_t va, uint64_t n)
{
	return va >= USER_MIN && !(va & (PAGE_SIZE - 1)) && n <= (USER_MAX - va) / PAGE_SIZE;
}

uint64_t as_create(void)
{
	uint64_t root = mm_alloc_page();
	if (!root)
		return 0;
	((uint64_t *)root)[0] = ((uint64_t *)mm_kernel_root())[0];
	if (mm_map(root, DE_SYSCALL_TRAMPOLINE, syscall_trampoline_page(), PTE_U)) {
		as_destroy(root);
		return 0;
	}
	return root;
}

/* Returns the unused rest of an allocated run to the pool. */
static void drop_run(uint64_t pa, uint64_t n)
{
	struct free_batch fb;
	mm_free_begin(&fb);
	for (; n; n--, pa += PAGE_SIZE)
		mm_free_add(&fb, pa);
	mm_free_end(&fb);
}

/*
 * Maps n fresh zero pages at va. All or nothing: on failure the pages this
 * call mapped are freed again and what was mapped before is untouched.
 */
int as_map_fresh(uint64_t root, uint64_t va, uint64_t n, uint64_t flags)
{
	uint64_t run = 0, pa = 0, va0 = va;
	int rc = 0;
	if (!user_range(va, n))
		return -EINVAL;
	while (n && !rc) {
		uint64_t *pte = pt_walk(root, va, 1);
		if (!pte) {
			rc = -ENOMEM;
			break;
		}
		uint64_t in_table = 512 - ((va >> 12) & 511);
		for (; in_table && n; in_table--, n--, pte++, va += PAGE_SIZE) {
			if (*pte) {
				rc = -EEXIST;
				break;
			}
			if (!run) {
				run = mm_alloc_run(n, &pa);
				if (!run) {
					rc = -ENOMEM;
					break;
				}
			}
			*pte = pa | leaf_flags(flags) | PTE_OWNED;
			pa += PAGE_SIZE;
			run--;
		}
	}
	if (rc) {
		drop_run(pa, run);
		as_unmap(root, va0, (va - va0) / PAGE_SIZE);
	}
	return rc;
}

#define LARGE      (512 * PAGE_SIZE) /* 2 MiB */
#define LARGE_MASK (LARGE - 1)

/*
 * Maps guest-physical pages the space does not own (shared windows). All
 * or nothing: on failure whatever this call mapped is unmapped again.
 * Where va and pa are both 2 MiB aligned, whole 2 MiB pieces are mapped
 * with one large-page entry: a window costs a few entries instead of one
 * per page (each a ring-0 write, emulated on PVM hosts).
 */
int as_map_phys(uint64_t root, uint64_t va, uint64_t pa, uint64_t n, uint64_t flags)
{
	uint64_t va0 = va, done = 0;
	if (!user_range(va, n))
		return -EINVAL;
	while (n) {
		if (!(va & LARGE_MASK) && !(pa & LARGE_MASK) && n >= 512) {
			uint64_t *pde = pd_walk(root, va, 1);
			int rc = !pde ? -ENOMEM : *pde ? -EEXIST : 0;
			if (rc) {
				as_unmap(root, va0, done);
				return rc;
			}
			*pde = pa | leaf_flags(flags) | PTE_PS;
			va += LARGE, pa += LARGE, n -= 512, done += 512;
			continue;
		}
		uint64_t *pte = pt_walk(root, va, 1);
		int rc = pte ? 0 : -ENOMEM;
		uint64_t in_table = 512 - ((va >> 12) & 511);
		for (; !rc && in_table && n;
		     in_table--, n--, pte++, va += PAGE_SIZE, pa += PAGE_SIZE) {
			if (*pte) {
				rc = -EEXIST;
				break;
			}
			*pte = pa | leaf_flags(flags);
			done++;
		}
		if (rc) {
			as_unmap(root, va0, done); /* not owned: nothing is freed */
			return rc;
		}
	}
	return 0;
}

static void flush_if_current(uint64_t root)
{
	uint64_t cr3;
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	if ((cr3 & PTE_ADDR) == root)
		__asm__ volatile("mov %0, %%cr3" : : "r"(cr3) : "memory");
}

int as_unmap(uint64_t root, uint64_t va, uint64_t n)
{
	struct free_batch fb;
	if (!user_range(va, n))
		return -EINVAL;
	mm_free_begin(&fb);
	while (n) {
		uint64_t k = 512 - ((va >> 12) & 511);
		if (k > n)
			k = n;
		n -= k;
		uint64_t *pde = pd_walk(root, va, 0);
		if (pde && (*pde & PTE_PS)) { /* a window's large page: never owned */
			if (k == 512)
				*pde =
				    0; /* (a partial unmap of one is not done: windows go whole) */
			va += k * PAGE_SIZE;
			continue;
		}
		uint64_t *pte = pt_walk(root, va, 0);
		va += k * PAGE_SIZE;
		if (!pte)
			continue; /* nothing mapped in this page table */
		for (uint64_t *end = pte + k; pte < end; pte++) {
			uint64_t e = *pte;
			if (e & PTE_OWNED) /* present, or PROT_NONE */
				mm_free_add(&fb, e & PTE_ADDR);
			if (e)
				*pte = 0;
		}
	}
	flush_if_current(root);
	mm_free_end(&fb);
	return 0;
}

int as_protect(uint64_t root, uint64_t va, uint64_t n, uint64_t flags)
{
	if (!user_range(va, n))
		return -EINVAL;
	while (n) {
		uint64_t *pte = pt_walk(root, va, 0);
		if (!pte)
			return -ENOMEM;
		uint64_t in_table = 512 - ((va >> 12) & 511);
		for (; in_table && n; in_table--, n--, pte++, va += PAGE_SIZE) {
			if (!*pte)
				return -ENOMEM;
			*pte = (*pte & (PTE_ADDR | PTE_OWNED)) | leaf_flags(flags);
		}
	}
	flush_if_current(root);
	return 0;
}

/*
 * Moves n pages from one space to another (the manager fills pages in its
 * own space at native speed, then gives them to an enclave).
 */
int as_move(uint64_t src, uint64_t src_va, uint64_t dst, uint64_t dst_va, uint64_t n,
            uint64_t flags)
{
	if (!user_range(src_va, n) || !user_range(dst_va, n))
		return -EINVAL;
	int rc = 0;
	while (n && !rc) {
		uint64_t *s = pt_walk(src, src_va, 0);
		uint64_t *d = pt_walk(dst, dst_va, 1);
		if (!s || !d) {
			rc = s ? -ENOMEM : -EINVAL;
			break;
		}
		/* As far as both page tables go without another walk. */
		uint64_t ks = 512 - ((src_va >> 12) & 511), kd = 512 - ((dst_va >> 12) & 511);
		uint64_t k = ks < kd ? ks : kd;
		if (k > n)
			k = n;
		for (uint64_t i = 0; i < k; i++) {
			if (!(s[i] & PTE_P) || !(s[i] & PTE_OWNED)) {
				rc = -EINVAL;
				break;
			}
			if (d[i]) {
				rc = -EEXIST;
				break;
			}
			d[i] = (s[i] & PTE_ADDR) | leaf_flags(flags) | PTE_OWNED;
			s[i] = 0;
		}
		n -= k;
		src_va += k * PAGE_SIZE;
		dst_va += k * PAGE_SIZE;
	}
	flush_if_current(src);
	return rc;
}

/* Frees every owned frame and every page-table page of the user half. */
void as_destroy(uint64_t root)
{
	struct free_batch frames, tables;
	uint64_t *l4 = (uint64_t *)root;

	mm_free_begin(&frames);
	mm_free_begin(&tables);
	for (int i4 = 1; i4 < 256; i4++) {
		if (!(l4[i4] & PTE_P))
			continue;
		uint64_t *l3 = (uint64_t *)(l4[i4] & PTE_ADDR);
		for (int i3 = 0; i3 < 512; i3++) {
			if (!(l3[i3] & PTE_P))
				continue;
			uint64_t *l2 = (uint64_t *)(l3[i3] & PTE_ADDR);
			for (int i2 = 0; i2 < 512; i2++) {
				if (!(l2[i2] & PTE_P) || (l2[i2] & PTE_PS))
					continue; /* a window's large page is no table, and not
					             owned */
				uint64_t *l1 = (uint64_t *)(l2[i2] & PTE_ADDR);
				for (const uint64_t *p = l1, *end = l1 + 512; p < end; p++) {
					uint64_t e = *p;
					if (e & PTE_OWNED)
						mm_free_add(&frames, e & PTE_ADDR);
				}
				mm_free_add(&tables, (uint64_t)l1);
			}
			mm_free_add(&tables, (uint64_t)l2);
		}
		mm_free_add(&tables, (uint64_t)l3);
	}
	/* The trampoline's tables hang below slot 255 like any other. */
	l4[0] = 0;
	mm_free_end(&frames);
	mm_free_add(&tables, root);
	mm_free_end(&tables);
}
