/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The manager's control service on its byte stream (src/evm/manager/control.c,
 * run on the host through tests/unit/mgr_control_harness.c): every request
 * gets exactly one reply, refused requests are skipped without losing the
 * stream, unusable frames close the connection, nothing is sent partially,
 * and kernel events go out before the next request is served.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mgr_control_harness.h"
#include "de/evm_proto.h"
#include "de/evm_proto_codec.h"

static uint8_t buf[1 << 20];

/* Appends one request (header + payload) at buf + *at. */
static void put(size_t *at, uint16_t type, uint32_t seq, const void *payload, uint32_t len)
{
	size_t n = de_msg_encode(buf + *at, sizeof(buf) - *at, type, seq, payload, len);
	assert_true(n > 0);
	*at += n;
}

static void put_raw_hdr(size_t *at, uint32_t magic, uint16_t version, uint16_t type, uint32_t len)
{
	struct de_msg_hdr h = {
	    .magic = magic, .version = version, .type = type, .len = len, .seq = 7};
	memcpy(buf + *at, &h, sizeof(h));
	*at += sizeof(h);
}

static int replies(uint16_t *t, int32_t *s)
{
	int n = harness_replies(t, s, 64);
	assert_true(n >= 0);
	return n;
}

static void ping_in_pieces(void **state)
{
	(void)state;
	harness_reset();
	size_t at = 0;
	put(&at, DE_MSG_PING, 1, NULL, 0);
	put(&at, DE_MSG_STATS, 2, NULL, 0);
	harness_feed(buf, at, 1); /* one byte at a time */
	uint16_t t[64];
	int32_t s[64];
	assert_int_equal(replies(t, s), 2);
	assert_int_equal(t[0], DE_MSG_PING | DE_MSG_REPLY);
	assert_int_equal(s[0], 0);
	assert_int_equal(t[1], DE_MSG_STATS | DE_MSG_REPLY);
	assert_false(H.closed);
}

/* A sound frame with a bad payload: an error, then the stream goes on. */
static void refused_then_next(void **state)
{
	(void)state;
	harness_reset();
	size_t at = 0;
	struct de_req_enclave bad = {.id = 0}; /* id 0 */
	put(&at, DE_MSG_START, 1, &bad, sizeof(bad));
	put_raw_hdr(&at, DE_MSG_MAGIC, DE_MSG_VERSION, 0x77, 100); /* unknown type */
	memset(buf + at, 0x41, 100);
	at += 100;
	put_raw_hdr(&at, DE_MSG_MAGIC, DE_MSG_VERSION, DE_MSG_PING, 8); /* PING takes none */
	memset(buf + at, 0, 8);
	at += 8;
	put_raw_hdr(&at, DE_MSG_MAGIC, DE_MSG_VERSION, DE_MSG_PING | DE_MSG_REPLY, 0); /* a reply */
	put(&at, DE_MSG_PING, 9, NULL, 0);
	harness_feed(buf, at, 13);
	uint16_t t[64];
	int32_t s[64];
	assert_int_equal(replies(t, s), 5);
	assert_int_equal(s[0], DE_ST_EINVAL);
	assert_int_equal(s[1], DE_ST_ENOSYS);
	assert_int_equal(s[2], DE_ST_EPROTO);
	assert_true(s[3] != 0);
	assert_int_equal(t[4], DE_MSG_PING | DE_MSG_REPLY);
	assert_int_equal(s[4], 0);
	assert_false(H.closed);
}

/* Frames that say nothing reliable about where the next starts close it. */
static void unusable_frames_close(void **state)
{
	(void)state;
	const struct {
		uint32_t magic;
		uint16_t version;
		uint32_t len;
	} cases[] = {
	    {0x12345678, DE_MSG_VERSION, 0},
	    {DE_MSG_MAGIC, DE_MSG_VERSION + 1, 0},
	    {DE_MSG_MAGIC, DE_MSG_VERSION, DE_MSG_MAX_LEN + 1},
	    {DE_MSG_MAGIC, DE_MSG_VERSION, 0xffffffffu},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		harness_reset();
		size_t at = 0;
		put_raw_hdr(&at, cases[i].magic, cases[i].version, DE_MSG_PING, cases[i].len);
		put(&at, DE_MSG_PING, 2, NULL, 0); /* never read */
		harness_feed(buf, at, 0);
		uint16_t t[64];
		int32_t s[64];
		assert_int_equal(replies(t, s), 1);
		assert_int_equal(s[0], DE_ST_EPROTO);
		assert_true(H.closed);
	}
	/* A new controller starts clean. */
	harness_reset();
	size_t at = 0;
	put(&at, DE_MSG_PING, 3, NULL, 0);
	harness_feed(buf, at, 0);
	uint16_t t[64];
	int32_t s[64];
	assert_int_equal(replies(t, s), 1);
	assert_int_equal(s[0], 0);
}

/* No memory for a large message: ENOMEM once, its payload skipped. */
static void no_memory(void **state)
{
	(void)state;
	harness_reset();
	H.fail_alloc = 1;
	size_t at = 0;
	static uint8_t load[sizeof(struct de_req_load) + 300000];
	struct de_req_load r = {.nr_threads = 1, .stack_size = 65536, .image_len = 300000};
	memcpy(r.name, "x", 2);
	memcpy(load, &r, sizeof(r));
	put(&at, DE_MSG_LOAD_ENCLAVE, 1, load, sizeof(load));
	put(&at, DE_MSG_PING, 2, NULL, 0);
	harness_feed(buf, at, 4096);
	uint16_t t[64];
	int32_t s[64];
	assert_int_equal(replies(t, s), 2);
	assert_int_equal(s[0], DE_ST_ENOMEM);
	assert_int_equal(t[1], DE_MSG_PING | DE_MSG_REPLY);
	assert_int_equal(H.loads, 0);
	assert_int_equal(H.alloc_pages, 0);
	/* With memory, the same LOAD works and its buffer is freed after. */
	harness_reset();
	at = 0;
	put(&at, DE_MSG_LOAD_ENCLAVE, 1, load, sizeof(load));
	harness_feed(buf, at, 65536);
	assert_int_equal(replies(t, s), 1);
	assert_int_equal(s[0], DE_ST_OK);
	assert_int_equal(H.loads, 1);
	assert_int_equal(H.alloc_pages, 0); /* the buffer went back */
}

/* An event waiting in the kernel's ring goes out before the next reply. */
static void events_first(void **state)
{
	(void)state;
	harness_reset();
	harness_post_exit(5, 3);
	size_t at = 0;
	put(&at, DE_MSG_PING, 1, NULL, 0);
	harness_feed(buf, at, 0);
	uint16_t t[64];
	int32_t s[64];
	assert_int_equal(replies(t, s), 2);
	assert_int_equal(t[0], DE_MSG_EVENT_ENCLAVE);
	assert_int_equal(t[1], DE_MSG_PING | DE_MSG_REPLY);
	/* No room for the event and a reply: the request waits, nothing is cut. */
	harness_reset();
	H.tx_space = 8192 + 10; /* less than the largest reply needs */
	harness_post_exit(6, 0);
	at = 0;
	put(&at, DE_MSG_PING, 1, NULL, 0);
	harness_feed(buf, at, 0);
	assert_int_equal(replies(t, s), 0);
	H.tx_space = 65536; /* the service read: room again; the request is still unread */
	harness_feed(buf, at, 0);
	assert_int_equal(replies(t, s), 2);
	assert_int_equal(t[0], DE_MSG_EVENT_ENCLAVE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ping_in_pieces),        cmocka_unit_test(refused_then_next),
	    cmocka_unit_test(unusable_frames_close), cmocka_unit_test(no_memory),
	    cmocka_unit_test(events_first),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
