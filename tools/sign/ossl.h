/* OpenSSL 3 plumbing for de_sign: SHA-256 and RSA adapters, keys, q1/q2. */
#ifndef DE_SIGN_OSSL_H
#define DE_SIGN_OSSL_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "de/measure.h"

/* SHA-256 context for struct de_sha256_ops (EVP_MD_CTX inside). */
struct de_ossl_sha256 {
	EVP_MD_CTX *md;
	int failed;
};

extern const struct de_sha256_ops de_ossl_sha256_ops;
extern const struct de_rsa_ops de_ossl_rsa_ops;

int de_ossl_sha256_open(struct de_ossl_sha256 *ctx);
void de_ossl_sha256_close(struct de_ossl_sha256 *ctx);

/*
 * Load an RSA key from a PEM file. want_private: require a private key.
 * The key must be RSA-3072 with public exponent 3; otherwise NULL is returned
 * and `why` says what is wrong and how to make a suitable key.
 */
EVP_PKEY *de_key_load(const char *path, int want_private, char *why, size_t why_len);

/* Modulus of the key, little-endian, as stored in SIGSTRUCT. */
int de_key_modulus_le(EVP_PKEY *key, uint8_t out[DE_RSA_KEY_BYTES]);

/* RSA PKCS#1 v1.5 signature over SHA-256(data), big-endian (as openssl dgst). */
int de_rsa_sign(EVP_PKEY *key, const uint8_t *data, size_t len, uint8_t sig_be[DE_RSA_KEY_BYTES]);

/* Fill q1/q2 of a SIGSTRUCT whose modulus and signature are set. */
int de_sigstruct_fill_q(struct de_sigstruct *ss);

/* Full verification of a signed enclave file with OpenSSL (the host verifier). */
enum de_err de_host_verify(const uint8_t *file, uint64_t size, uint64_t mem_limit, int debug_launch,
                           struct de_enclave *enc, struct de_verify_result *res,
                           struct de_diag *diag);

#endif /* DE_SIGN_OSSL_H */
