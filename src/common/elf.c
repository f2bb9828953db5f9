/*
 * Bounds-checked ELF64 reader for enclave files: header, program headers,
 * PT_LOAD segments and section lookup by name. Every offset and size read
 * from the file is checked against the file size and for overflow.
 */
#include "de/enclave_meta.h"
#include "le.h"

enum {
	EHDR_SIZE = 64,
	PHDR_SIZE = 56,
	SHDR_SIZE = 64,
	ET_DYN = 3,
	EM_X86_64 = 62,
	PT_LOAD = 1,
	PT_INTERP = 3,
	PF_X = 1,
	PF_W = 2,
	PF_R = 4,
	SHN_LORESERVE = 0xff00,
};

static enum de_err fail(struct de_diag *diag, enum de_err err, enum de_reason r, uint64_t where)
{
	if (diag) {
		diag->reason = r;
		diag->where = where;
	}
	return err;
}

#define BAD(r, where) fail(diag, DE_ERR_INVALID_ENCLAVE, (r), (where))

static enum de_reason check_ident(const uint8_t *f)
{
	static const uint8_t magic[4] = {0x7f, 'E', 'L', 'F'};
	if (memcmp(f, magic, 4) != 0)
		return DE_R_ELF_MAGIC;
	if (f[4] != 2 || f[5] != 1 || f[6] != 1) /* ELFCLASS64, ELFDATA2LSB, EV_CURRENT */
		return DE_R_ELF_CLASS;
	if (de_le16(f + 16) != ET_DYN)
		return DE_R_ELF_TYPE;
	if (de_le16(f + 18) != EM_X86_64)
		return DE_R_ELF_MACHINE;
	if (de_le32(f + 20) != 1 || de_le16(f + 52) != EHDR_SIZE)
		return DE_R_ELF_CLASS;
	return DE_R_NONE;
}

static uint32_t perms_of(uint32_t p_flags)
{
	return ((p_flags & PF_R) ? DE_PERM_R : 0) | ((p_flags & PF_W) ? DE_PERM_W : 0) |
	       ((p_flags & PF_X) ? DE_PERM_X : 0);
}

static enum de_err add_load(struct de_elf *elf, const uint8_t *ph, uint64_t where,
                            struct de_diag *diag)
{
	struct de_elf_load l;
	uint64_t end;

	l.perms = perms_of(de_le32(ph + 4));
	l.offset = de_le64(ph + 8);
	l.vaddr = de_le64(ph + 16);
	l.filesz = de_le64(ph + 32);
	l.memsz = de_le64(ph + 40);

	if (elf->nloads >= DE_ELF_MAX_LOADS)
		return BAD(DE_R_ELF_TOO_MANY_LOADS, where);
	if (l.memsz == 0 || l.filesz > l.memsz || !de_range_ok(l.offset, l.filesz, elf->size))
		return BAD(DE_R_ELF_LOAD_RANGE, where);
	if (!de_add_ok(l.vaddr, l.memsz, &end) || end > DE_ENCLAVE_MAX_SIZE)
		return BAD(DE_R_ELF_LOAD_RANGE, where);
	if ((l.offset & DE_PAGE_MASK) != (l.vaddr & DE_PAGE_MASK))
		return BAD(DE_R_ELF_LOAD_ALIGN, where);
	if ((l.perms & DE_PERM_W) && (l.perms & DE_PERM_X))
		return BAD(DE_R_ELF_WX, where);
	if (elf->nloads > 0 && (l.vaddr & ~DE_PAGE_MASK) < elf->image_size)
		return BAD(DE_R_ELF_LOAD_ORDER, where);

	elf->loads[elf->nloads++] = l;
	elf->image_size = (end + DE_PAGE_MASK) & ~DE_PAGE_MASK;
	return DE_OK;
}

static enum de_err parse_phdrs(struct de_elf *elf, struct de_diag *diag)
{
	const uint8_t *f = elf->file;
	uint16_t phentsize = de_le16(f + 54);

	if (phentsize != PHDR_SIZE || elf->phnum == 0 || elf->phnum > DE_ELF_MAX_PHDRS ||
	    !de_range_ok(elf->phoff, (uint64_t)elf->phnum * PHDR_SIZE, elf->size))
		return BAD(DE_R_ELF_PHDR_RANGE, 32);

	for (uint32_t i = 0; i < elf->phnum; i++) {
		uint64_t where = elf->phoff + (uint64_t)i * PHDR_SIZE;
		const uint8_t *ph = f + where;
		uint32_t type = de_le32(ph);
		enum de_err err;

		if (type == PT_INTERP)
			return BAD(DE_R_ELF_INTERP, where);
		if (type != PT_LOAD)
			continue;
		err = add_load(elf, ph, where, diag);
		if (err != DE_OK)
			return err;
	}
	if (elf->nloads == 0)
		return BAD(DE_R_ELF_NO_LOAD, elf->phoff);
	return DE_OK;
}

static int entry_ok(const struct de_elf *elf)
{
	for (uint32_t i = 0; i < elf->nloads; i++) {
		const struct de_elf_load *l = &elf->loads[i];
		if ((l->perms & DE_PERM_X) && elf->entry >= l->vaddr &&
		    elf->entry - l->vaddr < l->memsz)
			return 1;
	}
	return 0;
}

static enum de_err parse_shdrs(struct de_elf *elf, struct de_diag *diag)
{
	const uint8_t *f = elf->file;
	uint16_t shentsize = de_le16(f + 58);

	if (elf->shnum == 0) {
		/* No section table. A nonzero e_shoff here means extended numbering. */
		if (elf->shoff != 0)
			return BAD(DE_R_ELF_SHDR_RANGE, 40);
		elf->shstrndx = 0;
		return DE_OK;
	}
	if (shentsize != SHDR_SIZE || elf->shnum > DE_ELF_MAX_SHDRS || elf->shoff == 0 ||
	    !de_range_ok(elf->shoff, (uint64_t)elf->shnum * SHDR_SIZE, elf->size))
		return BAD(DE_R_ELF_SHDR_RANGE, 40);
	if (elf->shstrndx >= elf->shnum)
		return BAD(DE_R_ELF_SHDR_RANGE, 62);
	return DE_OK;
}

enum de_err de_elf_parse(struct de_elf *elf, const uint8_t *file, uint64_t size,
                         struct de_diag *diag)
{
	enum de_reason r;
	enum de_err err;

	memset(elf, 0, sizeof(*elf));
	elf->file = file;
	elf->size = size;
	if (diag) {
		diag->reason = DE_R_NONE;
		diag->where = 0;
	}
	if (size < EHDR_SIZE)
		return BAD(DE_R_FILE_TOO_SMALL, size);
	if (size > DE_ENCLAVE_FILE_MAX)
		return BAD(DE_R_FILE_TOO_LARGE, size);
	r = check_ident(file);
	if (r != DE_R_NONE)
		return BAD(r, 0);

	elf->entry = de_le64(file + 24);
	elf->phoff = de_le64(file + 32);
	elf->shoff = de_le64(file + 40);
	elf->phnum = de_le16(file + 56);
	elf->shnum = de_le16(file + 60);
	elf->shstrndx = de_le16(file + 62);
	if (elf->shnum >= SHN_LORESERVE || elf->shstrndx >= SHN_LORESERVE)
		return BAD(DE_R_ELF_SHDR_RANGE, 60);

	err = parse_phdrs(elf, diag);
	if (err != DE_OK)
		return err;
	if (!entry_ok(elf))
		return BAD(DE_R_ELF_ENTRY, 24);
	return parse_shdrs(elf, diag);
}

/* Name of section header `sh` equals `name` (NUL included), within strtab bounds. */
static int name_is(const struct de_elf *elf, uint64_t str_off, uint64_t str_size, uint32_t name_off,
                   const char *name, int *malformed)
{
	size_t len = strlen(name) + 1;

	if (name_off >= str_size) {
		*malformed = 1;
		return 0;
	}
	if (len > str_size - name_off)
		return 0;
	return memcmp(elf->file + str_off + name_off, name, len) == 0;
}

int de_elf_find_section(const struct de_elf *elf, const char *name, uint64_t *offset,
                        uint64_t *size, uint32_t *index)
{
	const uint8_t *str_sh;
	uint64_t str_off, str_size;
	int found = 0, malformed = 0;

	if (elf->shnum == 0 || elf->shstrndx == 0)
		return 0;
	str_sh = elf->file + elf->shoff + (uint64_t)elf->shstrndx * SHDR_SIZE;
	str_off = de_le64(str_sh + 24);
	str_size = de_le64(str_sh + 32);
	if (!de_range_ok(str_off, str_size, elf->size))
		return -1;

	for (uint32_t i = 1; i < elf->shnum; i++) {
		const uint8_t *sh = elf->file + elf->shoff + (uint64_t)i * SHDR_SIZE;
		uint64_t off = de_le64(sh + 24), sz = de_le64(sh + 32);

		if (!name_is(elf, str_off, str_size, de_le32(sh), name, &malformed))
			continue;
		if (found || !de_range_ok(off, sz, elf->size))
			return -1;
		found = 1;
		*offset = off;
		*size = sz;
		if (index)
			*index = i;
	}
	if (malformed && found)
		return -1;
	return found;
}
