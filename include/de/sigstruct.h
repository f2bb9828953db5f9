/*
 * SIGSTRUCT: the enclave signature structure, byte-compatible with the Intel
 * SGX layout (1808 bytes, all integers little-endian, the RSA modulus,
 * signature, q1 and q2 stored least-significant byte first).
 *
 * Shared by the host signing tool and the EVM manager. Freestanding: only
 * <stdint.h> and <stddef.h>.
 */
#ifndef DE_SIGSTRUCT_H
#define DE_SIGSTRUCT_H

#include <stddef.h>
#include <stdint.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "de/sigstruct.h assumes a little-endian target (x86-64)"
#endif

#define DE_SIGSTRUCT_SIZE   1808u
#define DE_RSA_KEY_BYTES    384u /* RSA-3072 */
#define DE_RSA_EXPONENT     3u
#define DE_SHA256_BYTES     32u
#define DE_SIGNED_DATA_SIZE 256u /* header (128) || body (128) */

/* Field offsets inside the 1808-byte structure (pinned by a golden test). */
#define DE_SS_OFF_HEADER         0u
#define DE_SS_OFF_TYPE           12u
#define DE_SS_OFF_MODULE_VENDOR  16u
#define DE_SS_OFF_DATE           20u
#define DE_SS_OFF_HEADER2        24u
#define DE_SS_OFF_HW_VERSION     40u
#define DE_SS_OFF_RESERVED0      44u
#define DE_SS_OFF_MODULUS        128u
#define DE_SS_OFF_EXPONENT       512u
#define DE_SS_OFF_SIGNATURE      516u
#define DE_SS_OFF_MISC_SELECT    900u
#define DE_SS_OFF_MISC_MASK      904u
#define DE_SS_OFF_RESERVED1      908u
#define DE_SS_OFF_ISV_FAMILY_ID  912u
#define DE_SS_OFF_ATTRIBUTES     928u
#define DE_SS_OFF_ATTRIBUTE_MASK 944u
#define DE_SS_OFF_ENCLAVE_HASH   960u
#define DE_SS_OFF_RESERVED2      992u
#define DE_SS_OFF_ISVEXT_PROD_ID 1008u
#define DE_SS_OFF_ISV_PROD_ID    1024u
#define DE_SS_OFF_ISV_SVN        1026u
#define DE_SS_OFF_RESERVED3      1028u
#define DE_SS_OFF_Q1             1040u
#define DE_SS_OFF_Q2             1424u

#define DE_SS_HEADER_SIZE 128u
#define DE_SS_BODY_SIZE   128u

/* Constant header words required by the SGX format. */
#define DE_SS_HEADER_BYTES                                                                         \
	{                                                                                          \
		0x06, 0x00, 0x00, 0x00, 0xE1, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00             \
	}
#define DE_SS_HEADER2_BYTES                                                                        \
	{                                                                                          \
		0x01, 0x01, 0x00, 0x00, 0x60, 0x00, 0x00, 0x00, 0x60, 0x00, 0x00, 0x00, 0x01,      \
		    0x00, 0x00, 0x00                                                               \
	}

#define DE_SS_TYPE_DEBUG   0x80000000u /* header.type bit 31: signed as a debug enclave */
#define DE_SS_VENDOR_INTEL 0x8086u
#define DE_SS_VENDOR_ISV   0x0000u

/* SGX attribute flags (attributes.flags). */
#define DE_ATTR_INITTED      0x0000000000000001ull
#define DE_ATTR_DEBUG        0x0000000000000002ull
#define DE_ATTR_MODE64BIT    0x0000000000000004ull
#define DE_ATTR_PROVISIONKEY 0x0000000000000010ull
#define DE_ATTR_EINITTOKEN   0x0000000000000020ull
#define DE_ATTR_KSS          0x0000000000000080ull

/* XFRM (attributes.xfrm) feature bits. */
#define DE_XFRM_LEGACY 0x0000000000000003ull /* x87 + SSE */
#define DE_XFRM_AVX    0x0000000000000006ull
#define DE_XFRM_MPX    0x0000000000000018ull
#define DE_XFRM_AVX512 0x00000000000000E6ull
#define DE_XFRM_PKRU   0x0000000000000200ull
#define DE_XFRM_AMX    0x0000000000060000ull
#define DE_XFRM_KNOWN                                                                              \
	(DE_XFRM_LEGACY | DE_XFRM_AVX | DE_XFRM_MPX | DE_XFRM_AVX512 | DE_XFRM_PKRU | DE_XFRM_AMX)
#define DE_XFRM_RESERVED (~DE_XFRM_KNOWN)

struct de_attributes {
	uint64_t flags;
	uint64_t xfrm;
};

/*
 * The structure has no implicit padding: every field sits at its natural
 * alignment in the SGX layout. Files are read into it with memcpy.
 */
struct de_sigstruct {
	/* header: signed */
	uint8_t header[12];
	uint32_t type;
	uint32_t module_vendor;
	uint32_t date; /* BCD 0xYYYYMMDD */
	uint8_t header2[16];
	uint32_t hw_version;
	uint8_t reserved0[84];
	/* key: not signed */
	uint8_t modulus[DE_RSA_KEY_BYTES];   /* little-endian */
	uint8_t exponent[4];                 /* little-endian, must be 3 */
	uint8_t signature[DE_RSA_KEY_BYTES]; /* little-endian */
	/* body: signed */
	uint32_t misc_select;
	uint32_t misc_mask;
	uint8_t reserved1[4];
	uint8_t isv_family_id[16];
	struct de_attributes attributes;
	struct de_attributes attribute_mask;
	uint8_t enclave_hash[DE_SHA256_BYTES]; /* MRENCLAVE */
	uint8_t reserved2[16];
	uint8_t isvext_prod_id[16];
	uint16_t isv_prod_id;
	uint16_t isv_svn;
	/* buffer: not signed, checked */
	uint8_t reserved3[12];
	uint8_t q1[DE_RSA_KEY_BYTES]; /* little-endian */
	uint8_t q2[DE_RSA_KEY_BYTES]; /* little-endian */
};

_Static_assert(sizeof(struct de_sigstruct) == DE_SIGSTRUCT_SIZE, "SIGSTRUCT must be 1808 bytes");
_Static_assert(offsetof(struct de_sigstruct, modulus) == DE_SS_OFF_MODULUS, "modulus offset");
_Static_assert(offsetof(struct de_sigstruct, misc_select) == DE_SS_OFF_MISC_SELECT, "body offset");
_Static_assert(offsetof(struct de_sigstruct, attributes) == DE_SS_OFF_ATTRIBUTES, "attrs offset");
_Static_assert(offsetof(struct de_sigstruct, enclave_hash) == DE_SS_OFF_ENCLAVE_HASH,
               "hash offset");
_Static_assert(offsetof(struct de_sigstruct, isv_svn) == DE_SS_OFF_ISV_SVN, "svn offset");
_Static_assert(offsetof(struct de_sigstruct, q1) == DE_SS_OFF_Q1, "q1 offset");
_Static_assert(offsetof(struct de_sigstruct, q2) == DE_SS_OFF_Q2, "q2 offset");

/* What the signer chooses; everything else in the body follows from it. */
struct de_sigstruct_params {
	uint32_t date; /* BCD 0xYYYYMMDD, see de_sigstruct_date_bcd() */
	uint16_t isv_prod_id;
	uint16_t isv_svn;
	uint32_t misc_select;
	uint32_t misc_mask;
	int disable_debug; /* nonzero: attribute_mask enforces DEBUG = 0 */
	uint8_t enclave_hash[DE_SHA256_BYTES];
};

/*
 * Fill header and body from params (key, signature, q1 and q2 are zeroed).
 * Default attributes: flags = MODE64BIT, mask = ~DEBUG (debug launch allowed);
 * with disable_debug the mask also covers DEBUG, so a debug launch is refused.
 * xfrm = LEGACY, xfrm mask = LEGACY | reserved bits.
 */
void de_sigstruct_init(struct de_sigstruct *ss, const struct de_sigstruct_params *p);

/* Convert a civil date to the BCD value 0xYYYYMMDD. Returns 0 if out of range. */
uint32_t de_sigstruct_date_bcd(unsigned year, unsigned month, unsigned day);

/* Civil date (UTC) of a Unix time; used for SOURCE_DATE_EPOCH. */
void de_civil_from_unix(uint64_t t, unsigned *year, unsigned *month, unsigned *day);

/* The 256 signed bytes: header (128) followed by body (128). */
void de_sigstruct_signed_data(const struct de_sigstruct *ss, uint8_t out[DE_SIGNED_DATA_SIZE]);

/* Copy the header/body out of 256 signed bytes back into a SIGSTRUCT. */
void de_sigstruct_set_signed_data(struct de_sigstruct *ss, const uint8_t in[DE_SIGNED_DATA_SIZE]);

/* Reverse a byte string (big-endian <-> little-endian conversion for RSA values). */
void de_bytes_reverse(uint8_t *dst, const uint8_t *src, size_t n);

/*
 * Check that q1 = floor(s^2 / m) and q2 = floor((s^3 - q1*s*m) / m) for the
 * stored signature s and modulus m (all little-endian). Returns 1 when they
 * match, 0 otherwise. No allocation; about 5 KiB of stack.
 */
int de_sigstruct_q_valid(const struct de_sigstruct *ss);

#endif /* DE_SIGSTRUCT_H */
