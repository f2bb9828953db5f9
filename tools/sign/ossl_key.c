/* Loading and checking the signing key (RSA-3072, public exponent 3). */
#include <stdio.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/err.h>

#include "ossl.h"

#define KEY_HINT                                                                                   \
	"SGX enclave keys are RSA-3072 with public exponent 3; make one with:\n"                   \
	"    openssl genrsa -3 -out key.pem 3072\n"                                                \
	"and its public half (for catsig) with:\n"                                                 \
	"    openssl rsa -in key.pem -pubout -out key_pub.pem"

static EVP_PKEY *decode(const char *path, int selection)
{
	EVP_PKEY *pkey = NULL;
	OSSL_DECODER_CTX *dctx;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		return NULL;
	dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, "PEM", NULL, NULL, selection, NULL, NULL);
	if (dctx == NULL || OSSL_DECODER_from_fp(dctx, f) != 1) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	OSSL_DECODER_CTX_free(dctx);
	fclose(f);
	ERR_clear_error();
	return pkey;
}

EVP_PKEY *de_key_load(const char *path, int want_private, char *why, size_t why_len)
{
	EVP_PKEY *key;
	BIGNUM *e = NULL;
	FILE *probe = fopen(path, "rb");
	int bits;

	if (probe == NULL) {
		snprintf(why, why_len, "%s: cannot open the key file: %m", path);
		return NULL;
	}
	fclose(probe);

	key = decode(path, want_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY);
	if (key == NULL) {
		if (want_private && (key = decode(path, EVP_PKEY_PUBLIC_KEY)) != NULL) {
			EVP_PKEY_free(key);
			snprintf(
			    why, why_len,
			    "%s: this is a public key; \"sign\" needs the private key "
			    "(use gendata/catsig to sign with a key held elsewhere).\n" KEY_HINT,
			    path);
		} else if (!want_private && (key = decode(path, EVP_PKEY_KEYPAIR)) != NULL) {
			EVP_PKEY_free(key);
			snprintf(
			    why, why_len,
			    "%s: this is a private key; \"catsig\" takes the public key so that "
			    "the private key can stay on the signing machine or HSM.\n" KEY_HINT,
			    path);
		} else {
			snprintf(why, why_len, "%s: not a PEM %s key.\n" KEY_HINT, path,
			         want_private ? "private" : "public");
		}
		return NULL;
	}
	if (!EVP_PKEY_is_a(key, "RSA")) {
		snprintf(why, why_len, "%s: the key is %s, not RSA.\n" KEY_HINT, path,
		         EVP_PKEY_get0_type_name(key));
		goto bad;
	}
	bits = EVP_PKEY_get_bits(key);
	if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
		snprintf(why, why_len, "%s: cannot read the RSA public exponent.\n" KEY_HINT, path);
		goto bad;
	}
	if (bits != 3072 || !BN_is_word(e, DE_RSA_EXPONENT)) {
		char *dec = BN_bn2dec(e);
		snprintf(why, why_len, "%s: the key is RSA-%d with public exponent %s.\n" KEY_HINT,
		         path, bits, dec ? dec : "?");
		OPENSSL_free(dec);
		goto bad;
	}
	BN_free(e);
	return key;
bad:
	BN_free(e);
	EVP_PKEY_free(key);
	return NULL;
}

int de_key_modulus_le(EVP_PKEY *key, uint8_t out[DE_RSA_KEY_BYTES])
{
	uint8_t be[DE_RSA_KEY_BYTES];
	BIGNUM *n = NULL;
	int ok = 0;

	if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) != 1)
		return 0;
	if (BN_num_bytes(n) == (int)DE_RSA_KEY_BYTES &&
	    BN_bn2binpad(n, be, DE_RSA_KEY_BYTES) == (int)DE_RSA_KEY_BYTES) {
		de_bytes_reverse(out, be, DE_RSA_KEY_BYTES);
		ok = 1;
	}
	BN_free(n);
	return ok;
}
