/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: the manager's control service fed an arbitrary byte stream
 * (as a compromised host could send it), in arbitrary pieces, with memory
 * and send room that come and go. Whatever arrives, the manager must never
 * crash, must free what it allocates, and must only ever send whole, valid
 * messages. Input: byte 0 = piece size, byte 1 = flags, then the stream.
 */
#include <stdint.h>
#include <stdlib.h>

#include "mgr_control_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t chunk = data[0];
	uint8_t flags = data[1];
	harness_reset();
	H.fail_alloc = flags & 1;
	if (flags & 2)
		H.tx_space = 8192 + (flags >> 2) * 64; /* tight: events and replies must wait */
	if (flags & 0x80)
		harness_post_exit(3, 1);
	harness_feed(data + 2, size - 2, chunk);
	H.tx_space = 1u << 20; /* the host reads everything: what waited goes out */
	harness_feed(NULL, 0, 0);
	uint16_t types[64];
	int32_t statuses[64];
	if (harness_replies(types, statuses, 64) < 0)
		abort();
	return 0;
}
