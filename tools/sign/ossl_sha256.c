/* struct de_sha256_ops backed by OpenSSL's EVP SHA-256. */
#include "ossl.h"

static void sha_init(void *p)
{
	struct de_ossl_sha256 *c = p;
	if (EVP_DigestInit_ex(c->md, EVP_sha256(), NULL) != 1)
		c->failed = 1;
}

static void sha_update(void *p, const void *data, size_t len)
{
	struct de_ossl_sha256 *c = p;
	if (EVP_DigestUpdate(c->md, data, len) != 1)
		c->failed = 1;
}

static void sha_final(void *p, uint8_t out[DE_SHA256_BYTES])
{
	struct de_ossl_sha256 *c = p;
	unsigned int len = 0;
	if (EVP_DigestFinal_ex(c->md, out, &len) != 1 || len != DE_SHA256_BYTES)
		c->failed = 1;
}

const struct de_sha256_ops de_ossl_sha256_ops = {
    .init = sha_init,
    .update = sha_update,
    .final = sha_final,
};

int de_ossl_sha256_open(struct de_ossl_sha256 *ctx)
{
	ctx->failed = 0;
	ctx->md = EVP_MD_CTX_new();
	return ctx->md != NULL;
}

void de_ossl_sha256_close(struct de_ossl_sha256 *ctx)
{
	EVP_MD_CTX_free(ctx->md);
	ctx->md = NULL;
}
