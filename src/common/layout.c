/*
 * The canonical enclave layout: image, guard, heap, then per thread
 * guard / stack / guard / thread-control page. Entry i is computed directly
 * from the parameters, so neither the signer nor the loader needs an array.
 */
#include "de/enclave_meta.h"
#include "le.h"

#define PAGE ((uint64_t)DE_PAGE_SIZE)

uint32_t de_layout_count(uint32_t tcs_num)
{
	return 2u + 4u * tcs_num;
}

static enum de_err fail(struct de_diag *diag, enum de_err err, enum de_reason r, uint64_t where)
{
	if (diag) {
		diag->reason = r;
		diag->where = where;
	}
	return err;
}

static int page_multiple(uint64_t v)
{
	return (v & DE_PAGE_MASK) == 0;
}

enum de_err de_layout_check(const struct de_layout_params *p, uint64_t image_size,
                            uint64_t *enclave_size, struct de_diag *diag)
{
	uint64_t per_thread, threads, total;

	if (p->tcs_num < 1 || p->tcs_num > DE_TCS_MAX ||
	    (p->tcs_policy != DE_TCS_POLICY_BIND && p->tcs_policy != DE_TCS_POLICY_UNBIND))
		return fail(diag, DE_ERR_INVALID_METADATA, DE_R_META_PARAMS, p->tcs_num);
	if (!page_multiple(p->stack_max_size) || !page_multiple(p->stack_min_size) ||
	    p->stack_min_size == 0 || p->stack_min_size > p->stack_max_size ||
	    p->stack_max_size > DE_SIZE_FIELD_MAX)
		return fail(diag, DE_ERR_INVALID_METADATA, DE_R_META_PARAMS, p->stack_max_size);
	if (!page_multiple(p->heap_max_size) || !page_multiple(p->heap_init_size) ||
	    !page_multiple(p->heap_min_size) || p->heap_init_size > p->heap_max_size ||
	    p->heap_min_size > p->heap_init_size || p->heap_max_size > DE_SIZE_FIELD_MAX)
		return fail(diag, DE_ERR_INVALID_METADATA, DE_R_META_PARAMS, p->heap_max_size);
	if (!page_multiple(image_size) || image_size == 0 || image_size > DE_ENCLAVE_MAX_SIZE)
		return fail(diag, DE_ERR_INVALID_METADATA, DE_R_META_IMAGE, image_size);

	/* All terms are below 2^40 and tcs_num <= 1024, so nothing here can overflow. */
	per_thread = 3 * PAGE + p->stack_max_size;
	threads = per_thread * p->tcs_num;
	total = image_size + PAGE + p->heap_max_size + threads;
	if (total > DE_ENCLAVE_MAX_SIZE)
		return fail(diag, DE_ERR_OUT_OF_EPC, DE_R_TOO_BIG, total);
	if (enclave_size)
		*enclave_size = total;
	return DE_OK;
}

void de_layout_entry_at(const struct de_layout_params *p, uint64_t image_size, uint32_t i,
                        struct de_layout_entry *e)
{
	uint64_t heap_off = image_size + PAGE;
	uint64_t threads_off = heap_off + p->heap_max_size;
	uint64_t per_thread = 3 * PAGE + p->stack_max_size;

	memset(e, 0, sizeof(*e));
	if (i == 0) {
		e->type = DE_LAYOUT_GUARD;
		e->offset = image_size;
		e->size = PAGE;
		return;
	}
	if (i == 1) {
		e->type = DE_LAYOUT_HEAP;
		e->perms = DE_PERM_R | DE_PERM_W;
		e->offset = heap_off;
		e->size = p->heap_max_size;
		e->commit = p->heap_init_size;
		return;
	}

	uint32_t t = (i - 2) / 4, k = (i - 2) % 4;
	uint64_t base = threads_off + per_thread * t;

	e->index = t;
	switch (k) {
	case 0:
		e->type = DE_LAYOUT_GUARD;
		e->offset = base;
		e->size = PAGE;
		break;
	case 1:
		e->type = DE_LAYOUT_STACK;
		e->perms = DE_PERM_R | DE_PERM_W;
		e->offset = base + PAGE;
		e->size = p->stack_max_size;
		e->commit = p->stack_min_size;
		break;
	case 2:
		e->type = DE_LAYOUT_GUARD;
		e->offset = base + PAGE + p->stack_max_size;
		e->size = PAGE;
		break;
	default:
		e->type = DE_LAYOUT_TCS;
		e->perms = DE_PERM_R | DE_PERM_W;
		e->offset = base + 2 * PAGE + p->stack_max_size;
		e->size = PAGE;
		e->commit = PAGE;
		break;
	}
}

void de_meta_header_init(struct de_meta_header *h, const struct de_layout_params *p, uint64_t entry,
                         uint64_t image_size, uint64_t enclave_size)
{
	uint32_t count = de_layout_count(p->tcs_num);

	memset(h, 0, sizeof(*h));
	h->magic = DE_META_MAGIC;
	h->version = DE_META_VERSION;
	h->header_size = DE_META_HEADER_SIZE;
	h->layout_offset = DE_META_HEADER_SIZE;
	h->layout_count = count;
	h->layout_entry_size = DE_LAYOUT_ENTRY_SIZE;
	h->sigstruct_offset = DE_META_HEADER_SIZE + count * DE_LAYOUT_ENTRY_SIZE;
	h->sigstruct_size = DE_SIGSTRUCT_SIZE;
	h->total_size = h->sigstruct_offset + DE_SIGSTRUCT_SIZE;
	h->entry = entry;
	h->image_size = image_size;
	h->enclave_size = enclave_size;
	h->tcs_num = p->tcs_num;
	h->tcs_policy = p->tcs_policy;
	h->stack_max_size = p->stack_max_size;
	h->stack_min_size = p->stack_min_size;
	h->heap_max_size = p->heap_max_size;
	h->heap_init_size = p->heap_init_size;
	h->heap_min_size = p->heap_min_size;
}
