/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The enclave loader. A signed image is verified first, with the same
 * bounds-checked code de_sign uses (src/common) and BearSSL: metadata and
 * ELF parse, SIGSTRUCT format, RSA signature, debug policy, and MRENCLAVE
 * recomputed over exactly the bytes that will be mapped. Only then is each
 * segment given to the enclave's space with its own permissions (W^X is
 * checked by the parser and the kernel), the heap sized as signed. Every
 * page the kernel hands out is zero, so nothing is left over from an
 * earlier enclave.
 */
#include <string.h>

#include "enclave.h"
#include "kernel_calls.h"
#include "manager.h"
#include "br_crypto.h"
#include "de/enclave_meta.h"
#include "de/measure.h"
#include "de/kernel_abi.h"
#include "de/manager_abi.h"

#define PAGE      4096ull
#define AT_RANDOM 25
#define MAX_HEAP  (1ull << 30)
#define MAX_STACK (64ull << 20)

static struct enclave enclaves[DE_MAX_ENCLAVES];
static uint64_t nr_loads, nr_destroys, nr_faults;

static struct enclave *find(uint32_t id)
{
	for (uint32_t i = 0; i < DE_MAX_ENCLAVES; i++)
		if (id && enclaves[i].id == id)
			return &enclaves[i];
	return NULL;
}

static uint32_t prot_of(uint32_t perms)
{
	return ((perms & DE_PERM_W) ? DE_P_W : 0) | ((perms & DE_PERM_X) ? DE_P_X : 0) | DE_P_R;
}

static int status_of(long err)
{
	if (err == -12)
		return DE_ST_ENOMEM;
	if (err == -28)
		return DE_ST_ENOSPC;
	return DE_ST_EINVAL;
}

/*
 * Gives the enclave the pages [va, va_end) of a segment, built in scratch
 * pages: zero, with the part of the segment's file bytes that falls there.
 */
static long give_copy(uint32_t id, const struct de_elf *elf, const struct de_elf_load *l,
                      uint64_t va, uint64_t va_end)
{
	uint64_t n = (va_end - va) / PAGE;
	if (!n)
		return 0;
	long rc = kcall(DE_SYS_ALLOC, (long)DE_MGR_SCRATCH, (long)n, 0, 0, 0);
	if (rc)
		return rc;
	uint64_t from = l->vaddr > va ? l->vaddr : va;
	uint64_t to = l->vaddr + l->filesz < va_end ? l->vaddr + l->filesz : va_end;
	if (to > from)
		memcpy((uint8_t *)DE_MGR_SCRATCH + (from - va),
		       elf->file + l->offset + (from - l->vaddr), to - from);
	rc = kcall(DE_SYS_SPACE_GIVE, id, (long)(ENCLAVE_BASE + va), (long)DE_MGR_SCRATCH, (long)n,
	           prot_of(l->perms));
	if (rc)
		kcall(DE_SYS_FREE, (long)DE_MGR_SCRATCH, (long)n, 0, 0, 0);
	return rc;
}

/*
 * Maps one segment. When the image sits page-aligned in the manager's own
 * pages, the pages wholly covered by file bytes are given to the enclave
 * as they are (no copy, no second allocation); the partial first and last
 * pages and the zero-filled rest are built in scratch. Given pages leave
 * holes in the image, so this is only done when no other segment reads
 * the same file bytes (zero_copy is decided once per image).
 */
static long load_segment(uint32_t id, const struct de_elf *elf, const struct de_elf_load *l,
                         int zero_copy)
{
	uint64_t first = l->vaddr & ~(PAGE - 1);
	uint64_t end = (l->vaddr + l->memsz + PAGE - 1) & ~(PAGE - 1);
	uint64_t lo = (l->vaddr + PAGE - 1) & ~(PAGE - 1);
	uint64_t hi = (l->vaddr + l->filesz) & ~(PAGE - 1);
	if (!zero_copy || hi <= lo)
		return give_copy(id, elf, l, first, end);
	long rc = give_copy(id, elf, l, first, lo);
	if (!rc)
		rc = kcall(DE_SYS_SPACE_GIVE, id, (long)(ENCLAVE_BASE + lo),
		           (long)(elf->file + l->offset + (lo - l->vaddr)),
		           (long)((hi - lo) / PAGE), prot_of(l->perms));
	if (!rc)
		rc = give_copy(id, elf, l, hi, end);
	return rc;
}

/* Zero-copy loading needs a page-aligned image and disjoint file ranges. */
static int can_zero_copy(const struct de_elf *elf)
{
	if ((uintptr_t)elf->file & (PAGE - 1))
		return 0;
	for (uint32_t i = 0; i < elf->nloads; i++)
		for (uint32_t j = i + 1; j < elf->nloads; j++) {
			const struct de_elf_load *a = &elf->loads[i], *b = &elf->loads[j];
			if (a->filesz && b->filesz && a->offset < b->offset + b->filesz &&
			    b->offset < a->offset + a->filesz)
				return 0;
		}
	return 1;
}

/* The SGX-style verification of a signed image, with BearSSL. */
static enum de_err verify(struct de_enclave *enc, const uint8_t *image, uint64_t len, int debug,
                          struct de_verify_result *res, struct de_diag *diag)
{
	static uint8_t page[PAGE]; /* the verifier's scratch page */
	br_sha256_context sha;
	struct de_crypto crypto = {
	    .sha256 = &de_br_sha256_ops,
	    .sha256_ctx = &sha,
	    .rsa = &de_br_rsa_ops,
	};
	/* mem_limit 0: the platform's limit; what must be committed is checked below. */
	return de_enclave_verify(enc, image, len, 0, debug, &crypto, page, res, diag);
}

static int refuse(struct de_reply_load *out, enum de_err err, const struct de_diag *diag)
{
	out->sgx_status = de_err_to_sgx(err);
	out->reason = (uint32_t)diag->reason;
	mlog("enclave refused: %s (reason %u)", de_err_name(err), (unsigned)diag->reason);
	return err == DE_ERR_OUT_OF_EPC ? DE_ST_ENOMEM : DE_ST_EPERM;
}

int enclave_load(const struct de_req_load *req, const uint8_t *image, uint64_t len,
                 struct de_reply_load *out)
{
	static struct de_enclave enc; /* large: keep it off the stack */
	struct de_verify_result vr;
	struct de_diag diag;
	struct enclave *e = NULL;
	long rc;

	memset(out, 0, sizeof(*out));
	memset(&diag, 0, sizeof(diag));
	int debug = (req->flags & DE_LOAD_DEBUG) != 0;
	enum de_err err = verify(&enc, image, len, debug, &vr, &diag);
	if (err != DE_OK)
		return refuse(out, err, &diag);

	/* What the signed layout needs now: the image, the heap's initial size, one stack. */
	const struct de_layout_params *p = &enc.params;
	uint64_t commit = enc.elf.image_size / PAGE + p->heap_init_size / PAGE +
	                  p->stack_max_size / PAGE + 64; /* page tables and slack */
	uint64_t free_pages = (uint64_t)kcall(DE_SYS_MEMINFO, 0, 0, 0, 0, 0);
	if (p->heap_max_size > MAX_HEAP || p->stack_max_size > MAX_STACK ||
	    enc.elf.image_size > ENCLAVE_SPAN / 4 || commit > free_pages) {
		diag.reason = DE_R_TOO_BIG;
		return refuse(out, DE_ERR_OUT_OF_EPC, &diag);
	}
	for (uint32_t i = 0; i < DE_MAX_ENCLAVES && !e; i++)
		if (!enclaves[i].id)
			e = &enclaves[i];
	if (!e)
		return DE_ST_ENOSPC;

	rc = kcall(DE_SYS_SPACE_CREATE, debug ? DE_SPACE_DEBUG : 0, 0, 0, 0, 0);
	if (rc < 0)
		return status_of(rc);
	uint32_t id = (uint32_t)rc;

	const struct de_elf *elf = &enc.elf;
	int zero_copy = can_zero_copy(elf);
	for (uint32_t i = 0; i < elf->nloads; i++) {
		rc = load_segment(id, elf, &elf->loads[i], zero_copy);
		if (rc)
			goto fail;
	}
	/*
	 * The heap is the layout's HEAP region (HeapMaxSize right after the
	 * guard page that follows the image); brk and mmap share its quota.
	 */
	uint64_t image_end = ENCLAVE_BASE + elf->image_size;
	uint64_t heap = p->heap_max_size;
	struct de_space_layout layout = {
	    .brk_base = image_end + PAGE,
	    .brk_max = image_end + PAGE + heap,
	    .mmap_base = image_end + 2 * PAGE + heap,
	    .mmap_max = ENCLAVE_STACK_TOP - MAX_STACK - PAGE,
	    .quota_pages = heap / PAGE,
	};
	rc = kcall(DE_SYS_SPACE_LAYOUT, id, (long)&layout, 0, 0, 0);
	if (rc)
		goto fail;

	*e = (struct enclave){
	    .id = id,
	    .state = DE_ENC_LOADED,
	    .owner_pid = req->owner_pid,
	    .image_pages = elf->image_size / PAGE,
	    .stack_pages = p->stack_max_size / PAGE,
	    .heap_pages = heap / PAGE,
	    .entry = elf->entry,
	    .phoff = elf->phoff,
	    .phnum = elf->phnum,
	    .flags = req->flags,
	    .identity =
	        {
	            /* As launched: DEBUG (bit 1) only for a debug launch. */
	            .attributes = (enc.sigstruct.attributes.flags & ~2ull) | (debug ? 2ull : 0),
	            .xfrm = enc.sigstruct.attributes.xfrm,
	            .misc_select = enc.sigstruct.misc_select,
	            .isv_prod_id = enc.sigstruct.isv_prod_id,
	            .isv_svn = enc.sigstruct.isv_svn,
	        },
	};
	memcpy(e->identity.mrenclave, vr.mrenclave, sizeof(vr.mrenclave));
	memcpy(e->identity.mrsigner, vr.mrsigner, sizeof(vr.mrsigner));
	memcpy(e->name, req->name, sizeof(e->name));
	e->name[sizeof(e->name) - 1] = 0;
	nr_loads++;
	out->status = DE_ST_OK;
	out->id = id;
	out->base = ENCLAVE_BASE;
	out->size = (e->image_pages + e->stack_pages) * PAGE;
	out->identity = e->identity;
	out->tcs_num = p->tcs_num;
	return DE_ST_OK;
fail:
	kcall(DE_SYS_SPACE_DESTROY, id, 0, 0, 0, 0);
	return status_of(rc);
}

/* Builds the main thread's stack (System V start-up block) and starts it. */
int enclave_start(uint32_t id, uint64_t arg)
{
	struct enclave *e = find(id);
	if (!e)
		return DE_ST_ENOENT;
	if (e->state != DE_ENC_LOADED)
		return DE_ST_EBUSY;
	uint64_t n = e->stack_pages;
	uint64_t bottom = ENCLAVE_STACK_TOP - n * PAGE;
	long rc = kcall(DE_SYS_ALLOC, (long)DE_MGR_SCRATCH, (long)n, 0, 0, 0);
	if (rc)
		return status_of(rc);

	/* Layout at the top: 16 random bytes, the name "enclave", then the block. */
	uint8_t *top = (uint8_t *)DE_MGR_SCRATCH + n * PAGE;
	uint64_t rnd[2];
	for (int i = 0; i < 2; i++) {
		unsigned char ok = 0;
		for (int tries = 0; tries < 10 && !ok; tries++)
			__asm__ volatile("rdrand %0; setc %1" : "=r"(rnd[i]), "=qm"(ok) : : "cc");
		if (!ok) { /* no AT_RANDOM without randomness: refuse to start */
			kcall(DE_SYS_FREE, (long)DE_MGR_SCRATCH, (long)n, 0, 0, 0);
			mlog("enclave %u: RDRAND failed 10 times; not starting it", id);
			return DE_ST_EIO;
		}
	}
	memcpy(top - 16, rnd, 16);
	memcpy(top - 32, "enclave", 8);
	uint64_t rnd_va = ENCLAVE_STACK_TOP - 16, name_va = ENCLAVE_STACK_TOP - 32;
	const uint64_t aux[][2] = {
	    {3, ENCLAVE_BASE + e->phoff}, /* AT_PHDR */
	    {4, 56},                      /* AT_PHENT */
	    {5, e->phnum},                /* AT_PHNUM */
	    {6, PAGE},                    /* AT_PAGESZ */
	    {9, ENCLAVE_BASE + e->entry}, /* AT_ENTRY */
	    {AT_RANDOM, rnd_va},
	    {DE_AT_DE_ARG, arg},
	    {DE_AT_DE_STACK_LOW, bottom},
	    {0, 0},
	};
	uint64_t words = 4 + 2 * (sizeof(aux) / sizeof(aux[0]));
	uint64_t sp = (name_va - words * 8) & ~15ull;
	uint64_t *w = (uint64_t *)((uint8_t *)DE_MGR_SCRATCH + (sp - bottom));
	*w++ = 1;
	*w++ = name_va;
	*w++ = 0;
	*w++ = 0;
	for (size_t i = 0; i < sizeof(aux) / sizeof(aux[0]); i++) {
		*w++ = aux[i][0];
		*w++ = aux[i][1];
	}
	rc = kcall(DE_SYS_SPACE_GIVE, id, (long)bottom, (long)DE_MGR_SCRATCH, (long)n,
	           DE_P_R | DE_P_W);
	if (rc) {
		kcall(DE_SYS_FREE, (long)DE_MGR_SCRATCH, (long)n, 0, 0, 0);
		return status_of(rc);
	}
	rc = kcall(DE_SYS_THREAD_START, id, (long)(ENCLAVE_BASE + e->entry), (long)sp, 0, 0);
	if (rc < 0)
		return status_of(rc);
	e->state = DE_ENC_RUNNING;
	return DE_ST_OK;
}

int enclave_destroy(uint32_t id)
{
	struct enclave *e = find(id);
	if (!e)
		return DE_ST_ENOENT;
	kcall(DE_SYS_SPACE_DESTROY, id, 0, 0, 0, 0); /* also frees an ended one's id */
	memset(e, 0, sizeof(*e));
	nr_destroys++;
	return DE_ST_OK;
}

int enclave_window(const struct de_req_window *w)
{
	struct enclave *e = find(w->id);
	if (!e)
		return DE_ST_ENOENT;
	if (e->state != DE_ENC_LOADED && e->state != DE_ENC_RUNNING)
		return DE_ST_EBUSY;
	/* The window must not overlap the enclave's own 1 TiB or the thread save areas. */
	if ((w->va + w->size > ENCLAVE_BASE && w->va < ENCLAVE_BASE + ENCLAVE_SPAN) ||
	    (w->va + w->size > DE_THREAD_AREA_BASE && w->va < DE_THREAD_AREA_END))
		return DE_ST_EINVAL;
	long rc =
	    kcall(DE_SYS_SPACE_WINDOW, w->id, (long)w->va, (long)w->gpa, (long)(w->size / PAGE), 0);
	if (rc)
		return status_of(rc);
	e->windows++;
	return DE_ST_OK;
}

int enclave_event(uint32_t space, uint32_t kind, int64_t code, uint32_t vector,
                  struct de_event_enclave *ev)
{
	struct enclave *e = find(space);
	if (!e || (e->state != DE_ENC_RUNNING && e->state != DE_ENC_LOADED))
		return -1; /* destroyed on request: nothing to report */
	e->state = kind == 2 ? DE_ENC_CRASHED : DE_ENC_EXITED;
	e->exit_code = kind == 2 ? 0 : code;
	e->fault_vector = kind == 2 ? vector : 0;
	if (kind == 2)
		nr_faults++;
	ev->id = space;
	ev->state = e->state;
	return 0;
}

uint32_t enclave_list(struct de_list_entry *out, uint32_t max)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < DE_MAX_ENCLAVES && n < max; i++) {
		const struct enclave *e = &enclaves[i];
		if (!e->id)
			continue;
		/* Live figures from the kernel: threads and brk/mmap pages. */
		long info = (e->state == DE_ENC_LOADED || e->state == DE_ENC_RUNNING)
		                ? kcall(DE_SYS_SPACE_INFO, e->id, 0, 0, 0, 0)
		                : 0;
		if (info < 0)
			info = 0;
		out[n] = (struct de_list_entry){
		    .id = e->id,
		    .state = e->state,
		    .owner_pid = e->owner_pid,
		    .size = (e->image_pages + e->stack_pages + ((uint64_t)info >> 32)) * PAGE,
		    .threads = (uint32_t)info,
		    .windows = e->windows,
		    .exit_code = e->exit_code,
		    .fault_vector = e->fault_vector,
		    .identity = e->identity,
		};
		memcpy(out[n].name, e->name, sizeof(out[n].name));
		n++;
	}
	return n;
}

void enclave_stats(struct de_reply_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (uint32_t i = 0; i < DE_MAX_ENCLAVES; i++)
		out->enclaves += enclaves[i].id != 0;
	out->free_pages = (uint64_t)kcall(DE_SYS_MEMINFO, 0, 0, 0, 0, 0);
	out->total_pages = (uint64_t)kcall(DE_SYS_MEMINFO, 1, 0, 0, 0, 0);
	out->loads = nr_loads;
	out->destroys = nr_destroys;
	out->faults = nr_faults;
}
