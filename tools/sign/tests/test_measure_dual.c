/*
 * The shared measurement and verifier, run with OpenSSL (de_sign's host
 * crypto) and with BearSSL (the EVM manager's crypto), must agree with each
 * other and with the MRENCLAVE that de_sign put into the SIGSTRUCT.
 * usage: test_measure_dual SIGNED_ENCLAVE...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "br_crypto.h"
#include "fileio.h"
#include "ossl.h"

static int failures;

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                       \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static void hex(const char *label, const uint8_t *a)
{
	printf("%s", label);
	for (int i = 0; i < 32; i++)
		printf("%02x", a[i]);
	printf("\n");
}

static void one(const char *path)
{
	static uint8_t page[DE_PAGE_SIZE];
	static struct de_enclave enc, enc2;
	struct de_ossl_sha256 ossl;
	br_sha256_context br;
	uint8_t mr_ossl[32], mr_br[32], signer_ossl[32], signer_br[32];
	struct de_verify_result res_br, res_ossl;
	struct de_diag diag;
	struct de_crypto bear = {&de_br_sha256_ops, &br, &de_br_rsa_ops, NULL};
	uint8_t *file = NULL;
	size_t size = 0;
	enum de_err err;

	if (de_read_file(path, DE_ENCLAVE_FILE_MAX, &file, &size) != 0) {
		failures++;
		return;
	}
	err = de_enclave_parse(&enc, file, size, 0, &diag);
	CHECK(err == DE_OK, "%s: parse: %s", path, de_reason_text(diag.reason));
	if (err != DE_OK)
		goto out;

	CHECK(de_ossl_sha256_open(&ossl), "EVP_MD_CTX_new");
	CHECK(de_measure_enclave(&enc.elf, &enc.hdr, &de_ossl_sha256_ops, &ossl, page, mr_ossl) ==
	          DE_OK,
	      "measure (OpenSSL)");
	CHECK(de_measure_enclave(&enc.elf, &enc.hdr, &de_br_sha256_ops, &br, page, mr_br) == DE_OK,
	      "measure (BearSSL)");
	CHECK(memcmp(mr_ossl, mr_br, 32) == 0, "%s: OpenSSL and BearSSL MRENCLAVE differ", path);
	CHECK(memcmp(mr_ossl, enc.sigstruct.enclave_hash, 32) == 0,
	      "%s: recomputed MRENCLAVE differs from the signed one", path);

	de_mrsigner(&enc.sigstruct, &de_ossl_sha256_ops, &ossl, signer_ossl);
	de_mrsigner(&enc.sigstruct, &de_br_sha256_ops, &br, signer_br);
	CHECK(memcmp(signer_ossl, signer_br, 32) == 0, "MRSIGNER differs");

	/* The whole verifier, once with each crypto back end. */
	err = de_enclave_verify(&enc2, file, size, 0, 0, &bear, page, &res_br, &diag);
	CHECK(err == DE_OK, "%s: verify (BearSSL): %s", path, de_reason_text(diag.reason));
	err = de_host_verify(file, size, 0, 0, &enc2, &res_ossl, &diag);
	CHECK(err == DE_OK, "%s: verify (OpenSSL): %s", path, de_reason_text(diag.reason));
	CHECK(memcmp(res_br.mrenclave, res_ossl.mrenclave, 32) == 0, "verify MRENCLAVE differs");
	CHECK(memcmp(res_br.mrsigner, res_ossl.mrsigner, 32) == 0, "verify MRSIGNER differs");

	/* A tampered signature is refused by both back ends alike. */
	file[enc.meta_offset + enc.hdr.sigstruct_offset + DE_SS_OFF_SIGNATURE + 100] ^= 0x40;
	err = de_enclave_verify(&enc2, file, size, 0, 0, &bear, page, NULL, &diag);
	CHECK(err == DE_ERR_INVALID_SIGNATURE, "BearSSL accepted a bad signature (%d)", err);
	err = de_host_verify(file, size, 0, 0, &enc2, NULL, &diag);
	CHECK(err == DE_ERR_INVALID_SIGNATURE, "OpenSSL accepted a bad signature (%d)", err);

	printf("%s\n", path);
	hex("  mrenclave (OpenSSL): ", mr_ossl);
	hex("  mrenclave (BearSSL): ", mr_br);
	hex("  mrsigner:            ", signer_ossl);
	de_ossl_sha256_close(&ossl);
out:
	free(file);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s SIGNED_ENCLAVE...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++)
		one(argv[i]);
	printf("%d passed, %d failed\n", failures ? 0 : argc - 1, failures);
	return failures ? 1 : 0;
}
