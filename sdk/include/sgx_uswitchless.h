/* Switchless calls, SGX-compatible declarations (the Intel SGX SDK's
 * sgx_uswitchless.h).
 *
 * On DE Enclave every ECALL and OCALL is switchless: the enclave's threads
 * wait for calls in call slots of the shared window and the application's
 * threads serve OCALLs themselves, so there are no worker threads.
 * sgx_create_enclave_ex() with SGX_CREATE_ENCLAVE_EX_SWITCHLESS accepts this
 * configuration and uses retries_before_fallback (pause instructions a
 * caller spins before it yields the CPU) and retries_before_sleep (further
 * pauses' worth of time it yields before it starts to nap); 0 keeps the
 * default, and DE_SPIN_US in the environment overrides both. The pool
 * size, the worker counts and the callbacks are accepted and not used. */
#ifndef _SGX_USWITCHLESS_H_
#define _SGX_USWITCHLESS_H_

#include <stdint.h>

#include "sgx_defs.h"
#include "sgx_eid.h"
#include "sgx_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A worker is trusted (inside the enclave) or untrusted. */
typedef enum {
	SGX_USWITCHLESS_WORKER_TYPE_UNTRUSTED,
	SGX_USWITCHLESS_WORKER_TYPE_TRUSTED
} sgx_uswitchless_worker_type_t;

/* Worker events (never reported on DE Enclave: there are no workers). */
typedef enum {
	SGX_USWITCHLESS_WORKER_EVENT_START,
	SGX_USWITCHLESS_WORKER_EVENT_IDLE,
	SGX_USWITCHLESS_WORKER_EVENT_MISS,
	SGX_USWITCHLESS_WORKER_EVENT_EXIT,
	_SGX_USWITCHLESS_WORKER_EVENT_NUM,
} sgx_uswitchless_worker_event_t;

typedef struct {
	uint64_t processed;
	uint64_t missed;
} sgx_uswitchless_worker_stats_t;

typedef void (*sgx_uswitchless_worker_callback_t)(sgx_uswitchless_worker_type_t type,
                                                  sgx_uswitchless_worker_event_t event,
                                                  const sgx_uswitchless_worker_stats_t *stats);

#define SL_DEFAULT_FALLBACK_RETRIES 20000
#define SL_DEFAULT_SLEEP_RETRIES    20000
#define SL_DEFUALT_MAX_TASKS_QWORDS 1
#define SL_MAX_TASKS_MAX_QWORDS     8

typedef struct {
	uint32_t switchless_calls_pool_size_qwords;
	uint32_t num_uworkers;
	uint32_t num_tworkers;
	uint32_t retries_before_fallback;
	uint32_t retries_before_sleep;
	sgx_uswitchless_worker_callback_t callback_func[_SGX_USWITCHLESS_WORKER_EVENT_NUM];
} sgx_uswitchless_config_t;

#define SGX_USWITCHLESS_CONFIG_INITIALIZER                                                         \
	{                                                                                          \
		0, 1, 1, 0, 0,                                                                     \
		{                                                                                  \
			0                                                                          \
		}                                                                                  \
	}

/* The same as sgx_ecall() (sgx_edger8r.h): every call is switchless here. */
sgx_status_t SGX_CDECL sgx_ecall_switchless(const sgx_enclave_id_t eid, const int index,
                                            const void *ocall_table, void *ms);

#ifdef __cplusplus
}
#endif

#endif /* _SGX_USWITCHLESS_H_ */
