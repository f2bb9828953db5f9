/*
 * BearSSL implementations of struct de_sha256_ops and struct de_rsa_ops:
 * what the EVM manager plugs into the shared verifier. Used here by the
 * host tests to prove both crypto back ends give the same results.
 */
#ifndef DE_SIGN_TEST_BEARSSL_CRYPTO_H
#define DE_SIGN_TEST_BEARSSL_CRYPTO_H

#include <bearssl.h>

#include "de/measure.h"

extern const struct de_sha256_ops de_br_sha256_ops; /* ctx: br_sha256_context */
extern const struct de_rsa_ops de_br_rsa_ops;       /* ctx: unused */

#endif
