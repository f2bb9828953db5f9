/* The untrusted runtime (libde_urts, also installed as libsgx_urts): create,
 * call and destroy enclaves from an application, with the Intel SGX SDK's
 * names, types and status codes.
 *
 * On DE Enclave an enclave runs inside the Enclave VM that de_platform_service
 * owns. sgx_create_enclave() sends the signed enclave file to the service
 * over <runtime_dir>/control.sock (/run/de, or $DE_RUNTIME_DIR), shares a
 * window of memory with it (see de_window.h) and starts it; ECALLs and
 * OCALLs then pass through call slots in that window without system calls
 * (include/de/callslot.h). Every function here is thread-safe.
 *
 * Environment:
 *   DE_RUNTIME_DIR   the service's runtime directory (default /run/de)
 *   DE_WINDOW_SIZE   bytes of shared window per enclave (default 8 MiB;
 *                    1 MiB .. 16 GiB, suffixes K, M, G accepted)
 *   DE_SPIN_US       how long a waiting application thread spins before it
 *                    yields and then naps (default 200 microseconds) */
#ifndef _SGX_URTS_H_
#define _SGX_URTS_H_

#include <stddef.h>
#include <stdint.h>

#include "sgx_defs.h"
#include "sgx_eid.h"
#include "sgx_error.h"

#if defined(__has_include)
#if __has_include("sgx_attributes.h")
#include "sgx_attributes.h"
#define DE_URTS_HAVE_SGX_ATTRIBUTES_H 1
#endif
#endif

#ifndef DE_URTS_HAVE_SGX_ATTRIBUTES_H
#ifndef _SGX_ATTRIBUTES_H_
#define _SGX_ATTRIBUTES_H_
/* The subset of the SGX SDK's sgx_attributes.h that this API uses. */
#define SGX_FLAGS_INITTED        0x0000000000000001ULL /* the enclave is initialized */
#define SGX_FLAGS_DEBUG          0x0000000000000002ULL /* debug enclave */
#define SGX_FLAGS_MODE64BIT      0x0000000000000004ULL /* 64-bit enclave */
#define SGX_FLAGS_PROVISION_KEY  0x0000000000000010ULL /* may use the provisioning key */
#define SGX_FLAGS_EINITTOKEN_KEY 0x0000000000000020ULL /* may use the EINITTOKEN key */
#define SGX_FLAGS_KSS            0x0000000000000080ULL /* key separation and sharing */

typedef struct _attributes_t {
	uint64_t flags;
	uint64_t xfrm;
} sgx_attributes_t;

typedef uint32_t sgx_misc_select_t;

typedef struct _sgx_misc_attribute_t {
	sgx_attributes_t secs_attr;
	sgx_misc_select_t misc_select;
} sgx_misc_attribute_t;
#endif /* _SGX_ATTRIBUTES_H_ */
#endif

#define MAX_EX_FEATURES_COUNT 32

/* sgx_create_enclave_ex() features: bit i uses ex_features_p[i]. */
#define SGX_CREATE_ENCLAVE_EX_PCL_BIT_IDX        0
#define SGX_CREATE_ENCLAVE_EX_PCL                (1 << SGX_CREATE_ENCLAVE_EX_PCL_BIT_IDX)
#define SGX_CREATE_ENCLAVE_EX_SWITCHLESS_BIT_IDX 1
#define SGX_CREATE_ENCLAVE_EX_SWITCHLESS         (1 << SGX_CREATE_ENCLAVE_EX_SWITCHLESS_BIT_IDX)
#define SGX_CREATE_ENCLAVE_EX_KSS_BIT_IDX        2U
#define SGX_CREATE_ENCLAVE_EX_KSS                (1U << SGX_CREATE_ENCLAVE_EX_KSS_BIT_IDX)

#define _SGX_LAST_EX_FEATURE_IDX_ SGX_CREATE_ENCLAVE_EX_KSS_BIT_IDX
#define _SGX_EX_FEATURES_MASK_                                                                     \
	(((uint32_t)-1) >> (MAX_EX_FEATURES_COUNT - 1 - _SGX_LAST_EX_FEATURE_IDX_))

#ifdef __cplusplus
extern "C" {
#endif

/* Accepted for compatibility and ignored: DE Enclave has no launch tokens. */
typedef uint8_t sgx_launch_token_t[1024];

/* Convenient macro to be passed to sgx_create_enclave(). */
#if !defined(NDEBUG) || defined(EDEBUG)
#define SGX_DEBUG_FLAG 1
#else
#define SGX_DEBUG_FLAG 0
#endif

/*
 * Load, verify and start the signed enclave in file_name; *enclave_id
 * receives its id. debug: load it as a debug enclave (its output reaches
 * the EVM's debug console); refused with SGX_ERROR_NDEBUG_ENCLAVE when the
 * signer disabled debugging. launch_token and launch_token_updated may be
 * NULL; *launch_token_updated is set to 0. misc_attr, when not NULL,
 * receives the enclave's attributes (SECS flags and XFRM) and MISCSELECT.
 *
 * Returns SGX_SUCCESS, or e.g. SGX_ERROR_NO_DEVICE (the service cannot be
 * reached), SGX_ERROR_ENCLAVE_FILE_ACCESS, SGX_ERROR_INVALID_ENCLAVE,
 * SGX_ERROR_INVALID_SIGNATURE, SGX_ERROR_INVALID_METADATA,
 * SGX_ERROR_OUT_OF_EPC, SGX_ERROR_ENCLAVE_CRASHED; every failure is also
 * explained in one line on stderr.
 */
sgx_status_t SGX_CDECL sgx_create_enclave(const char *file_name, const int debug,
                                          sgx_launch_token_t *launch_token,
                                          int *launch_token_updated, sgx_enclave_id_t *enclave_id,
                                          sgx_misc_attribute_t *misc_attr);

/*
 * sgx_create_enclave() with extended features. SGX_CREATE_ENCLAVE_EX_SWITCHLESS
 * with ex_features_p[SGX_CREATE_ENCLAVE_EX_SWITCHLESS_BIT_IDX] pointing to a
 * sgx_uswitchless_config_t (sgx_uswitchless.h): every call is switchless on
 * DE Enclave; retries_before_fallback and retries_before_sleep set how long
 * a waiting application thread spins and then yields before it naps.
 * SGX_CREATE_ENCLAVE_EX_PCL and _KSS give SGX_ERROR_FEATURE_NOT_SUPPORTED,
 * other bits SGX_ERROR_INVALID_PARAMETER.
 */
sgx_status_t SGX_CDECL sgx_create_enclave_ex(
    const char *file_name, const int debug, sgx_launch_token_t *launch_token,
    int *launch_token_updated, sgx_enclave_id_t *enclave_id, sgx_misc_attribute_t *misc_attr,
    const uint32_t ex_features, const void *ex_features_p[32]);

/*
 * Destroy the enclave. Calls still in progress on other threads return
 * SGX_ERROR_ENCLAVE_LOST (an OCALL running in the application finishes
 * first); afterwards the id is invalid (SGX_ERROR_INVALID_ENCLAVE_ID).
 * Blocks from de_window_alloc() that were not freed stay valid, as
 * ordinary memory, until they are freed with de_window_free().
 * Refused with SGX_ERROR_INVALID_STATE from inside one of the enclave's
 * own OCALLs on the calling thread.
 */
sgx_status_t SGX_CDECL sgx_destroy_enclave(const sgx_enclave_id_t enclave_id);

#ifdef __cplusplus
}
#endif

#endif /* _SGX_URTS_H_ */
