/*
 * Tamper tests with the host verifier: flipping any byte of code, data,
 * metadata header, layout or SIGSTRUCT makes verification fail with the
 * matching SGX code; truncated and oversized files, debug launches of
 * DisableDebug enclaves, too-large enclaves and malformed ELF structures
 * are refused with the expected error and reason.
 * usage: test_flip SIGNED NODEBUG_SIGNED UNSIGNED
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "ossl.h"

static int passed, failed;
static struct de_enclave enc; /* the parsed reference file */

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (cond) {                                                                        \
			passed++;                                                                  \
		} else {                                                                           \
			failed++;                                                                  \
			if (failed < 40) {                                                         \
				fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);               \
				fprintf(stderr, __VA_ARGS__);                                      \
				fputc('\n', stderr);                                               \
			}                                                                          \
		}                                                                                  \
	} while (0)

static enum de_err verify(const uint8_t *f, size_t size, int debug, uint64_t limit,
                          struct de_diag *diag)
{
	static struct de_enclave tmp;
	return de_host_verify(f, size, limit, debug, &tmp, NULL, diag);
}

static uint8_t *load(const char *path, size_t *size)
{
	uint8_t *f = NULL;
	if (de_read_file(path, DE_ENCLAVE_FILE_MAX, &f, size) != 0) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(2);
	}
	return f;
}

/* Flip each byte of [start, end) and require an error in `allowed` (bit per de_err). */
static void sweep(const char *what, uint8_t *f, size_t size, uint64_t start, uint64_t end,
                  uint8_t mask, unsigned allowed)
{
	unsigned seen = 0;
	int bad = 0;

	for (uint64_t i = start; i < end; i++) {
		struct de_diag diag;
		enum de_err err;

		f[i] ^= mask;
		err = verify(f, size, 0, 0, &diag);
		f[i] ^= mask;
		seen |= 1u << err;
		if (!((allowed >> err) & 1)) {
			if (bad++ < 3)
				fprintf(stderr, "  %s: byte 0x%llx ^ 0x%02x gave %s (%s)\n", what,
				        (unsigned long long)i, mask, de_err_name(err),
				        de_reason_text(diag.reason));
		}
	}
	CHECK(bad == 0, "%s [0x%llx, 0x%llx): %d flips gave an unexpected result", what,
	      (unsigned long long)start, (unsigned long long)end, bad);
	CHECK(end > start, "%s: empty range", what);
	printf("%-28s %6llu bytes flipped, results:%s%s%s%s\n", what,
	       (unsigned long long)(end - start),
	       (seen & (1u << DE_ERR_INVALID_ENCLAVE)) ? " ENCLAVE" : "",
	       (seen & (1u << DE_ERR_INVALID_METADATA)) ? " METADATA" : "",
	       (seen & (1u << DE_ERR_INVALID_SIGNATURE)) ? " SIGNATURE" : "",
	       (seen & (1u << DE_OK)) ? " OK(!)" : "");
}

#define E(x) (1u << (x))

static void byte_flips(uint8_t *f, size_t size)
{
	uint64_t hdr_end = enc.elf.phoff + (uint64_t)enc.elf.phnum * 56;
	uint64_t meta = enc.meta_offset;
	uint64_t layout = meta + enc.hdr.layout_offset;
	uint64_t css = meta + enc.hdr.sigstruct_offset;
	uint64_t meta_sh = enc.elf.shoff + (uint64_t)(enc.elf.shnum - 1) * 64;
	int code = 0, data = 0;

	for (uint32_t i = 0; i < enc.elf.nloads; i++) {
		const struct de_elf_load *l = &enc.elf.loads[i];
		uint64_t start = l->offset < hdr_end ? hdr_end : l->offset;
		uint64_t end = l->offset + l->filesz;
		const char *what = (l->perms & DE_PERM_X)   ? "code (R-X segment)"
		                   : (l->perms & DE_PERM_W) ? "data (RW- segment)"
		                                            : "read-only data (R-- segment)";

		code += (l->perms & DE_PERM_X) != 0;
		data += (l->perms & DE_PERM_W) != 0;
		if (start < end)
			sweep(what, f, size, start, end, 0xFF, E(DE_ERR_INVALID_ENCLAVE));
	}
	CHECK(code > 0 && data > 0, "the test enclave needs code and data segments");
	/* ELF and program headers: either the ELF no longer parses or it measures differently. */
	sweep("ELF + program headers", f, size, 0, hdr_end, 0xFF,
	      E(DE_ERR_INVALID_ENCLAVE) | E(DE_ERR_INVALID_METADATA));
	sweep("metadata header", f, size, meta, layout, 0xFF, E(DE_ERR_INVALID_METADATA));
	sweep("metadata header (bit 0)", f, size, meta, layout, 0x01,
	      E(DE_ERR_INVALID_METADATA) | E(DE_ERR_INVALID_ENCLAVE));
	sweep("layout table", f, size, layout, css, 0xFF, E(DE_ERR_INVALID_METADATA));
	sweep("layout table (bit 0)", f, size, layout, css, 0x01, E(DE_ERR_INVALID_METADATA));
	sweep("SIGSTRUCT", f, size, css, css + DE_SIGSTRUCT_SIZE, 0xFF,
	      E(DE_ERR_INVALID_SIGNATURE));
	sweep("SIGSTRUCT (bit 0)", f, size, css, css + DE_SIGSTRUCT_SIZE, 0x01,
	      E(DE_ERR_INVALID_SIGNATURE));
	sweep(".de_metadata section header", f, size, meta_sh, meta_sh + 64, 0xFF,
	      E(DE_ERR_INVALID_METADATA) | E(DE_ERR_INVALID_ENCLAVE));
}

/* Header fields that are well-formed for other values are covered by MRENCLAVE. */
static void measured_header_fields(uint8_t *f, size_t size)
{
	uint64_t meta = enc.meta_offset;
	struct de_diag diag;
	enum de_err err;

	f[meta + offsetof(struct de_meta_header, tcs_policy)] ^= 0x01;
	err = verify(f, size, 0, 0, &diag);
	f[meta + offsetof(struct de_meta_header, tcs_policy)] ^= 0x01;
	CHECK(err == DE_ERR_INVALID_ENCLAVE && diag.reason == DE_R_MEASUREMENT_MISMATCH,
	      "TCSPolicy flip: %s", de_err_name(err));

	uint64_t hm = meta + offsetof(struct de_meta_header, heap_min_size);
	uint8_t old = f[hm + 1];
	f[hm + 1] = 0; /* 0x1000 -> 0: still valid, but not what was signed */
	err = verify(f, size, 0, 0, &diag);
	f[hm + 1] = old;
	CHECK(err == DE_ERR_INVALID_ENCLAVE && diag.reason == DE_R_MEASUREMENT_MISMATCH,
	      "HeapMinSize change: %s", de_err_name(err));
}

static void sizes(uint8_t *f, size_t size)
{
	struct de_diag diag;
	int bad = 0;
	uint8_t *big;

	for (size_t len = 0; len < size; len += (len < 128 || len > size - 300) ? 1 : 37) {
		enum de_err err = verify(f, len, 0, 0, &diag);
		if (err == DE_OK || err == DE_ERR_INVALID_SIGNATURE || err == DE_ERR_NDEBUG_ENCLAVE)
			bad++;
	}
	CHECK(bad == 0, "%d truncated files were not refused as enclave/metadata errors", bad);

	big = calloc(1, size + 4096);
	memcpy(big, f, size);
	for (size_t extra = 1; extra <= 4096; extra *= 8) {
		enum de_err err = verify(big, size + extra, 0, 0, &diag);
		CHECK(err == DE_ERR_INVALID_ENCLAVE && diag.reason == DE_R_ELF_TRAILING_DATA,
		      "oversized by %zu: %s", extra, de_err_name(err));
	}
	free(big);
	/* Larger than an enclave file may be: refused before anything is read past the header. */
	CHECK(de_elf_parse(&enc.elf, f, DE_ENCLAVE_FILE_MAX + 1, &diag) == DE_ERR_INVALID_ENCLAVE &&
	          diag.reason == DE_R_FILE_TOO_LARGE,
	      "1 GiB + 1 file accepted");
	de_enclave_parse(&enc, f, size, 0, &diag); /* restore */
}

static void policy(uint8_t *f, size_t size, uint8_t *nd, size_t nd_size)
{
	struct de_diag diag;

	CHECK(verify(f, size, 0, 0, &diag) == DE_OK, "reference enclave does not verify: %s",
	      de_reason_text(diag.reason));
	CHECK(verify(f, size, 1, 0, &diag) == DE_OK, "debug launch of a debug-allowed enclave");
	CHECK(verify(nd, nd_size, 0, 0, &diag) == DE_OK,
	      "production launch of DisableDebug enclave");
	CHECK(verify(nd, nd_size, 1, 0, &diag) == DE_ERR_NDEBUG_ENCLAVE &&
	          diag.reason == DE_R_DEBUG_REFUSED,
	      "debug launch of a DisableDebug enclave was not refused with NDEBUG_ENCLAVE");
	CHECK(verify(f, size, 0, enc.hdr.enclave_size - 1, &diag) == DE_ERR_OUT_OF_EPC,
	      "enclave larger than the memory limit not refused with OUT_OF_EPC");
	CHECK(verify(f, size, 0, enc.hdr.enclave_size, &diag) == DE_OK,
	      "enclave exactly at the memory limit refused");
}

struct mutation {
	const char *what;
	uint64_t off;
	unsigned width;
	uint64_t value;
	enum de_reason reason;
};

static void put(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void elf_structure(uint8_t *f, size_t size, uint8_t *unsigned_file, size_t unsigned_size)
{
	uint64_t ph = enc.elf.phoff, load0 = 0, load_x = 0, load_w = 0;
	struct de_diag diag;
	uint8_t *copy = malloc(size);

	/* Find the program headers of the first, the executable and the writable PT_LOAD. */
	for (uint32_t i = 0, n = 0; i < enc.elf.phnum; i++) {
		uint64_t p = ph + (uint64_t)i * 56;
		uint32_t type, flags;
		memcpy(&type, f + p, 4);
		memcpy(&flags, f + p + 4, 4);
		if (type != 1)
			continue;
		if (n++ == 0)
			load0 = p;
		if (flags & 1)
			load_x = p;
		if (flags & 2)
			load_w = p;
	}
	uint64_t w_off;
	memcpy(&w_off, f + load_w + 8, 8);
	const struct mutation m[] = {
	    {"bad magic", 1, 1, 'X', DE_R_ELF_MAGIC},
	    {"32-bit class", 4, 1, 1, DE_R_ELF_CLASS},
	    {"big endian", 5, 1, 2, DE_R_ELF_CLASS},
	    {"ET_EXEC", 16, 2, 2, DE_R_ELF_TYPE},
	    {"not x86-64", 18, 2, 183, DE_R_ELF_MACHINE},
	    {"phentsize", 54, 2, 32, DE_R_ELF_PHDR_RANGE},
	    {"phoff outside file", 32, 8, size - 8, DE_R_ELF_PHDR_RANGE},
	    {"phoff overflow", 32, 8, UINT64_MAX - 8, DE_R_ELF_PHDR_RANGE},
	    {"no program headers", 56, 2, 0, DE_R_ELF_PHDR_RANGE},
	    {"PT_INTERP", load0, 4, 3, DE_R_ELF_INTERP},
	    {"W+X segment", load_x + 4, 4, 7, DE_R_ELF_WX},
	    {"filesz beyond file", load_w + 32, 8, size, DE_R_ELF_LOAD_RANGE},
	    {"filesz > memsz", load_w + 40, 8, 1, DE_R_ELF_LOAD_RANGE},
	    {"vaddr overflow", load_w + 16, 8, UINT64_MAX - 4095, DE_R_ELF_LOAD_RANGE},
	    {"offset not congruent", load_x + 8, 8, 0x1008, DE_R_ELF_LOAD_ALIGN},
	    /* Move the data segment onto page 0 (keeping it congruent with its offset). */
	    {"segments out of order", load_w + 16, 8, w_off & 0xFFF, DE_R_ELF_LOAD_ORDER},
	    {"entry outside code", 24, 8, 0, DE_R_ELF_ENTRY},
	    {"shoff outside file", 40, 8, size, DE_R_ELF_SHDR_RANGE},
	    {"shstrndx out of range", 62, 2, 0xfe00, DE_R_ELF_SHDR_RANGE},
	};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		struct de_enclave tmp;
		enum de_err err;

		memcpy(copy, f, size);
		put(copy + m[i].off, m[i].value, m[i].width);
		err = de_enclave_parse(&tmp, copy, size, 0, &diag);
		CHECK(err == DE_ERR_INVALID_ENCLAVE && diag.reason == m[i].reason,
		      "%s: got %s / %s", m[i].what, de_err_name(err), de_reason_text(diag.reason));
	}

	/* The unsigned input has no metadata. */
	{
		struct de_enclave tmp;
		enum de_err err = de_enclave_parse(&tmp, unsigned_file, unsigned_size, 0, &diag);
		CHECK(err == DE_ERR_INVALID_METADATA && diag.reason == DE_R_META_MISSING,
		      "unsigned enclave: %s", de_err_name(err));
	}
	/* The metadata section may not overlap a loaded segment. */
	{
		struct de_enclave tmp;
		uint64_t meta_sh = enc.elf.shoff + (uint64_t)(enc.elf.shnum - 1) * 64;
		enum de_err err;

		memcpy(copy, f, size);
		put(copy + meta_sh + 24, enc.elf.loads[0].offset, 8);
		put(copy + meta_sh + 32, enc.hdr.total_size, 8);
		err = de_enclave_parse(&tmp, copy, size, 0, &diag);
		CHECK(err == DE_ERR_INVALID_METADATA && diag.reason == DE_R_META_OVERLAP,
		      "metadata overlapping a segment: %s / %s", de_err_name(err),
		      de_reason_text(diag.reason));
	}
	free(copy);
}

int main(int argc, char **argv)
{
	uint8_t *f, *nd, *un;
	size_t size, nd_size, un_size;
	struct de_diag diag;

	if (argc != 4) {
		fprintf(stderr, "usage: %s SIGNED NODEBUG_SIGNED UNSIGNED\n", argv[0]);
		return 2;
	}
	f = load(argv[1], &size);
	nd = load(argv[2], &nd_size);
	un = load(argv[3], &un_size);
	if (de_enclave_parse(&enc, f, size, 0, &diag) != DE_OK) {
		fprintf(stderr, "reference enclave does not parse: %s\n",
		        de_reason_text(diag.reason));
		return 1;
	}
	policy(f, size, nd, nd_size);
	byte_flips(f, size);
	measured_header_fields(f, size);
	sizes(f, size);
	elf_structure(f, size, un, un_size);
	CHECK(verify(f, size, 0, 0, &diag) == DE_OK, "the reference was modified by the test");
	printf("%d passed, %d failed\n", passed, failed);
	free(f);
	free(nd);
	free(un);
	return failed ? 1 : 0;
}
