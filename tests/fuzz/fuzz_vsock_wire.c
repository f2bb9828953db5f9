/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer: what a guest can put in a virtqueue (descriptor table and
 * avail ring) and what a host program can send as a CONNECT line. The
 * first bytes of the input become guest memory holding the rings.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "virtq.h"
#include "vsock_wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM 65536u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t port;
	(void)vsock_parse_connect((const char *)data, size, &port);

	static uint8_t ram[RAM];
	memset(ram, 0, sizeof(ram));
	memcpy(ram, data, size < RAM ? size : RAM);
	struct guest_mem m = {.host = ram, .size = RAM, .low = RAM};
	struct virtq q = {.size = 16, .desc_gpa = 0, .avail_gpa = 256, .used_gpa = 512};
	if (virtq_activate(&q, &m))
		return 0;
	struct virtq_chain c;
	uint8_t buf[128];
	for (int i = 0; i < 32; i++) {
		int r = virtq_pop(&q, &m, &c);
		if (r == 0)
			break;
		if (r > 0) {
			vsock_chain_read(&c, 0, buf, sizeof(buf));
			vsock_chain_write(&c, 3, buf, sizeof(buf));
		}
		virtq_push(&q, c.head, 0);
	}
	return 0;
}
