/* Bounds-checked memory functions of the Intel SGX SDK's trusted C library
 * (mbusafecrt, C11 Annex K style), implemented by the DE trusted runtime.
 * musl has no Annex K, so enclave code gets them from here (sgx_trts.h
 * includes this header). They return 0 or an errno value. */
#ifndef _MBUSAFECRT_H_
#define _MBUSAFECRT_H_

#include <stddef.h>

#include "sgx_defs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Copies count bytes from src to dest (destsz bytes). count == 0: 0.
 * EINVAL when dest or src is NULL, ERANGE when count > destsz; on either
 * error with dest non-NULL, the destsz bytes of dest are zeroed. */
int SGX_CDECL memcpy_s(void *dest, size_t destsz, const void *src, size_t count);
/* As memcpy_s, but the areas may overlap. */
int SGX_CDECL memmove_s(void *dest, size_t destsz, const void *src, size_t count);
/* Sets n bytes of s (an object of smax bytes) to c; never optimised away.
 * EINVAL for a NULL s and E2BIG for smax > SIZE_MAX / 2 (nothing set);
 * E2BIG for n > SIZE_MAX / 2 and EOVERFLOW for n > smax (the smax bytes
 * are set). errno is set to the error too. */
int SGX_CDECL memset_s(void *s, size_t smax, int c, size_t n);

#ifdef __cplusplus
}
#endif

#endif
