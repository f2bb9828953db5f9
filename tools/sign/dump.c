/*
 * The dump file. The first part uses sgx_sign's element names and array
 * format (16 bytes per line, "0xNN ") so existing scripts that extract
 * enclave_hash.m or the mrsigner keep working; DE-specific sections follow.
 */
#include <inttypes.h>

#include "dump.h"

static void element(FILE *f, const char *name, uint64_t v)
{
	fprintf(f, "metadata->%s: 0x%" PRIx64 "\n", name, v);
}

static void array(FILE *f, const char *prefix, const char *name, const uint8_t *a, size_t n)
{
	fprintf(f, "%s%s:", prefix, name);
	for (size_t i = 0; i < n; i++) {
		if (i % 16 == 0)
			fputc('\n', f);
		fprintf(f, "0x%02x ", a[i]);
	}
	fputc('\n', f);
}

static void hex(FILE *f, const uint8_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", a[i]);
	fputc('\n', f);
}

static const char *type_name(uint16_t t)
{
	switch (t) {
	case DE_LAYOUT_GUARD:
		return "GUARD";
	case DE_LAYOUT_HEAP:
		return "HEAP";
	case DE_LAYOUT_STACK:
		return "STACK";
	case DE_LAYOUT_TCS:
		return "TCS";
	default:
		return "?";
	}
}

static void perms(FILE *f, uint32_t p)
{
	fprintf(f, "%c%c%c", (p & DE_PERM_R) ? 'R' : '-', (p & DE_PERM_W) ? 'W' : '-',
	        (p & DE_PERM_X) ? 'X' : '-');
}

void de_dump_enclave(FILE *f, const struct de_enclave *enc, const uint8_t mrsigner[32],
                     const char *verdict)
{
	const struct de_meta_header *h = &enc->hdr;
	const struct de_sigstruct *ss = &enc->sigstruct;
	const char *m = "metadata->";

	fprintf(f, "=============================\nThe metadata information:\n"
	           "=============================\n");
	element(f, "magic_num", h->magic);
	element(f, "version", h->version);
	element(f, "size", h->total_size);
	element(f, "tcs_policy", h->tcs_policy);
	element(f, "enclave_size", h->enclave_size);
	element(f, "attributes.flags", ss->attributes.flags);
	element(f, "attributes.xfrm", ss->attributes.xfrm);
	array(f, m, "enclave_css.header.header", ss->header, sizeof(ss->header));
	element(f, "enclave_css.header.type", ss->type);
	element(f, "enclave_css.header.module_vendor", ss->module_vendor);
	element(f, "enclave_css.header.date", ss->date);
	array(f, m, "enclave_css.header.header2", ss->header2, sizeof(ss->header2));
	element(f, "enclave_css.header.hw_version", ss->hw_version);
	array(f, m, "enclave_css.key.modulus", ss->modulus, sizeof(ss->modulus));
	array(f, m, "enclave_css.key.exponent", ss->exponent, sizeof(ss->exponent));
	array(f, m, "enclave_css.key.signature", ss->signature, sizeof(ss->signature));
	element(f, "enclave_css.body.misc_select", ss->misc_select);
	element(f, "enclave_css.body.misc_mask", ss->misc_mask);
	element(f, "enclave_css.body.attributes.flags", ss->attributes.flags);
	element(f, "enclave_css.body.attributes.xfrm", ss->attributes.xfrm);
	element(f, "enclave_css.body.attribute_mask.flags", ss->attribute_mask.flags);
	element(f, "enclave_css.body.attribute_mask.xfrm", ss->attribute_mask.xfrm);
	array(f, m, "enclave_css.body.enclave_hash.m", ss->enclave_hash, sizeof(ss->enclave_hash));
	element(f, "enclave_css.body.isv_prod_id", ss->isv_prod_id);
	element(f, "enclave_css.body.isv_svn", ss->isv_svn);
	array(f, m, "enclave_css.buffer.q1", ss->q1, sizeof(ss->q1));
	array(f, m, "enclave_css.buffer.q2", ss->q2, sizeof(ss->q2));

	fprintf(f, "\n\n===================\nThe mrsigner value:\n===================\n");
	array(f, "mrsigner->", "value", mrsigner, 32);

	fprintf(f, "\n\n===================\nThe DE enclave summary:\n===================\n");
	fprintf(f, "mrenclave: ");
	hex(f, ss->enclave_hash, sizeof(ss->enclave_hash));
	fprintf(f, "mrsigner: ");
	hex(f, mrsigner, 32);
	fprintf(f, "verification: %s\n", verdict);
	fprintf(f, "debug: %s\n",
	        (ss->attribute_mask.flags & DE_ATTR_DEBUG) &&
	                !(ss->attributes.flags & DE_ATTR_DEBUG)
	            ? "disabled (DisableDebug=1: debug launches are refused)"
	            : "allowed");
	fprintf(f, "attributes: flags 0x%016" PRIx64 " xfrm 0x%016" PRIx64 "\n",
	        ss->attributes.flags, ss->attributes.xfrm);
	fprintf(f, "attribute_mask: flags 0x%016" PRIx64 " xfrm 0x%016" PRIx64 "\n",
	        ss->attribute_mask.flags, ss->attribute_mask.xfrm);
	fprintf(f, "misc_select: 0x%08x misc_mask: 0x%08x\n", ss->misc_select, ss->misc_mask);
	fprintf(f, "isv_prod_id: %u\nisv_svn: %u\n", ss->isv_prod_id, ss->isv_svn);
	fprintf(f, "date: %08x\n", ss->date);
	fprintf(f, "tcs_num: %u\ntcs_policy: %u\n", h->tcs_num, h->tcs_policy);
	fprintf(f, "stack_max_size: 0x%" PRIx64 "\nstack_min_size: 0x%" PRIx64 "\n",
	        h->stack_max_size, h->stack_min_size);
	fprintf(f,
	        "heap_max_size: 0x%" PRIx64 "\nheap_init_size: 0x%" PRIx64
	        "\nheap_min_size: 0x%" PRIx64 "\n",
	        h->heap_max_size, h->heap_init_size, h->heap_min_size);

	fprintf(f, "\n\n===================\nThe enclave layout:\n===================\n");
	fprintf(f, "entry: 0x%" PRIx64 "\nimage_size: 0x%" PRIx64 "\nenclave_size: 0x%" PRIx64 "\n",
	        h->entry, h->image_size, h->enclave_size);
	for (uint32_t i = 0; i < enc->elf.nloads; i++) {
		const struct de_elf_load *l = &enc->elf.loads[i];
		fprintf(f,
		        "segment %u: offset 0x%" PRIx64 " size 0x%" PRIx64 " file 0x%" PRIx64
		        " perms ",
		        i, l->vaddr, l->memsz, l->filesz);
		perms(f, l->perms);
		fputc('\n', f);
	}
	for (uint32_t i = 0; i < h->layout_count; i++) {
		struct de_layout_entry e;
		de_enclave_layout_entry(enc, i, &e);
		fprintf(f,
		        "region %u: %-5s thread %u offset 0x%" PRIx64 " size 0x%" PRIx64
		        " commit 0x%" PRIx64 " perms ",
		        i, type_name(e.type), e.index, e.offset, e.size, e.commit);
		perms(f, e.perms);
		fputc('\n', f);
	}
}
