/* SPDX-License-Identifier: Apache-2.0 */
/* Validation of image.bin (untrusted file input). */
#ifndef DE_VMM_IMAGE_H
#define DE_VMM_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Checks that buf[0..len) is a complete, intact EVM image that fits in an EVM
 * of memory_mib MiB. Returns 0, or -1 with a reason in err.
 */
int image_check(const uint8_t *buf, size_t len, uint64_t memory_mib, char *err, size_t errlen);

/* Reads and checks an image file; on success *buf is malloc'd. */
int image_read(const char *path, uint64_t memory_mib, uint8_t **buf, size_t *len, char *err,
               size_t errlen);

#endif
