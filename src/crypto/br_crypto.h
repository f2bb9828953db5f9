/*
 * BearSSL implementations of struct de_sha256_ops and struct de_rsa_ops:
 * what the EVM manager plugs into the shared verifier (src/common). The
 * de_sign tests use them too, to prove both crypto back ends agree.
 */
#ifndef DE_CRYPTO_BR_CRYPTO_H
#define DE_CRYPTO_BR_CRYPTO_H

#include <bearssl.h>

#include "de/measure.h"

extern const struct de_sha256_ops de_br_sha256_ops; /* ctx: br_sha256_context */
extern const struct de_rsa_ops de_br_rsa_ops;       /* ctx: unused */

#endif
