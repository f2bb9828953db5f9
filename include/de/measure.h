/*
 * MRENCLAVE: the canonical measurement of an enclave (docs/measurement.md).
 *
 * MRENCLAVE = SHA-256 over a stream of 64-byte records:
 *
 *   CREATE                          once
 *   PAGE + 4096 content bytes       for every page of every PT_LOAD, ascending
 *   REGION                          for every layout entry, in layout order
 *
 * The hash is supplied by the caller through struct de_sha256_ops, so the
 * host (OpenSSL) and the EVM manager (BearSSL) run this same code.
 * Freestanding: no allocation, only <stdint.h>, <stddef.h>, <string.h>.
 */
#ifndef DE_MEASURE_H
#define DE_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#include "de/enclave_meta.h"

#define DE_MEASURE_VERSION     1u
#define DE_MEASURE_RECORD_SIZE 64u

/* Record tags (8 bytes, NUL padded). */
#define DE_MR_TAG_CREATE "DECREATE"
#define DE_MR_TAG_PAGE   "DEPAGE\0\0"
#define DE_MR_TAG_REGION "DEREGION"

struct de_measure_record {
	uint8_t tag[8];  /*  0 */
	uint64_t offset; /*  8 enclave-relative offset (CREATE: 0) */
	uint64_t size;   /* 16 bytes (PAGE: 4096, CREATE: enclave_size) */
	uint64_t commit; /* 24 REGION: committed bytes; CREATE: image_size */
	uint32_t perms;  /* 32 DE_PERM_* (CREATE: 0) */
	uint32_t type;   /* 36 REGION: enum de_layout_type; CREATE: DE_MEASURE_VERSION */
	uint32_t index;  /* 40 REGION: thread index; CREATE: tcs_num */
	uint32_t policy; /* 44 CREATE: tcs_policy; else 0 */
	uint64_t entry;  /* 48 CREATE: ELF entry offset; else 0 */
	uint64_t extra;  /* 56 CREATE: heap_min_size; else 0 */
};
_Static_assert(sizeof(struct de_measure_record) == DE_MEASURE_RECORD_SIZE, "record size");

/*
 * Caller-provided SHA-256. ctx is opaque to this code; the three functions
 * must behave like SHA-256 init / update / final on it.
 */
struct de_sha256_ops {
	void (*init)(void *ctx);
	void (*update)(void *ctx, const void *data, size_t len);
	void (*final)(void *ctx, uint8_t out[DE_SHA256_BYTES]);
};

/* Running measurement. Offsets must strictly increase page by page. */
struct de_measure {
	const struct de_sha256_ops *ops;
	void *hctx;
	uint64_t enclave_size;
	uint64_t image_size;
	uint64_t next_offset; /* lowest offset the next PAGE/REGION may use */
	uint32_t state;       /* 0 idle, 1 pages, 2 regions, 3 done, 4 failed */
};

/* Start: hashes the CREATE record built from the metadata header. */
void de_measure_start(struct de_measure *m, const struct de_sha256_ops *ops, void *hctx,
                      const struct de_meta_header *hdr);

/*
 * Add one image page at `offset` (page aligned, below image_size, above the
 * previous page) with permissions `perms` and 4096 bytes of `content`.
 * Returns DE_OK or DE_ERR_INVALID_ENCLAVE when called out of order.
 */
enum de_err de_measure_page(struct de_measure *m, uint64_t offset, uint32_t perms,
                            const uint8_t content[DE_PAGE_SIZE]);

/* Add one reserved region (after all pages, in layout order). */
enum de_err de_measure_region(struct de_measure *m, const struct de_layout_entry *e);

/* Finish and write MRENCLAVE. */
enum de_err de_measure_finish(struct de_measure *m, uint8_t mrenclave[DE_SHA256_BYTES]);

/*
 * Page iterator over the PT_LOAD segments of a parsed ELF: yields every page
 * the loader maps, in ascending order, with its permissions and contents
 * (file bytes at p_vaddr, zero elsewhere, including bss). The manager can
 * pass the destination page itself as `page` and so map and measure at once.
 */
struct de_page_iter {
	const struct de_elf *elf;
	uint32_t load;    /* current PT_LOAD index */
	uint64_t page_va; /* next page within it */
};

void de_page_iter_init(struct de_page_iter *it, const struct de_elf *elf);

/* Returns 1 and fills offset/perms/page, or 0 at the end. */
int de_page_iter_next(struct de_page_iter *it, uint64_t *offset, uint32_t *perms,
                      uint8_t page[DE_PAGE_SIZE]);

/*
 * Compute the MRENCLAVE of an ELF with the given (checked) metadata header;
 * the layout follows from the header's parameters. `page` is a
 * caller-provided 4096-byte scratch buffer.
 */
enum de_err de_measure_enclave(const struct de_elf *elf, const struct de_meta_header *hdr,
                               const struct de_sha256_ops *ops, void *hctx,
                               uint8_t page[DE_PAGE_SIZE], uint8_t mrenclave[DE_SHA256_BYTES]);

/*
 * Caller-provided RSA-3072 PKCS#1 v1.5 / SHA-256 verification: returns 1 when
 * `sig_be` (384 bytes, big-endian) is a valid signature of `data` under the
 * public key (modulus_be big-endian, exponent e).
 */
struct de_rsa_ops {
	int (*verify)(void *ctx, const uint8_t modulus_be[DE_RSA_KEY_BYTES], uint32_t e,
	              const uint8_t *data, size_t len, const uint8_t sig_be[DE_RSA_KEY_BYTES]);
};

struct de_crypto {
	const struct de_sha256_ops *sha256;
	void *sha256_ctx;
	const struct de_rsa_ops *rsa;
	void *rsa_ctx;
};

struct de_verify_result {
	uint8_t mrenclave[DE_SHA256_BYTES];
	uint8_t mrsigner[DE_SHA256_BYTES];
};

/*
 * Full verification of a signed enclave file, in this order:
 *   parse (INVALID_ENCLAVE / INVALID_METADATA / OUT_OF_EPC),
 *   SIGSTRUCT format and q1/q2 (INVALID_SIGNATURE),
 *   RSA signature over header||body (INVALID_SIGNATURE),
 *   debug policy (NDEBUG_ENCLAVE),
 *   MRENCLAVE recomputed == SIGSTRUCT enclave_hash (INVALID_ENCLAVE).
 * The manager does the same steps while it maps pages.
 */
enum de_err de_enclave_verify(struct de_enclave *enc, const uint8_t *file, uint64_t size,
                              uint64_t mem_limit, int debug_launch, const struct de_crypto *c,
                              uint8_t page[DE_PAGE_SIZE], struct de_verify_result *res,
                              struct de_diag *diag);

/* MRSIGNER = SHA-256 of the modulus as stored (384 bytes, little-endian). */
void de_mrsigner(const struct de_sigstruct *ss, const struct de_sha256_ops *ops, void *hctx,
                 uint8_t out[DE_SHA256_BYTES]);

#endif /* DE_MEASURE_H */
