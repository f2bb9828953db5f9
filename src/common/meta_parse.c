/*
 * Parser for signed enclave files: locates .de_metadata through the section
 * header table and checks every header field, the layout table and the
 * SIGSTRUCT format. Validate-only: nothing here maps or measures.
 */
#include "de/enclave_meta.h"
#include "le.h"

enum { SHT_PROGBITS = 1, SHDR_SIZE = 64, PHDR_SIZE = 56 };

static enum de_err fail(struct de_diag *diag, enum de_err err, enum de_reason r, uint64_t where)
{
	if (diag) {
		diag->reason = r;
		diag->where = where;
	}
	return err;
}

#define BAD_META(r, where) fail(diag, DE_ERR_INVALID_METADATA, (r), (where))

static int overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	/* Ranges are already known to lie within the file, so no overflow. */
	return alen != 0 && blen != 0 && a < b + blen && b < a + alen;
}

static enum de_err check_section(const struct de_enclave *enc, uint32_t index, struct de_diag *diag)
{
	const struct de_elf *elf = &enc->elf;
	const uint8_t *sh = elf->file + elf->shoff + (uint64_t)index * SHDR_SIZE;
	uint64_t off = enc->meta_offset, len = enc->meta_size;

	/* Exactly what de_sign writes: PROGBITS, no flags, no address, link or info, align 8. */
	if (de_le32(sh + 4) != SHT_PROGBITS || de_le64(sh + 8) != 0 || de_le64(sh + 16) != 0 ||
	    de_le32(sh + 40) != 0 || de_le32(sh + 44) != 0 || de_le64(sh + 48) != 8 ||
	    de_le64(sh + 56) != 0 || (off & 7) != 0 || len < DE_META_HEADER_SIZE)
		return BAD_META(DE_R_META_SECTION, elf->shoff + (uint64_t)index * SHDR_SIZE);
	if (overlaps(off, len, 0, 64) ||
	    overlaps(off, len, elf->phoff, (uint64_t)elf->phnum * PHDR_SIZE) ||
	    overlaps(off, len, elf->shoff, (uint64_t)elf->shnum * SHDR_SIZE))
		return BAD_META(DE_R_META_OVERLAP, off);
	for (uint32_t i = 0; i < elf->nloads; i++)
		if (overlaps(off, len, elf->loads[i].offset, elf->loads[i].filesz))
			return BAD_META(DE_R_META_OVERLAP, off);
	return DE_OK;
}

static enum de_err check_header(struct de_enclave *enc, struct de_diag *diag)
{
	const struct de_meta_header *h = &enc->hdr;
	uint64_t base = enc->meta_offset;
	uint64_t sig_off;

	if (h->magic != DE_META_MAGIC)
		return BAD_META(DE_R_META_MAGIC, base);
	if (h->version != DE_META_VERSION)
		return BAD_META(DE_R_META_VERSION, base + 8);
	if (h->header_size != DE_META_HEADER_SIZE || h->layout_offset != DE_META_HEADER_SIZE ||
	    h->layout_entry_size != DE_LAYOUT_ENTRY_SIZE || h->sigstruct_size != DE_SIGSTRUCT_SIZE)
		return BAD_META(DE_R_META_SIZES, base + 12);
	if (h->tcs_num < 1 || h->tcs_num > DE_TCS_MAX)
		return BAD_META(DE_R_META_PARAMS, base + 64);
	sig_off = (uint64_t)DE_META_HEADER_SIZE +
	          (uint64_t)de_layout_count(h->tcs_num) * DE_LAYOUT_ENTRY_SIZE;
	if (h->layout_count != de_layout_count(h->tcs_num) || h->sigstruct_offset != sig_off ||
	    h->total_size != sig_off + DE_SIGSTRUCT_SIZE || enc->meta_size != h->total_size)
		return BAD_META(DE_R_META_SIZES, base + 16);
	if (!de_is_zero(h->reserved, sizeof(h->reserved)))
		return BAD_META(DE_R_META_RESERVED,
		                base + offsetof(struct de_meta_header, reserved));
	if (h->entry != enc->elf.entry || h->image_size != enc->elf.image_size)
		return BAD_META(DE_R_META_IMAGE, base + offsetof(struct de_meta_header, entry));
	return DE_OK;
}

static enum de_err check_layout(struct de_enclave *enc, uint64_t mem_limit, struct de_diag *diag)
{
	const struct de_meta_header *h = &enc->hdr;
	struct de_layout_params *p = &enc->params;
	uint64_t enclave_size;
	enum de_err err;

	p->tcs_num = h->tcs_num;
	p->tcs_policy = h->tcs_policy;
	p->stack_max_size = h->stack_max_size;
	p->stack_min_size = h->stack_min_size;
	p->heap_max_size = h->heap_max_size;
	p->heap_init_size = h->heap_init_size;
	p->heap_min_size = h->heap_min_size;

	err = de_layout_check(p, h->image_size, &enclave_size, diag);
	if (err != DE_OK) {
		if (diag && err == DE_ERR_INVALID_METADATA)
			diag->where = enc->meta_offset + offsetof(struct de_meta_header, tcs_num);
		return err;
	}
	if (h->enclave_size != enclave_size)
		return BAD_META(DE_R_META_SIZES,
		                enc->meta_offset + offsetof(struct de_meta_header, enclave_size));
	if (mem_limit != 0 && enclave_size > mem_limit)
		return fail(diag, DE_ERR_OUT_OF_EPC, DE_R_TOO_BIG, enclave_size);

	for (uint32_t i = 0; i < h->layout_count; i++) {
		struct de_layout_entry want, have;
		uint64_t at =
		    enc->meta_offset + h->layout_offset + (uint64_t)i * DE_LAYOUT_ENTRY_SIZE;

		de_layout_entry_at(p, h->image_size, i, &want);
		memcpy(&have, enc->elf.file + at, sizeof(have));
		if (memcmp(&want, &have, sizeof(want)) != 0)
			return BAD_META(DE_R_META_LAYOUT, at);
	}
	return DE_OK;
}

enum de_err de_enclave_parse(struct de_enclave *enc, const uint8_t *file, uint64_t size,
                             uint64_t mem_limit, struct de_diag *diag)
{
	struct de_elf *elf = &enc->elf;
	uint32_t index = 0;
	enum de_err err;
	int found;

	memset(enc, 0, sizeof(*enc));
	err = de_elf_parse(elf, file, size, diag);
	if (err != DE_OK)
		return err;
	/* A signed file ends with its section header table: nothing may follow. */
	if (elf->shnum == 0)
		return BAD_META(DE_R_META_MISSING, 0);
	if (elf->shoff + (uint64_t)elf->shnum * SHDR_SIZE != size)
		return fail(diag, DE_ERR_INVALID_ENCLAVE, DE_R_ELF_TRAILING_DATA, size);

	found = de_elf_find_section(elf, DE_META_SECTION_NAME, &enc->meta_offset, &enc->meta_size,
	                            &index);
	if (found == 0)
		return BAD_META(DE_R_META_MISSING, 0);
	if (found < 0)
		return BAD_META(DE_R_META_DUPLICATE, elf->shoff);
	err = check_section(enc, index, diag);
	if (err != DE_OK)
		return err;

	memcpy(&enc->hdr, file + enc->meta_offset, sizeof(enc->hdr));
	err = check_header(enc, diag);
	if (err != DE_OK)
		return err;
	err = check_layout(enc, mem_limit, diag);
	if (err != DE_OK)
		return err;

	memcpy(&enc->sigstruct, file + enc->meta_offset + enc->hdr.sigstruct_offset,
	       sizeof(enc->sigstruct));
	err = de_sigstruct_check(&enc->sigstruct, diag);
	if (err != DE_OK && diag)
		diag->where += enc->meta_offset + enc->hdr.sigstruct_offset;
	return err;
}

void de_enclave_layout_entry(const struct de_enclave *enc, uint32_t i, struct de_layout_entry *out)
{
	uint64_t at =
	    enc->meta_offset + enc->hdr.layout_offset + (uint64_t)i * DE_LAYOUT_ENTRY_SIZE;

	if (i >= enc->hdr.layout_count) {
		memset(out, 0, sizeof(*out));
		return;
	}
	memcpy(out, enc->elf.file + at, sizeof(*out));
}
