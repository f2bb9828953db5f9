/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the enclave.conf parser must never crash on any file. */
#include <stddef.h>
#include <stdint.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct de_config c;
	char err[512];
	config_defaults(&c);
	(void)config_parse_buffer((const char *)data, size, "fuzz.conf", &c, err, sizeof(err));
	return 0;
}
