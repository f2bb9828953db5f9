/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CPU-bound kernels de_bench runs twice: natively in the application and
 * inside the enclave. kernels.c is compiled once per side with the same
 * compiler and the same flags (bench/CMakeLists.txt) and uses nothing but
 * <stdint.h> and <stddef.h>, so both sides run the same instructions.
 */
#ifndef BENCH_KERNELS_H
#define BENCH_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#define KERN_SHA256_LEN 32u

/* The SHA-256 job: fills buf[0..len) with a fixed pattern, then hashes
 * `total` bytes as one message by feeding buf again and again (total a
 * multiple of len). The digest lets each side check the other's result. */
void kern_sha256_job(uint8_t *buf, size_t len, uint64_t total, uint8_t digest[KERN_SHA256_LEN]);

/* The numeric job: `iters` rounds of 64-bit integer and double arithmetic
 * (no library calls, no memory traffic); returns a checksum of the result. */
uint64_t kern_numeric_job(uint64_t iters);

/* SHA-256 of data[0..len) in one call: for the self-check against a known
 * answer. */
void kern_sha256(const uint8_t *data, size_t len, uint8_t digest[KERN_SHA256_LEN]);

#endif
