/* Trusted runtime functions (enclave side), SGX-compatible declarations.
 * Implemented by the DE trusted runtime. */
#ifndef _SGX_TRTS_H_
#define _SGX_TRTS_H_

#include <stddef.h>

#include "sgx_defs.h"
#include "sgx_error.h"
#include "sgx_lfence.h"
#include "mbusafecrt.h" /* memcpy_s, memmove_s, memset_s */

#ifdef __cplusplus
extern "C" {
#endif

/* 1 when [addr, addr+size) lies entirely inside the enclave's memory. */
int SGX_CDECL sgx_is_within_enclave(const void *addr, size_t size);
/* 1 when [addr, addr+size) lies entirely outside the enclave. On DE Enclave
 * this means: entirely inside the calling application's shared window. */
int SGX_CDECL sgx_is_outside_enclave(const void *addr, size_t size);
/* Allocate size bytes in the shared window for an OCALL's marshalling data;
 * freed all at once by sgx_ocfree(). NULL when the window is exhausted. */
void *SGX_CDECL sgx_ocalloc(size_t size);
/* Release everything sgx_ocalloc() returned for the current OCALL. */
void SGX_CDECL sgx_ocfree(void);
/* Fill buf with size random bytes. */
sgx_status_t SGX_CDECL sgx_read_rand(unsigned char *buf, size_t size);

/* DE extension: the trusted runtime's fatal stop. Sets the window's
 * `crashed` flag (once the window is known) and executes ud2, so that the
 * kernel ends the enclave and the application sees it as crashed. */
void SGX_CDECL de_trts_abort(void) __attribute__((noreturn));

#ifdef __cplusplus
}
#endif

#endif
