/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: image.bin validation must never crash on any file. */
#include <stddef.h>
#include <stdint.h>

#include "image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	(void)image_check(data, size, 64, err, sizeof(err));
	return 0;
}
