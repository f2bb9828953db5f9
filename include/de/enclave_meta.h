/*
 * Signed enclave file: the ".de_metadata" ELF section and the errors of the
 * bounds-checked parser that reads it. Shared by the host signing tool and
 * the EVM manager; freestanding (no allocation, no libc beyond string.h).
 *
 * A signed enclave is a static-pie ELF64 x86-64 file whose section header
 * table names exactly one section ".de_metadata" (SHT_PROGBITS, not
 * SHF_ALLOC, outside every PT_LOAD). The section holds, in this order:
 *
 *   struct de_meta_header                      (DE_META_HEADER_SIZE bytes)
 *   struct de_layout_entry [layout_count]      (DE_LAYOUT_ENTRY_SIZE each)
 *   struct de_sigstruct                        (1808 bytes)
 *
 * All integers are little-endian. See docs/signing.md and docs/measurement.md.
 */
#ifndef DE_ENCLAVE_META_H
#define DE_ENCLAVE_META_H

#include <stddef.h>
#include <stdint.h>

#include "de/sigstruct.h"

#define DE_META_SECTION_NAME ".de_metadata"
#define DE_META_MAGIC        0x3161746d5f454400ull /* "\0DE_mta1" read as LE u64 */
#define DE_META_VERSION      1u
#define DE_META_HEADER_SIZE  128u
#define DE_LAYOUT_ENTRY_SIZE 32u

#define DE_PAGE_SIZE 4096u

/* Limits of this platform (checked by de_sign and by the loader). */
#define DE_TCS_MAX          1024u
#define DE_ENCLAVE_MAX_SIZE (1ull << 40) /* total virtual size of one enclave */
#define DE_ENCLAVE_FILE_MAX (1ull << 30) /* largest signed file accepted */
#define DE_ELF_MAX_PHDRS    64u
#define DE_ELF_MAX_LOADS    16u
#define DE_ELF_MAX_SHDRS    4096u
#define DE_SIZE_FIELD_MAX   0x1FFFFFFFFFull /* largest stack/heap size (SGX limit) */

/* Page permissions, used in layout entries and measurement records. */
#define DE_PERM_R 0x1u
#define DE_PERM_W 0x2u
#define DE_PERM_X 0x4u

/* TCS policy values (Enclave.config.xml TCSPolicy). */
#define DE_TCS_POLICY_BIND   0u
#define DE_TCS_POLICY_UNBIND 1u

struct de_meta_header {
	uint64_t magic;             /* DE_META_MAGIC */
	uint32_t version;           /* DE_META_VERSION */
	uint32_t header_size;       /* DE_META_HEADER_SIZE */
	uint32_t total_size;        /* header + layout + SIGSTRUCT == section size */
	uint32_t layout_offset;     /* == header_size */
	uint32_t layout_count;      /* == de_layout_count(tcs_num) */
	uint32_t layout_entry_size; /* DE_LAYOUT_ENTRY_SIZE */
	uint32_t sigstruct_offset;  /* == layout_offset + layout_count * entry size */
	uint32_t sigstruct_size;    /* DE_SIGSTRUCT_SIZE */
	uint64_t entry;             /* e_entry of the ELF */
	uint64_t image_size;        /* page-rounded end of the highest PT_LOAD */
	uint64_t enclave_size;      /* end of the last layout region */
	uint32_t tcs_num;
	uint32_t tcs_policy;
	uint64_t stack_max_size;
	uint64_t stack_min_size;
	uint64_t heap_max_size;
	uint64_t heap_init_size;
	uint64_t heap_min_size;
	uint8_t reserved[16]; /* must be zero */
};
_Static_assert(sizeof(struct de_meta_header) == DE_META_HEADER_SIZE, "metadata header size");

/* Reserved-region types, in the fixed order they appear in the layout. */
enum de_layout_type {
	DE_LAYOUT_GUARD = 1, /* unmapped page(s); any access faults */
	DE_LAYOUT_HEAP = 2,  /* RW, size = HeapMaxSize, commit = HeapInitSize */
	DE_LAYOUT_STACK = 3, /* RW, size = StackMaxSize, commit = StackMinSize, grows down */
	DE_LAYOUT_TCS = 4,   /* RW thread-control page (TCS + TLS pointer block) */
};

struct de_layout_entry {
	uint16_t type;   /* enum de_layout_type */
	uint16_t perms;  /* DE_PERM_* */
	uint32_t index;  /* thread index for per-TCS regions, 0 otherwise */
	uint64_t offset; /* enclave-relative, page aligned */
	uint64_t size;   /* bytes, page multiple, nonzero */
	uint64_t commit; /* bytes backed at load time, page multiple, <= size */
};
_Static_assert(sizeof(struct de_layout_entry) == DE_LAYOUT_ENTRY_SIZE, "layout entry size");

/* Configuration that determines the layout (from Enclave.config.xml). */
struct de_layout_params {
	uint32_t tcs_num;
	uint32_t tcs_policy;
	uint64_t stack_max_size;
	uint64_t stack_min_size;
	uint64_t heap_max_size;
	uint64_t heap_init_size;
	uint64_t heap_min_size;
};

/*
 * Errors. Each maps to exactly one SGX status code (de_err_to_sgx()).
 * The reason (enum de_reason) says what exactly was wrong.
 */
enum de_err {
	DE_OK = 0,
	DE_ERR_INVALID_ENCLAVE,   /* ELF malformed, or MRENCLAVE differs from the signed one */
	DE_ERR_INVALID_SIGNATURE, /* SIGSTRUCT malformed or RSA signature wrong */
	DE_ERR_INVALID_METADATA,  /* .de_metadata missing, malformed, or inconsistent */
	DE_ERR_NDEBUG_ENCLAVE,    /* production-signed enclave launched in debug mode */
	DE_ERR_OUT_OF_EPC,        /* enclave larger than the platform or the memory allowed */
};

/* SGX status codes, same values as the SGX SDK's sgx_error.h. */
#define DE_SGX_SUCCESS                 0x0000u
#define DE_SGX_ERROR_UNEXPECTED        0x0001u
#define DE_SGX_ERROR_INVALID_ENCLAVE   0x2001u
#define DE_SGX_ERROR_INVALID_SIGNATURE 0x2003u
#define DE_SGX_ERROR_NDEBUG_ENCLAVE    0x2004u
#define DE_SGX_ERROR_OUT_OF_EPC        0x2005u
#define DE_SGX_ERROR_INVALID_METADATA  0x2009u

/* The SGX status code of an error (1:1). */
uint32_t de_err_to_sgx(enum de_err err);

/* Name of an error, e.g. "SGX_ERROR_INVALID_METADATA". */
const char *de_err_name(enum de_err err);

/* Name of an SGX status code this code produces; "SGX_ERROR_UNEXPECTED" else. */
const char *de_sgx_name(uint32_t sgx);

enum de_reason {
	DE_R_NONE = 0,
	/* ELF (DE_ERR_INVALID_ENCLAVE) */
	DE_R_FILE_TOO_SMALL,
	DE_R_FILE_TOO_LARGE,
	DE_R_ELF_MAGIC,
	DE_R_ELF_CLASS,
	DE_R_ELF_TYPE,
	DE_R_ELF_MACHINE,
	DE_R_ELF_PHDR_RANGE,
	DE_R_ELF_INTERP,
	DE_R_ELF_NO_LOAD,
	DE_R_ELF_TOO_MANY_LOADS,
	DE_R_ELF_LOAD_RANGE,
	DE_R_ELF_LOAD_ALIGN,
	DE_R_ELF_LOAD_ORDER,
	DE_R_ELF_WX,
	DE_R_ELF_ENTRY,
	DE_R_ELF_SHDR_RANGE,
	DE_R_ELF_TRAILING_DATA,
	DE_R_MEASUREMENT_MISMATCH,
	/* metadata (DE_ERR_INVALID_METADATA) */
	DE_R_META_MISSING,
	DE_R_META_DUPLICATE,
	DE_R_META_SECTION,
	DE_R_META_OVERLAP,
	DE_R_META_MAGIC,
	DE_R_META_VERSION,
	DE_R_META_SIZES,
	DE_R_META_RESERVED,
	DE_R_META_PARAMS,
	DE_R_META_IMAGE,
	DE_R_META_LAYOUT,
	DE_R_ALREADY_SIGNED,
	/* SIGSTRUCT (DE_ERR_INVALID_SIGNATURE) */
	DE_R_SS_HEADER,
	DE_R_SS_RESERVED,
	DE_R_SS_EXPONENT,
	DE_R_SS_MODULUS,
	DE_R_SS_Q,
	DE_R_SS_RSA,
	DE_R_SS_ATTRIBUTES,
	/* policy */
	DE_R_DEBUG_REFUSED,
	DE_R_TOO_BIG,
	DE_R_COUNT
};

/* Structured detail for an error: what, and where (file offset or value). */
struct de_diag {
	enum de_reason reason;
	uint64_t where;
};

/* One sentence explaining a reason, with a remedy where there is one. */
const char *de_reason_text(enum de_reason reason);

/* ---- ELF view (no allocation: fixed-size arrays, pointers into the file) ---- */

struct de_elf_load {
	uint64_t offset; /* p_offset */
	uint64_t filesz;
	uint64_t vaddr;
	uint64_t memsz;
	uint32_t perms; /* DE_PERM_* */
};

struct de_elf {
	const uint8_t *file;
	uint64_t size;
	uint64_t entry;
	uint64_t phoff;
	uint32_t phnum;
	uint32_t nloads;
	struct de_elf_load loads[DE_ELF_MAX_LOADS]; /* ascending vaddr, disjoint pages */
	uint64_t image_size;                        /* page-rounded end of the last load */
	uint64_t shoff;                             /* 0 when there is no section table */
	uint32_t shnum;
	uint32_t shstrndx;
};

/*
 * Parse and check the ELF header, the program headers and (if present) the
 * section header table. Never reads outside [file, file + size).
 */
enum de_err de_elf_parse(struct de_elf *elf, const uint8_t *file, uint64_t size,
                         struct de_diag *diag);

/*
 * Find the section named `name`. Returns 1 and sets offset/size (checked to
 * lie in the file) when exactly one exists, 0 when none, -1 when more than
 * one or when a name or range is malformed.
 */
int de_elf_find_section(const struct de_elf *elf, const char *name, uint64_t *offset,
                        uint64_t *size, uint32_t *index);

/* ---- canonical layout ---- */

/* Number of layout entries for tcs_num threads: 2 + 4 * tcs_num. */
uint32_t de_layout_count(uint32_t tcs_num);

/*
 * Check the parameters against the platform limits and each other.
 * Returns DE_OK, DE_ERR_INVALID_METADATA (inconsistent) or DE_ERR_OUT_OF_EPC
 * (the resulting enclave would exceed DE_ENCLAVE_MAX_SIZE).
 */
enum de_err de_layout_check(const struct de_layout_params *p, uint64_t image_size,
                            uint64_t *enclave_size, struct de_diag *diag);

/* Entry i (< de_layout_count()) of the canonical layout; params must be checked. */
void de_layout_entry_at(const struct de_layout_params *p, uint64_t image_size, uint32_t i,
                        struct de_layout_entry *out);

/* ---- signed enclave ---- */

struct de_enclave {
	struct de_elf elf;
	uint64_t meta_offset; /* file offset of .de_metadata */
	uint64_t meta_size;
	struct de_meta_header hdr;
	struct de_layout_params params;
	struct de_sigstruct sigstruct;
};

/*
 * Parse a signed enclave file: ELF checks, metadata location and every
 * header, layout and SIGSTRUCT format check that needs no cryptography.
 * mem_limit: the largest enclave_size the caller can host (0 = platform max).
 */
enum de_err de_enclave_parse(struct de_enclave *enc, const uint8_t *file, uint64_t size,
                             uint64_t mem_limit, struct de_diag *diag);

/* Layout entry i of a parsed enclave (copied out of the file). */
void de_enclave_layout_entry(const struct de_enclave *enc, uint32_t i, struct de_layout_entry *out);

/* Format-only SIGSTRUCT checks: constants, reserved zero, exponent 3, q1/q2. */
enum de_err de_sigstruct_check(const struct de_sigstruct *ss, struct de_diag *diag);

/* Debug policy: refuse a debug launch when the signer disabled debug. */
enum de_err de_sigstruct_check_launch(const struct de_sigstruct *ss, int debug_launch,
                                      struct de_diag *diag);

/* Serialize the metadata header (for the signer); sets sizes from params. */
void de_meta_header_init(struct de_meta_header *h, const struct de_layout_params *p, uint64_t entry,
                         uint64_t image_size, uint64_t enclave_size);

#endif /* DE_ENCLAVE_META_H */
