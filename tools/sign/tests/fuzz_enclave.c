/*
 * libFuzzer target for the shared ELF + .de_metadata parser and the page
 * iterator / measurement record builder (with a trivial stand-in hash: the
 * target is the parsing, not SHA-256).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "de/measure.h"

struct sum {
	uint64_t acc;
};

static void sum_init(void *c)
{
	((struct sum *)c)->acc = 0;
}

static void sum_update(void *c, const void *data, size_t len)
{
	const uint8_t *p = data;
	for (size_t i = 0; i < len; i++)
		((struct sum *)c)->acc = ((struct sum *)c)->acc * 31 + p[i];
}

static void sum_final(void *c, uint8_t out[DE_SHA256_BYTES])
{
	memset(out, 0, DE_SHA256_BYTES);
	memcpy(out, &((struct sum *)c)->acc, sizeof(uint64_t));
}

static const struct de_sha256_ops sum_ops = {sum_init, sum_update, sum_final};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct de_enclave enc;
	static uint8_t page[DE_PAGE_SIZE];
	struct de_diag diag;
	struct sum s;
	uint8_t mr[DE_SHA256_BYTES];
	uint64_t off, len;

	if (de_elf_parse(&enc.elf, data, size, &diag) == DE_OK)
		(void)de_elf_find_section(&enc.elf, DE_META_SECTION_NAME, &off, &len, NULL);
	if (de_enclave_parse(&enc, data, size, 0, &diag) != DE_OK)
		return 0;
	(void)de_measure_enclave(&enc.elf, &enc.hdr, &sum_ops, &s, page, mr);
	for (uint32_t i = 0; i < enc.hdr.layout_count; i++) {
		struct de_layout_entry e;
		de_enclave_layout_entry(&enc, i, &e);
	}
	return 0;
}
