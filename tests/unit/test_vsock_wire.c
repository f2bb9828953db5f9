/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Device-side parsing of guest input: descriptor chains (bounds, loops,
 * ordering) and the host CONNECT line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "virtq.h"
#include "vsock_wire.h"
#include "de/virtio.h"

static void connect_line(void **state)
{
	(void)state;
	uint32_t port = 0;
	static const struct {
		const char *s;
		int ok;
		uint32_t port;
	} cases[] = {
	    {"CONNECT 1\n", 1, 1},
	    {"CONNECT 0\n", 1, 0},
	    {"CONNECT 4294967295\n", 1, 4294967295u},
	    {"CONNECT 4294967296\n", 0, 0},
	    {"CONNECT 01\n", 0, 0},
	    {"CONNECT 1", 0, 0},
	    {"CONNECT \n", 0, 0},
	    {"CONNECT -1\n", 0, 0},
	    {"CONNECT +1\n", 0, 0},
	    {"CONNECT 1 \n", 0, 0},
	    {"connect 1\n", 0, 0},
	    {"CONNECT  1\n", 0, 0},
	    {"CONNECT 1\r\n", 0, 0},
	    {"CONNECT 99999999999\n", 0, 0},
	    {"", 0, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = vsock_parse_connect(cases[i].s, strlen(cases[i].s), &port);
		if ((rc == 0) != cases[i].ok)
			fail_msg("\"%s\": got %d", cases[i].s, rc);
		if (cases[i].ok)
			assert_int_equal(port, cases[i].port);
	}
}

#define RAM (1u << 20)

struct ring {
	struct guest_mem mem;
	struct virtq q;
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
};

static void ring_init(struct ring *r, uint16_t size)
{
	memset(r, 0, sizeof(*r));
	r->mem.host = calloc(1, RAM);
	r->mem.size = r->mem.low = RAM;
	r->q.size = size;
	r->q.desc_gpa = 0x1000;
	r->q.avail_gpa = 0x2000;
	r->q.used_gpa = 0x3000;
	assert_int_equal(virtq_activate(&r->q, &r->mem), 0);
	r->desc = (void *)(r->mem.host + 0x1000);
	r->avail = (void *)(r->mem.host + 0x2000);
	r->used = (void *)(r->mem.host + 0x3000);
}

static void offer(struct ring *r, uint16_t head)
{
	r->avail->ring[r->avail->idx % r->q.size] = head;
	r->avail->idx++;
}

static void chains(void **state)
{
	(void)state;
	struct ring r;
	struct virtq_chain c;
	ring_init(&r, 8);

	assert_int_equal(virtq_pop(&r.q, &r.mem, &c), 0); /* empty */

	/* Header split over two readable buffers, then a writable one. */
	memcpy(r.mem.host + 0x10000, "abc", 3);
	memcpy(r.mem.host + 0x20000, "defgh", 5);
	r.desc[0] = (struct virtq_desc){0x10000, 3, VIRTQ_DESC_F_NEXT, 1};
	r.desc[1] = (struct virtq_desc){0x20000, 5, VIRTQ_DESC_F_NEXT, 2};
	r.desc[2] = (struct virtq_desc){0x30000, 16, VIRTQ_DESC_F_WRITE, 0};
	offer(&r, 0);
	assert_int_equal(virtq_pop(&r.q, &r.mem, &c), 1);
	assert_int_equal(c.nr, 3);
	assert_int_equal(c.total_read, 8);
	assert_int_equal(c.total_write, 16);
	char buf[16] = {0};
	assert_int_equal(vsock_chain_read(&c, 2, buf, 10), 6);
	assert_memory_equal(buf, "cdefgh", 6);
	assert_int_equal(vsock_chain_write(&c, 0, "0123456789abcdefXYZ", 19), 16);
	assert_memory_equal(r.mem.host + 0x30000, "0123456789abcdef", 16);
	virtq_push(&r.q, c.head, 16);
	assert_int_equal(r.used->idx, 1);
	assert_int_equal(r.used->ring[0].len, 16);

	/* A loop is cut off. */
	r.desc[3] = (struct virtq_desc){0x10000, 1, VIRTQ_DESC_F_NEXT, 4};
	r.desc[4] = (struct virtq_desc){0x10000, 1, VIRTQ_DESC_F_NEXT, 3};
	offer(&r, 3);
	assert_int_equal(virtq_pop(&r.q, &r.mem, &c), -1);

	/* Buffers outside guest RAM, or wrapping around. */
	r.desc[5] = (struct virtq_desc){RAM - 4, 8, 0, 0};
	offer(&r, 5);
	assert_int_equal(virtq_pop(&r.q, &r.mem, &c), -1);
	r.desc[5] = (struct virtq_desc){UINT64_MAX - 2, 8, 0, 0};
	offer(&r, 5);
	assert_int_equal(virtq_pop(&r.q, &r.mem, &c), -1);

	/* Head or next index out of range. */
	offer(&r, 9);
	assert_int_equal(virtq_pop(&r.q, &r.mem, &c), -1);
	r.desc[6] = (struct virtq_desc){0x10000, 1, VIRTQ_DESC_F_NEXT, 200};
	offer(&r, 6);
	assert_int_equal(virtq_pop(&r.q, &r.mem, &c), -1);

	/* A readable buffer after a writable one breaks the ordering rule. */
	r.desc[6] = (struct virtq_desc){0x10000, 1, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 7};
	r.desc[7] = (struct virtq_desc){0x10000, 1, 0, 0};
	offer(&r, 6);
	assert_int_equal(virtq_pop(&r.q, &r.mem, &c), -1);
	free(r.mem.host);
}

static void activation(void **state)
{
	(void)state;
	struct ring r;
	ring_init(&r, 8);
	struct virtq q = r.q;
	q.size = 3; /* not a power of two */
	assert_int_equal(virtq_activate(&q, &r.mem), -1);
	q.size = 512; /* too large */
	assert_int_equal(virtq_activate(&q, &r.mem), -1);
	q.size = 8;
	q.used_gpa = RAM - 8; /* ring runs past RAM */
	assert_int_equal(virtq_activate(&q, &r.mem), -1);
	q.used_gpa = 0x3001; /* misaligned */
	assert_int_equal(virtq_activate(&q, &r.mem), -1);
	free(r.mem.host);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(connect_line),
	    cmocka_unit_test(chains),
	    cmocka_unit_test(activation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
