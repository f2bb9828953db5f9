/* SPDX-License-Identifier: Apache-2.0 */
/*
 * de_mkimage: builds image.bin from the kernel ELF and the manager ELF.
 *
 * The kernel is linked at DE_IMAGE_LOAD and its segments are copied to their
 * physical addresses. The manager (static-pie) is laid out page-aligned after
 * the kernel's memory, exactly as it will sit in guest memory, so that the
 * kernel starts it by mapping pages: no ELF parsing or copying in ring 0.
 * Finally the header is filled in and sealed with a SHA-256.
 */
#include <elf.h>
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "de/boot.h"

#define PAGE 4096ull

static uint64_t align_up(uint64_t v)
{
	return (v + PAGE - 1) & ~(PAGE - 1);
}

struct elf_file {
	const char *path;
	uint8_t *data;
	size_t size;
	const Elf64_Ehdr *eh;
	const Elf64_Phdr *ph;
};

static int fail(const char *path, const char *msg)
{
	fprintf(stderr, "de_mkimage: %s: %s\n", path, msg);
	return -1;
}

static int elf_load(struct elf_file *f, const char *path, uint16_t type)
{
	FILE *fp = fopen(path, "rb");
	f->path = path;
	if (!fp) {
		fprintf(stderr, "de_mkimage: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fseek(fp, 0, SEEK_END);
	long sz = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	if (sz <= 0 || (uint64_t)sz > DE_IMAGE_MAX_SIZE) {
		fclose(fp);
		return fail(path, "empty or too large");
	}
	f->size = (size_t)sz;
	f->data = malloc(f->size);
	if (!f->data || fread(f->data, 1, f->size, fp) != f->size) {
		fclose(fp);
		return fail(path, "read failed");
	}
	fclose(fp);
	f->eh = (const Elf64_Ehdr *)f->data;
	if (f->size < sizeof(Elf64_Ehdr) || memcmp(f->eh->e_ident, ELFMAG, SELFMAG) ||
	    f->eh->e_ident[EI_CLASS] != ELFCLASS64 || f->eh->e_machine != EM_X86_64)
		return fail(path, "not an x86-64 ELF64 file");
	if (f->eh->e_type != type)
		return fail(path, type == ET_EXEC ? "kernel must be ET_EXEC"
		                                  : "manager must be static-pie (ET_DYN)");
	if (f->eh->e_phentsize != sizeof(Elf64_Phdr) || f->eh->e_phoff > f->size ||
	    (uint64_t)f->eh->e_phnum * sizeof(Elf64_Phdr) > f->size - f->eh->e_phoff)
		return fail(path, "bad program header table");
	f->ph = (const Elf64_Phdr *)(f->data + f->eh->e_phoff);
	for (int i = 0; i < f->eh->e_phnum; i++) {
		const Elf64_Phdr *p = &f->ph[i];
		if (p->p_type == PT_INTERP)
			return fail(path, "has an interpreter; link with -static-pie -nostdlib");
		if (p->p_type != PT_LOAD)
			continue;
		if (p->p_offset > f->size || p->p_filesz > f->size - p->p_offset ||
		    p->p_filesz > p->p_memsz)
			return fail(path, "segment outside the file");
	}
	return 0;
}

static int bad(const char *path, const char *msg)
{
	fail(path, msg);
	return 1;
}

int main(int argc, char **argv)
{
	const char *kpath = NULL, *mpath = NULL, *out = NULL;
	static const struct option opts[] = {
	    {"kernel", required_argument, 0, 'k'},
	    {"manager", required_argument, 0, 'm'},
	    {"out", required_argument, 0, 'o'},
	    {"help", no_argument, 0, 'h'},
	    {0, 0, 0, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			kpath = optarg;
			break;
		case 'm':
			mpath = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			printf("usage: de_mkimage --kernel KERNEL.elf --manager MANAGER.elf --out "
			       "image.bin\n\nBuilds the EVM image (see docs/boot-protocol.md).\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (!kpath || !mpath || !out) {
		fprintf(stderr, "de_mkimage: --kernel, --manager and --out are required\n");
		return 2;
	}

	struct elf_file k = {0}, m = {0};
	if (elf_load(&k, kpath, ET_EXEC) || elf_load(&m, mpath, ET_DYN))
		return 1;

	/* Kernel extent. */
	uint64_t kend = 0;
	for (int i = 0; i < k.eh->e_phnum; i++) {
		const Elf64_Phdr *p = &k.ph[i];
		if (p->p_type != PT_LOAD || !p->p_memsz)
			continue;
		if (p->p_paddr < DE_IMAGE_LOAD ||
		    p->p_paddr + p->p_memsz > DE_IMAGE_LOAD + DE_IMAGE_MAX_SIZE)
			return bad(kpath, "segment outside the image window");
		if (p->p_paddr + p->p_memsz > kend)
			kend = p->p_paddr + p->p_memsz;
	}
	uint64_t mgr_off = align_up(kend - DE_IMAGE_LOAD);

	/* Manager extent and segments. */
	struct de_image_manager md = {0};
	uint64_t mspan = 0, mfile = 0, last_page_end = 0;
	for (int i = 0; i < m.eh->e_phnum; i++) {
		const Elf64_Phdr *p = &m.ph[i];
		if (p->p_type == PT_PHDR)
			md.phdr = p->p_vaddr;
		if (p->p_type != PT_LOAD || !p->p_memsz)
			continue;
		if ((p->p_flags & PF_W) && (p->p_flags & PF_X))
			return bad(mpath, "writable and executable segment (W^X)");
		uint64_t first = p->p_vaddr / PAGE, end = align_up(p->p_vaddr + p->p_memsz) / PAGE;
		if (first < last_page_end)
			return fail(mpath, "segments share a page; link with -z separate-code") ? 1
			                                                                        : 1;
		if (md.nr_segments == DE_IMAGE_MAX_SEGMENTS)
			return bad(mpath, "too many segments");
		if (md.nr_segments == 0 && p->p_offset == 0 && !md.phdr)
			md.phdr = p->p_vaddr + m.eh->e_phoff;
		last_page_end = end;
		md.segments[md.nr_segments++] = (struct de_image_segment){
		    .first_page = (uint32_t)first,
		    .nr_pages = (uint32_t)(end - first),
		    .prot = ((p->p_flags & PF_R) ? DE_PROT_R : 0) |
		            ((p->p_flags & PF_W) ? DE_PROT_W : 0) |
		            ((p->p_flags & PF_X) ? DE_PROT_X : 0),
		};
		if (end * PAGE > mspan)
			mspan = end * PAGE;
		if (p->p_vaddr + p->p_filesz > mfile)
			mfile = p->p_vaddr + p->p_filesz;
	}
	if (!md.nr_segments || !md.phdr)
		return bad(mpath, "no loadable segments or program headers");
	md.offset = mgr_off;
	md.size = mspan;
	md.entry = m.eh->e_entry;
	md.phnum = m.eh->e_phnum;
	md.phentsize = m.eh->e_phentsize;

	uint64_t file_size = mgr_off + align_up(mfile);
	uint64_t mem_size = mgr_off + mspan;
	if (file_size > DE_IMAGE_MAX_SIZE)
		return bad(out, "image too large");
	uint8_t *img = calloc(1, file_size);
	if (!img)
		return bad(out, "out of memory");
	for (int i = 0; i < k.eh->e_phnum; i++) {
		const Elf64_Phdr *p = &k.ph[i];
		if (p->p_type == PT_LOAD && p->p_filesz)
			memcpy(img + (p->p_paddr - DE_IMAGE_LOAD), k.data + p->p_offset,
			       p->p_filesz);
	}
	for (int i = 0; i < m.eh->e_phnum; i++) {
		const Elf64_Phdr *p = &m.ph[i];
		if (p->p_type == PT_LOAD && p->p_filesz)
			memcpy(img + mgr_off + p->p_vaddr, m.data + p->p_offset, p->p_filesz);
	}

	struct de_image_header *h = (struct de_image_header *)img;
	if (memcmp(h->magic, DE_IMAGE_MAGIC, 8))
		return bad(kpath, "kernel does not start with the image header");
	h->version = DE_IMAGE_VERSION;
	h->header_size = sizeof(*h);
	h->load_paddr = DE_IMAGE_LOAD;
	h->file_size = file_size;
	h->mem_size = mem_size;
	h->entry_paddr = k.eh->e_entry;
	h->min_memory_mib = (uint32_t)((DE_IMAGE_LOAD + mem_size + (1u << 20) - 1) >> 20) + 8;
	h->flags = 0;
	h->manager = md;
	memset(h->sha256, 0, sizeof(h->sha256));
	SHA256(img, file_size, h->sha256);

	FILE *fp = fopen(out, "wb");
	if (!fp || fwrite(img, 1, file_size, fp) != file_size || fclose(fp)) {
		fprintf(stderr, "de_mkimage: %s: %s\n", out, strerror(errno));
		return 1;
	}
	printf("de_mkimage: %s: %llu bytes, kernel %llu KiB, manager %llu KiB at +0x%llx\n", out,
	       (unsigned long long)file_size, (unsigned long long)(mgr_off >> 10),
	       (unsigned long long)(mspan >> 10), (unsigned long long)mgr_off);
	free(img);
	free(k.data);
	free(m.data);
	return 0;
}
