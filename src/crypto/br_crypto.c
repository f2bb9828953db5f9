/* BearSSL SHA-256 and RSA PKCS#1 v1.5 verification for the shared verifier. */
#include <string.h>

#include "br_crypto.h"

static void sha_init(void *ctx)
{
	br_sha256_init(ctx);
}

static void sha_update(void *ctx, const void *data, size_t len)
{
	br_sha256_update(ctx, data, len);
}

static void sha_final(void *ctx, uint8_t out[DE_SHA256_BYTES])
{
	br_sha256_out(ctx, out);
}

const struct de_sha256_ops de_br_sha256_ops = {
    .init = sha_init,
    .update = sha_update,
    .final = sha_final,
};

static int rsa_verify(void *unused, const uint8_t modulus_be[DE_RSA_KEY_BYTES], uint32_t e,
                      const uint8_t *data, size_t len, const uint8_t sig_be[DE_RSA_KEY_BYTES])
{
	unsigned char n[DE_RSA_KEY_BYTES], ebuf[4], want[32], got[32];
	br_sha256_context sha;
	br_rsa_public_key pk;

	(void)unused;
	memcpy(n, modulus_be, sizeof(n));
	ebuf[0] = (unsigned char)(e >> 24);
	ebuf[1] = (unsigned char)(e >> 16);
	ebuf[2] = (unsigned char)(e >> 8);
	ebuf[3] = (unsigned char)e;
	pk.n = n;
	pk.nlen = sizeof(n);
	pk.e = ebuf;
	pk.elen = sizeof(ebuf);

	br_sha256_init(&sha);
	br_sha256_update(&sha, data, len);
	br_sha256_out(&sha, want);
	if (br_rsa_i31_pkcs1_vrfy(sig_be, DE_RSA_KEY_BYTES, BR_HASH_OID_SHA256, sizeof(got), &pk,
	                          got) != 1)
		return 0;
	return memcmp(want, got, sizeof(got)) == 0;
}

const struct de_rsa_ops de_br_rsa_ops = {.verify = rsa_verify};
