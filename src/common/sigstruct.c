/* SIGSTRUCT construction, the signed byte string and format checks. */
#include "de/enclave_meta.h"
#include "le.h"

static const uint8_t header_const[12] = DE_SS_HEADER_BYTES;
static const uint8_t header2_const[16] = DE_SS_HEADER2_BYTES;

void de_sigstruct_init(struct de_sigstruct *ss, const struct de_sigstruct_params *p)
{
	memset(ss, 0, sizeof(*ss));
	memcpy(ss->header, header_const, sizeof(header_const));
	memcpy(ss->header2, header2_const, sizeof(header2_const));
	ss->type = 0;
	ss->module_vendor = DE_SS_VENDOR_ISV;
	ss->date = p->date;
	ss->hw_version = 0;
	ss->exponent[0] = DE_RSA_EXPONENT;

	ss->misc_select = p->misc_select;
	ss->misc_mask = p->misc_mask;
	ss->attributes.flags = DE_ATTR_MODE64BIT;
	ss->attribute_mask.flags = ~DE_ATTR_DEBUG;
	if (p->disable_debug)
		ss->attribute_mask.flags |= DE_ATTR_DEBUG;
	ss->attributes.xfrm = DE_XFRM_LEGACY;
	ss->attribute_mask.xfrm = DE_XFRM_LEGACY | DE_XFRM_RESERVED;
	memcpy(ss->enclave_hash, p->enclave_hash, sizeof(ss->enclave_hash));
	ss->isv_prod_id = p->isv_prod_id;
	ss->isv_svn = p->isv_svn;
}

static uint32_t bcd(unsigned v, unsigned digits)
{
	uint32_t out = 0;
	for (unsigned i = 0; i < digits; i++) {
		out |= (uint32_t)(v % 10) << (4 * i);
		v /= 10;
	}
	return out;
}

uint32_t de_sigstruct_date_bcd(unsigned year, unsigned month, unsigned day)
{
	if (year > 9999 || month < 1 || month > 12 || day < 1 || day > 31)
		return 0;
	return bcd(year, 4) << 16 | bcd(month, 2) << 8 | bcd(day, 2);
}

/* Days since 1970-01-01 to civil date (proleptic Gregorian). */
void de_civil_from_unix(uint64_t t, unsigned *year, unsigned *month, unsigned *day)
{
	uint64_t z = t / 86400 + 719468;
	uint64_t era = z / 146097;
	uint64_t doe = z - era * 146097;
	uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	uint64_t mp = (5 * doy + 2) / 153;
	uint64_t d = doy - (153 * mp + 2) / 5 + 1;
	uint64_t m = mp < 10 ? mp + 3 : mp - 9;
	uint64_t y = yoe + era * 400 + (m <= 2);

	*year = (unsigned)y;
	*month = (unsigned)m;
	*day = (unsigned)d;
}

void de_sigstruct_signed_data(const struct de_sigstruct *ss, uint8_t out[DE_SIGNED_DATA_SIZE])
{
	const uint8_t *raw = (const uint8_t *)ss;
	memcpy(out, raw + DE_SS_OFF_HEADER, DE_SS_HEADER_SIZE);
	memcpy(out + DE_SS_HEADER_SIZE, raw + DE_SS_OFF_MISC_SELECT, DE_SS_BODY_SIZE);
}

void de_sigstruct_set_signed_data(struct de_sigstruct *ss, const uint8_t in[DE_SIGNED_DATA_SIZE])
{
	uint8_t *raw = (uint8_t *)ss;
	memcpy(raw + DE_SS_OFF_HEADER, in, DE_SS_HEADER_SIZE);
	memcpy(raw + DE_SS_OFF_MISC_SELECT, in + DE_SS_HEADER_SIZE, DE_SS_BODY_SIZE);
}

void de_bytes_reverse(uint8_t *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[n - 1 - i];
}

static enum de_err bad_sig(struct de_diag *diag, enum de_reason r, uint64_t where)
{
	if (diag) {
		diag->reason = r;
		diag->where = where;
	}
	return DE_ERR_INVALID_SIGNATURE;
}

enum de_err de_sigstruct_check(const struct de_sigstruct *ss, struct de_diag *diag)
{
	static const uint8_t exponent3[4] = {DE_RSA_EXPONENT, 0, 0, 0};

	if (memcmp(ss->header, header_const, sizeof(header_const)) != 0 ||
	    memcmp(ss->header2, header2_const, sizeof(header2_const)) != 0)
		return bad_sig(diag, DE_R_SS_HEADER, DE_SS_OFF_HEADER);
	if ((ss->type != 0 && ss->type != DE_SS_TYPE_DEBUG) ||
	    (ss->module_vendor != DE_SS_VENDOR_ISV && ss->module_vendor != DE_SS_VENDOR_INTEL) ||
	    ss->hw_version != 0)
		return bad_sig(diag, DE_R_SS_HEADER, DE_SS_OFF_TYPE);
	if (!de_is_zero(ss->reserved0, sizeof(ss->reserved0)))
		return bad_sig(diag, DE_R_SS_RESERVED, DE_SS_OFF_RESERVED0);
	if (!de_is_zero(ss->reserved1, sizeof(ss->reserved1)))
		return bad_sig(diag, DE_R_SS_RESERVED, DE_SS_OFF_RESERVED1);
	if (!de_is_zero(ss->reserved2, sizeof(ss->reserved2)))
		return bad_sig(diag, DE_R_SS_RESERVED, DE_SS_OFF_RESERVED2);
	if (!de_is_zero(ss->reserved3, sizeof(ss->reserved3)))
		return bad_sig(diag, DE_R_SS_RESERVED, DE_SS_OFF_RESERVED3);
	if (memcmp(ss->exponent, exponent3, sizeof(exponent3)) != 0)
		return bad_sig(diag, DE_R_SS_EXPONENT, DE_SS_OFF_EXPONENT);
	if ((ss->modulus[DE_RSA_KEY_BYTES - 1] & 0x80) == 0)
		return bad_sig(diag, DE_R_SS_MODULUS, DE_SS_OFF_MODULUS);
	if (!(ss->attributes.flags & DE_ATTR_MODE64BIT) ||
	    !(ss->attribute_mask.flags & DE_ATTR_MODE64BIT))
		return bad_sig(diag, DE_R_SS_ATTRIBUTES, DE_SS_OFF_ATTRIBUTES);
	if (!de_sigstruct_q_valid(ss))
		return bad_sig(diag, DE_R_SS_Q, DE_SS_OFF_Q1);
	return DE_OK;
}

enum de_err de_sigstruct_check_launch(const struct de_sigstruct *ss, int debug_launch,
                                      struct de_diag *diag)
{
	if (debug_launch && (ss->attribute_mask.flags & DE_ATTR_DEBUG) &&
	    !(ss->attributes.flags & DE_ATTR_DEBUG)) {
		if (diag) {
			diag->reason = DE_R_DEBUG_REFUSED;
			diag->where = DE_SS_OFF_ATTRIBUTE_MASK;
		}
		return DE_ERR_NDEBUG_ENCLAVE;
	}
	return DE_OK;
}
