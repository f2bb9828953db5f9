/*
 * Signed file layout:
 *   [input bytes, ELF header patched] [pad] [.shstrtab copy + ".de_metadata"]
 *   [pad to 8] [.de_metadata] [pad to 8] [section header table]
 * The metadata lies outside every PT_LOAD, so it is never part of the
 * measured image, and the file ends with its section header table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "signed_file.h"

enum { SHDR_SIZE = 64, SHT_PROGBITS = 1, SHT_STRTAB = 3, SHN_LORESERVE = 0xff00 };

static const char meta_name[] = DE_META_SECTION_NAME;
static const char strtab_name[] = ".shstrtab";

static uint64_t align8(uint64_t v)
{
	return (v + 7) & ~7ull;
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static void shdr(uint8_t *p, uint32_t name, uint32_t type, uint64_t off, uint64_t size,
                 uint64_t align)
{
	memset(p, 0, SHDR_SIZE);
	put32(p, name);
	put32(p + 4, type);
	put64(p + 24, off);
	put64(p + 32, size);
	put64(p + 48, align);
}

int de_sf_build(const struct de_elf *elf, uint32_t meta_size, uint8_t **out, size_t *out_size,
                uint64_t *meta_offset, char *why, size_t why_len)
{
	const uint8_t *in = elf->file;
	const uint8_t *old_str = NULL;
	uint64_t old_str_size = 0, names_size, strtab_off, meta_off, shoff, size;
	uint32_t old_n = elf->shnum ? elf->shnum : 1; /* keep or create the null entry */
	uint32_t nsh, strndx, meta_name_off;
	int new_strtab = 1;
	uint8_t *buf, *sh;

	if (elf->shnum && elf->shstrndx) {
		const uint8_t *s = in + elf->shoff + (uint64_t)elf->shstrndx * SHDR_SIZE;
		uint64_t off = get64(s + 24), len = get64(s + 32);
		if (off <= elf->size && len <= elf->size - off) {
			old_str = in + off;
			old_str_size = len;
			new_strtab = 0;
		}
	}
	nsh = old_n + (uint32_t)new_strtab + 1;
	if (nsh >= SHN_LORESERVE) {
		snprintf(why, why_len, "the enclave has too many sections (%u)", elf->shnum);
		return -1;
	}
	strndx = new_strtab ? old_n : elf->shstrndx;

	/* Names: old table (or "\0.shstrtab\0"), then ".de_metadata\0". */
	names_size = (new_strtab ? 1 + sizeof(strtab_name) : old_str_size) + sizeof(meta_name);
	strtab_off = align8(elf->size);
	meta_off = align8(strtab_off + names_size);
	shoff = align8(meta_off + meta_size);
	size = shoff + (uint64_t)nsh * SHDR_SIZE;
	if (size > DE_ENCLAVE_FILE_MAX) {
		snprintf(why, why_len, "the signed enclave would exceed 1 GiB");
		return -1;
	}

	buf = calloc(1, size);
	if (buf == NULL) {
		snprintf(why, why_len, "out of memory");
		return -1;
	}
	memcpy(buf, in, elf->size);
	if (new_strtab) {
		memcpy(buf + strtab_off + 1, strtab_name, sizeof(strtab_name));
		meta_name_off = 1 + sizeof(strtab_name);
	} else {
		memcpy(buf + strtab_off, old_str, old_str_size);
		meta_name_off = (uint32_t)old_str_size;
	}
	memcpy(buf + strtab_off + meta_name_off, meta_name, sizeof(meta_name));

	sh = buf + shoff;
	if (elf->shnum)
		memcpy(sh, in + elf->shoff, (size_t)elf->shnum * SHDR_SIZE);
	if (new_strtab)
		shdr(sh + (uint64_t)strndx * SHDR_SIZE, 1, SHT_STRTAB, strtab_off, names_size, 1);
	else {
		put64(sh + (uint64_t)strndx * SHDR_SIZE + 24, strtab_off);
		put64(sh + (uint64_t)strndx * SHDR_SIZE + 32, names_size);
	}
	shdr(sh + (uint64_t)(nsh - 1) * SHDR_SIZE, meta_name_off, SHT_PROGBITS, meta_off, meta_size,
	     8);

	put64(buf + 40, shoff);
	put16(buf + 58, SHDR_SIZE);
	put16(buf + 60, (uint16_t)nsh);
	put16(buf + 62, (uint16_t)strndx);

	*out = buf;
	*out_size = size;
	*meta_offset = meta_off;
	return 0;
}
