/* Enclave identifier, as in the Intel SGX SDK. */
#ifndef _SGX_EID_H_
#define _SGX_EID_H_

#include <stdint.h>

typedef uint64_t sgx_enclave_id_t;

#endif
