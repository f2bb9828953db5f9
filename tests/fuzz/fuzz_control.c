/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer: control-socket requests and CPU lists, both untrusted text or
 * bytes, must never crash their parsers.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "control.h"
#include "cpus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	struct de_ctl_req req;
	(void)ctl_req_check(data, size, &req, err, sizeof(err));

	static bool set[CPUS_MAX];
	char text[256];
	size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;
	memcpy(text, data, n);
	text[n] = 0;
	(void)cpulist_parse(text, set, err, sizeof(err));
	return 0;
}
