/*
 * Full verification of a signed enclave with caller-provided crypto. The
 * steps and their errors are listed in de/measure.h.
 */
#include "de/measure.h"
#include "le.h"

enum de_err de_enclave_verify(struct de_enclave *enc, const uint8_t *file, uint64_t size,
                              uint64_t mem_limit, int debug_launch, const struct de_crypto *c,
                              uint8_t page[DE_PAGE_SIZE], struct de_verify_result *res,
                              struct de_diag *diag)
{
	uint8_t data[DE_SIGNED_DATA_SIZE];
	uint8_t modulus_be[DE_RSA_KEY_BYTES], sig_be[DE_RSA_KEY_BYTES];
	uint8_t mr[DE_SHA256_BYTES];
	const struct de_sigstruct *ss = &enc->sigstruct;
	enum de_err err;

	err = de_enclave_parse(enc, file, size, mem_limit, diag);
	if (err != DE_OK)
		return err;

	de_sigstruct_signed_data(ss, data);
	de_bytes_reverse(modulus_be, ss->modulus, DE_RSA_KEY_BYTES);
	de_bytes_reverse(sig_be, ss->signature, DE_RSA_KEY_BYTES);
	if (c->rsa->verify(c->rsa_ctx, modulus_be, DE_RSA_EXPONENT, data, sizeof(data), sig_be) !=
	    1) {
		if (diag) {
			diag->reason = DE_R_SS_RSA;
			diag->where =
			    enc->meta_offset + enc->hdr.sigstruct_offset + DE_SS_OFF_SIGNATURE;
		}
		return DE_ERR_INVALID_SIGNATURE;
	}

	err = de_sigstruct_check_launch(ss, debug_launch, diag);
	if (err != DE_OK)
		return err;

	err = de_measure_enclave(&enc->elf, &enc->hdr, c->sha256, c->sha256_ctx, page, mr);
	if (err != DE_OK || memcmp(mr, ss->enclave_hash, sizeof(mr)) != 0) {
		if (diag) {
			diag->reason = DE_R_MEASUREMENT_MISMATCH;
			diag->where = 0;
		}
		return DE_ERR_INVALID_ENCLAVE;
	}
	if (res) {
		memcpy(res->mrenclave, mr, sizeof(mr));
		de_mrsigner(ss, c->sha256, c->sha256_ctx, res->mrsigner);
	}
	return DE_OK;
}
