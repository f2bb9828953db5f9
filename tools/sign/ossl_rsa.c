/* RSA-3072/e=3 signing, verification and q1/q2 computation with OpenSSL 3. */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include "ossl.h"

int de_rsa_sign(EVP_PKEY *key, const uint8_t *data, size_t len, uint8_t sig_be[DE_RSA_KEY_BYTES])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	size_t siglen = DE_RSA_KEY_BYTES;
	int ok = 0;

	if (md == NULL)
		goto out;
	if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1)
		goto out;
	if (EVP_DigestSign(md, sig_be, &siglen, data, len) != 1 || siglen != DE_RSA_KEY_BYTES)
		goto out;
	ok = 1;
out:
	EVP_MD_CTX_free(md);
	return ok;
}

static EVP_PKEY *public_key(const uint8_t modulus_be[DE_RSA_KEY_BYTES], uint32_t e)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *n = BN_bin2bn(modulus_be, DE_RSA_KEY_BYTES, NULL);
	BIGNUM *bn_e = BN_new();

	if (bld == NULL || n == NULL || bn_e == NULL || BN_set_word(bn_e, e) != 1)
		goto out;
	if (OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e) != 1)
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1)
		goto out;
	if (EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pkey = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(bn_e);
	return pkey;
}

static int rsa_verify(void *unused, const uint8_t modulus_be[DE_RSA_KEY_BYTES], uint32_t e,
                      const uint8_t *data, size_t len, const uint8_t sig_be[DE_RSA_KEY_BYTES])
{
	EVP_PKEY *key = public_key(modulus_be, e);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = 0;

	(void)unused;
	if (key == NULL || md == NULL)
		goto out;
	if (EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) != 1)
		goto out;
	ok = EVP_DigestVerify(md, sig_be, DE_RSA_KEY_BYTES, data, len) == 1;
out:
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	return ok;
}

const struct de_rsa_ops de_ossl_rsa_ops = {.verify = rsa_verify};

static int bn_to_le(const BIGNUM *v, uint8_t out[DE_RSA_KEY_BYTES])
{
	uint8_t be[DE_RSA_KEY_BYTES];
	if (BN_num_bytes(v) > (int)DE_RSA_KEY_BYTES ||
	    BN_bn2binpad(v, be, DE_RSA_KEY_BYTES) != (int)DE_RSA_KEY_BYTES)
		return 0;
	de_bytes_reverse(out, be, DE_RSA_KEY_BYTES);
	return 1;
}

int de_sigstruct_fill_q(struct de_sigstruct *ss)
{
	uint8_t be[DE_RSA_KEY_BYTES];
	BN_CTX *bctx = BN_CTX_new();
	BIGNUM *s, *m, *t, *r, *q1, *q2;
	int ok = 0;

	if (bctx == NULL)
		return 0;
	BN_CTX_start(bctx);
	s = BN_CTX_get(bctx);
	m = BN_CTX_get(bctx);
	t = BN_CTX_get(bctx);
	r = BN_CTX_get(bctx);
	q1 = BN_CTX_get(bctx);
	q2 = BN_CTX_get(bctx);
	if (q2 == NULL)
		goto out;
	de_bytes_reverse(be, ss->signature, DE_RSA_KEY_BYTES);
	if (BN_bin2bn(be, DE_RSA_KEY_BYTES, s) == NULL)
		goto out;
	de_bytes_reverse(be, ss->modulus, DE_RSA_KEY_BYTES);
	if (BN_bin2bn(be, DE_RSA_KEY_BYTES, m) == NULL || BN_is_zero(m))
		goto out;
	/* q1 = floor(s^2 / m), r = s^2 mod m; q2 = floor(s * r / m). */
	if (BN_sqr(t, s, bctx) != 1 || BN_div(q1, r, t, m, bctx) != 1)
		goto out;
	if (BN_mul(t, s, r, bctx) != 1 || BN_div(q2, NULL, t, m, bctx) != 1)
		goto out;
	ok = bn_to_le(q1, ss->q1) && bn_to_le(q2, ss->q2);
out:
	BN_CTX_end(bctx);
	BN_CTX_free(bctx);
	return ok;
}

enum de_err de_host_verify(const uint8_t *file, uint64_t size, uint64_t mem_limit, int debug_launch,
                           struct de_enclave *enc, struct de_verify_result *res,
                           struct de_diag *diag)
{
	uint8_t page[DE_PAGE_SIZE];
	struct de_ossl_sha256 sha;
	struct de_crypto c = {
	    .sha256 = &de_ossl_sha256_ops,
	    .sha256_ctx = &sha,
	    .rsa = &de_ossl_rsa_ops,
	    .rsa_ctx = NULL,
	};
	enum de_err err;

	if (!de_ossl_sha256_open(&sha)) {
		if (diag)
			*diag = (struct de_diag){DE_R_NONE, 0};
		return DE_ERR_INVALID_ENCLAVE;
	}
	err = de_enclave_verify(enc, file, size, mem_limit, debug_launch, &c, page, res, diag);
	if (err == DE_OK && sha.failed)
		err = DE_ERR_INVALID_ENCLAVE;
	de_ossl_sha256_close(&sha);
	return err;
}
