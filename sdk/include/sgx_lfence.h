/* Speculation barrier used by generated trusted bridges after pointer checks. */
#ifndef _SGX_LFENCE_H_
#define _SGX_LFENCE_H_

#if defined(__x86_64__) || defined(__i386__)
#define sgx_lfence() __asm__ __volatile__("lfence" ::: "memory")
#else
#define sgx_lfence() __asm__ __volatile__("" ::: "memory")
#endif

#endif
