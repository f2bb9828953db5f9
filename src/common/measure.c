/*
 * The MRENCLAVE record stream (docs/measurement.md): CREATE, then one PAGE
 * record plus 4096 content bytes per image page, then one REGION record per
 * layout entry. The hash is the caller's (struct de_sha256_ops).
 */
#include "de/measure.h"
#include "le.h"

enum { ST_IDLE, ST_PAGES, ST_REGIONS, ST_DONE, ST_FAILED };

static void put_record(struct de_measure *m, const char tag[8], const struct de_measure_record *in)
{
	struct de_measure_record r = *in;
	memcpy(r.tag, tag, sizeof(r.tag));
	m->ops->update(m->hctx, &r, sizeof(r));
}

void de_measure_start(struct de_measure *m, const struct de_sha256_ops *ops, void *hctx,
                      const struct de_meta_header *hdr)
{
	struct de_measure_record r;

	memset(m, 0, sizeof(*m));
	m->ops = ops;
	m->hctx = hctx;
	m->enclave_size = hdr->enclave_size;
	m->image_size = hdr->image_size;
	m->state = ST_PAGES;

	memset(&r, 0, sizeof(r));
	r.offset = 0;
	r.size = hdr->enclave_size;
	r.commit = hdr->image_size;
	r.type = DE_MEASURE_VERSION;
	r.index = hdr->tcs_num;
	r.policy = hdr->tcs_policy;
	r.entry = hdr->entry;
	r.extra = hdr->heap_min_size;
	ops->init(hctx);
	put_record(m, DE_MR_TAG_CREATE, &r);
}

static enum de_err failed(struct de_measure *m)
{
	m->state = ST_FAILED;
	return DE_ERR_INVALID_ENCLAVE;
}

enum de_err de_measure_page(struct de_measure *m, uint64_t offset, uint32_t perms,
                            const uint8_t content[DE_PAGE_SIZE])
{
	struct de_measure_record r;

	if (m->state != ST_PAGES || (offset & DE_PAGE_MASK) != 0 || offset < m->next_offset ||
	    offset >= m->image_size || (perms & ~(DE_PERM_R | DE_PERM_W | DE_PERM_X)) != 0)
		return failed(m);

	memset(&r, 0, sizeof(r));
	r.offset = offset;
	r.size = DE_PAGE_SIZE;
	r.perms = perms;
	put_record(m, DE_MR_TAG_PAGE, &r);
	m->ops->update(m->hctx, content, DE_PAGE_SIZE);
	m->next_offset = offset + DE_PAGE_SIZE;
	return DE_OK;
}

enum de_err de_measure_region(struct de_measure *m, const struct de_layout_entry *e)
{
	struct de_measure_record r;
	uint64_t end;

	if (m->state == ST_PAGES) {
		m->state = ST_REGIONS;
		m->next_offset = m->image_size;
	}
	if (m->state != ST_REGIONS || (e->offset & DE_PAGE_MASK) != 0 ||
	    (e->size & DE_PAGE_MASK) != 0 || e->offset < m->next_offset ||
	    !de_add_ok(e->offset, e->size, &end) || end > m->enclave_size || e->commit > e->size)
		return failed(m);

	memset(&r, 0, sizeof(r));
	r.offset = e->offset;
	r.size = e->size;
	r.commit = e->commit;
	r.perms = e->perms;
	r.type = e->type;
	r.index = e->index;
	put_record(m, DE_MR_TAG_REGION, &r);
	m->next_offset = end;
	return DE_OK;
}

enum de_err de_measure_finish(struct de_measure *m, uint8_t mrenclave[DE_SHA256_BYTES])
{
	if (m->state != ST_REGIONS || m->next_offset != m->enclave_size)
		return failed(m);
	m->ops->final(m->hctx, mrenclave);
	m->state = ST_DONE;
	return DE_OK;
}

void de_page_iter_init(struct de_page_iter *it, const struct de_elf *elf)
{
	it->elf = elf;
	it->load = 0;
	it->page_va = elf->nloads ? elf->loads[0].vaddr & ~DE_PAGE_MASK : 0;
}

int de_page_iter_next(struct de_page_iter *it, uint64_t *offset, uint32_t *perms,
                      uint8_t page[DE_PAGE_SIZE])
{
	const struct de_elf *elf = it->elf;
	const struct de_elf_load *l;
	uint64_t lo, hi;

	if (it->load >= elf->nloads)
		return 0;
	l = &elf->loads[it->load];

	/* Copy [max(page, vaddr), min(page + 4096, vaddr + filesz)) from the file. */
	memset(page, 0, DE_PAGE_SIZE);
	lo = it->page_va > l->vaddr ? it->page_va : l->vaddr;
	hi = it->page_va + DE_PAGE_SIZE;
	if (hi > l->vaddr + l->filesz)
		hi = l->vaddr + l->filesz;
	if (lo < hi)
		memcpy(page + (lo - it->page_va), elf->file + l->offset + (lo - l->vaddr), hi - lo);

	*offset = it->page_va;
	*perms = l->perms;

	it->page_va += DE_PAGE_SIZE;
	if (it->page_va >= l->vaddr + l->memsz) {
		it->load++;
		if (it->load < elf->nloads)
			it->page_va = elf->loads[it->load].vaddr & ~DE_PAGE_MASK;
	}
	return 1;
}

static void params_of(const struct de_meta_header *h, struct de_layout_params *p)
{
	p->tcs_num = h->tcs_num;
	p->tcs_policy = h->tcs_policy;
	p->stack_max_size = h->stack_max_size;
	p->stack_min_size = h->stack_min_size;
	p->heap_max_size = h->heap_max_size;
	p->heap_init_size = h->heap_init_size;
	p->heap_min_size = h->heap_min_size;
}

enum de_err de_measure_enclave(const struct de_elf *elf, const struct de_meta_header *hdr,
                               const struct de_sha256_ops *ops, void *hctx,
                               uint8_t page[DE_PAGE_SIZE], uint8_t mrenclave[DE_SHA256_BYTES])
{
	struct de_layout_params p;
	struct de_measure m;
	struct de_page_iter it;
	uint64_t offset;
	uint32_t perms;
	enum de_err err;

	params_of(hdr, &p);
	de_measure_start(&m, ops, hctx, hdr);
	de_page_iter_init(&it, elf);
	while (de_page_iter_next(&it, &offset, &perms, page)) {
		err = de_measure_page(&m, offset, perms, page);
		if (err != DE_OK)
			return err;
	}
	for (uint32_t i = 0; i < de_layout_count(p.tcs_num); i++) {
		struct de_layout_entry e;
		de_layout_entry_at(&p, hdr->image_size, i, &e);
		err = de_measure_region(&m, &e);
		if (err != DE_OK)
			return err;
	}
	return de_measure_finish(&m, mrenclave);
}

void de_mrsigner(const struct de_sigstruct *ss, const struct de_sha256_ops *ops, void *hctx,
                 uint8_t out[DE_SHA256_BYTES])
{
	ops->init(hctx);
	ops->update(hctx, ss->modulus, sizeof(ss->modulus));
	ops->final(hctx, out);
}
