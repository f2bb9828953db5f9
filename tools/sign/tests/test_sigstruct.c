/*
 * Golden test of the SIGSTRUCT wire format: field offsets and sizes are
 * pinned to the SGX layout with literal numbers, and a SIGSTRUCT built by
 * de_sigstruct_init() is compared byte for byte with one assembled by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "de/enclave_meta.h"
#include "de/measure.h"
#include "de/sigstruct.h"

#define FIELD(f, off, size)                                                                        \
	do {                                                                                       \
		assert_int_equal(offsetof(struct de_sigstruct, f), (off));                         \
		assert_int_equal(sizeof(((struct de_sigstruct *)0)->f), (size));                   \
	} while (0)

static void offsets_and_sizes(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct de_sigstruct), 1808);
	FIELD(header, 0, 12);
	FIELD(type, 12, 4);
	FIELD(module_vendor, 16, 4);
	FIELD(date, 20, 4);
	FIELD(header2, 24, 16);
	FIELD(hw_version, 40, 4);
	FIELD(reserved0, 44, 84);
	FIELD(modulus, 128, 384);
	FIELD(exponent, 512, 4);
	FIELD(signature, 516, 384);
	FIELD(misc_select, 900, 4);
	FIELD(misc_mask, 904, 4);
	FIELD(reserved1, 908, 4);
	FIELD(isv_family_id, 912, 16);
	FIELD(attributes, 928, 16);
	FIELD(attribute_mask, 944, 16);
	FIELD(enclave_hash, 960, 32);
	FIELD(reserved2, 992, 16);
	FIELD(isvext_prod_id, 1008, 16);
	FIELD(isv_prod_id, 1024, 2);
	FIELD(isv_svn, 1026, 2);
	FIELD(reserved3, 1028, 12);
	FIELD(q1, 1040, 384);
	FIELD(q2, 1424, 384);
	/* The published offset macros agree with the literals above. */
	assert_int_equal(DE_SS_OFF_SIGNATURE, 516);
	assert_int_equal(DE_SS_OFF_MISC_SELECT, 900);
	assert_int_equal(DE_SS_OFF_ENCLAVE_HASH, 960);
	assert_int_equal(DE_SS_OFF_ISV_PROD_ID, 1024);
	assert_int_equal(DE_SS_OFF_Q2, 1424);
	/* Other wire formats. */
	assert_int_equal(sizeof(struct de_meta_header), 128);
	assert_int_equal(sizeof(struct de_layout_entry), 32);
	assert_int_equal(sizeof(struct de_measure_record), 64);
}

static void put(uint8_t *b, size_t off, uint64_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[off + i] = (uint8_t)(v >> (8 * i));
}

static void golden_bytes(void **state)
{
	static const uint8_t header[12] = {6, 0, 0, 0, 0xE1, 0, 0, 0, 0, 0, 1, 0};
	static const uint8_t header2[16] = {1, 1, 0, 0, 0x60, 0, 0, 0, 0x60, 0, 0, 0, 1, 0, 0, 0};
	struct de_sigstruct_params p = {
	    .date = 0x20231114,
	    .isv_prod_id = 0x1234,
	    .isv_svn = 0x0007,
	    .misc_select = 0x11,
	    .misc_mask = 0xFFFFFFFE,
	    .disable_debug = 0,
	};
	struct de_sigstruct ss;
	uint8_t want[1808], data[256];

	(void)state;
	for (int i = 0; i < 32; i++)
		p.enclave_hash[i] = (uint8_t)(0xA0 + i);
	de_sigstruct_init(&ss, &p);

	memset(want, 0, sizeof(want));
	memcpy(want, header, 12);
	put(want, 20, 0x20231114, 4);
	memcpy(want + 24, header2, 16);
	want[512] = 3; /* exponent */
	put(want, 900, 0x11, 4);
	put(want, 904, 0xFFFFFFFE, 4);
	put(want, 928, 0x4, 8);                   /* MODE64BIT */
	put(want, 936, 0x3, 8);                   /* xfrm LEGACY */
	put(want, 944, ~0x2ull, 8);               /* mask: all but DEBUG */
	put(want, 952, 0xFFFFFFFFFFF9FD03ull, 8); /* LEGACY | reserved xfrm bits */
	for (int i = 0; i < 32; i++)
		want[960 + i] = (uint8_t)(0xA0 + i);
	put(want, 1024, 0x1234, 2);
	put(want, 1026, 0x0007, 2);
	assert_memory_equal(&ss, want, sizeof(want));

	/* Signed data is header (0..127) followed by body (900..1027). */
	de_sigstruct_signed_data(&ss, data);
	assert_memory_equal(data, want, 128);
	assert_memory_equal(data + 128, want + 900, 128);

	/* DisableDebug: the attribute mask also covers DEBUG; attributes keep DEBUG clear. */
	p.disable_debug = 1;
	de_sigstruct_init(&ss, &p);
	assert_true(ss.attribute_mask.flags == ~0ull);
	assert_true((ss.attributes.flags & DE_ATTR_DEBUG) == 0);
	assert_int_equal(de_sigstruct_check_launch(&ss, 1, NULL), DE_ERR_NDEBUG_ENCLAVE);
	assert_int_equal(de_sigstruct_check_launch(&ss, 0, NULL), DE_OK);
	p.disable_debug = 0;
	de_sigstruct_init(&ss, &p);
	assert_int_equal(de_sigstruct_check_launch(&ss, 1, NULL), DE_OK);
}

static void dates(void **state)
{
	unsigned y, m, d;

	(void)state;
	de_civil_from_unix(0, &y, &m, &d);
	assert_int_equal(de_sigstruct_date_bcd(y, m, d), 0x19700101);
	de_civil_from_unix(1700000000, &y, &m, &d);
	assert_int_equal(de_sigstruct_date_bcd(y, m, d), 0x20231114);
	de_civil_from_unix(951782400, &y, &m, &d); /* leap day */
	assert_int_equal(de_sigstruct_date_bcd(y, m, d), 0x20000229);
	assert_int_equal(de_sigstruct_date_bcd(2024, 13, 1), 0);
}

static void sgx_codes(void **state)
{
	(void)state;
	assert_int_equal(de_err_to_sgx(DE_OK), 0x0000);
	assert_int_equal(de_err_to_sgx(DE_ERR_INVALID_ENCLAVE), 0x2001);
	assert_int_equal(de_err_to_sgx(DE_ERR_INVALID_SIGNATURE), 0x2003);
	assert_int_equal(de_err_to_sgx(DE_ERR_NDEBUG_ENCLAVE), 0x2004);
	assert_int_equal(de_err_to_sgx(DE_ERR_OUT_OF_EPC), 0x2005);
	assert_int_equal(de_err_to_sgx(DE_ERR_INVALID_METADATA), 0x2009);
	assert_string_equal(de_err_name(DE_ERR_INVALID_METADATA), "SGX_ERROR_INVALID_METADATA");
	for (int r = 0; r < DE_R_COUNT; r++)
		assert_string_not_equal(de_reason_text((enum de_reason)r), "unknown reason");
}

/* q1/q2 with s = m - 1: s^2 = (m - 2) m + 1, so q1 = m - 2, r1 = 1, q2 = 0. */
static void q_values(void **state)
{
	struct de_sigstruct ss;

	(void)state;
	memset(&ss, 0, sizeof(ss));
	for (size_t i = 0; i < DE_RSA_KEY_BYTES; i++)
		ss.modulus[i] = (uint8_t)(0x5B + i * 7);
	ss.modulus[DE_RSA_KEY_BYTES - 1] |= 0x80;
	memcpy(ss.signature, ss.modulus, DE_RSA_KEY_BYTES);
	ss.signature[0] -= 1; /* low byte 0x5B: no borrow */
	memcpy(ss.q1, ss.modulus, DE_RSA_KEY_BYTES);
	ss.q1[0] -= 2;
	assert_true(de_sigstruct_q_valid(&ss));
	ss.q1[0] -= 1;
	assert_false(de_sigstruct_q_valid(&ss));
	ss.q1[0] += 1;
	ss.q2[0] = 1;
	assert_false(de_sigstruct_q_valid(&ss));
	ss.q2[0] = 0;
	ss.q1[200] ^= 1;
	assert_false(de_sigstruct_q_valid(&ss));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(offsets_and_sizes),
	    cmocka_unit_test(golden_bytes),
	    cmocka_unit_test(dates),
	    cmocka_unit_test(sgx_codes),
	    cmocka_unit_test(q_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
