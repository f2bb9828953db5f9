/* The signing pipeline shared by the sign, gendata and catsig commands. */
#ifndef DE_SIGN_JOB_H
#define DE_SIGN_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "de/measure.h"

struct de_sign_job {
	uint8_t *out; /* the signed file being built */
	size_t out_size;
	uint64_t meta_offset;
	unsigned mode; /* permission bits of the input enclave */
	struct de_meta_header hdr;
	struct de_sigstruct ss; /* header and body filled; key part empty */
};

/*
 * SIGSTRUCT date: SOURCE_DATE_EPOCH (UTC) when set, else 1970-01-01, so that
 * signing is reproducible. Returns -1 (after a message) if the variable is bad.
 */
int de_sign_date(uint32_t *date);

/*
 * Read and check the unsigned enclave and the configuration (NULL: SGX
 * defaults), lay out the signed file, measure it and fill the SIGSTRUCT
 * header and body. Returns 0, or -1 after printing why.
 */
int de_job_prepare(struct de_sign_job *job, const char *enclave, const char *config, uint32_t date);

/*
 * Complete the SIGSTRUCT with the public modulus (little-endian) and the
 * signature (big-endian, as RSA/openssl produce it), compute q1/q2, store it
 * in the file, and verify the result with the host verifier.
 */
int de_job_finish(struct de_sign_job *job, const uint8_t modulus_le[DE_RSA_KEY_BYTES],
                  const uint8_t sig_be[DE_RSA_KEY_BYTES]);

void de_job_free(struct de_sign_job *job);

#endif /* DE_SIGN_JOB_H */
