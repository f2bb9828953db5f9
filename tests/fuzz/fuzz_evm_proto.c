/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer: EVM control protocol messages (de/evm_proto_codec.h), which
 * each side receives from the other. The input is one message, checked as
 * a request and as a reply or event: header check on every prefix length
 * the stream could deliver, then the decoders on the payload. A second pass
 * forces a good magic and version so that mutations reach the decoders.
 * Accepting a message whose decoded form disagrees with its bytes traps.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "de/evm_proto_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			__builtin_trap();                                                          \
	} while (0)

static void check_request(const struct de_msg_hdr *h, const uint8_t *pl, size_t len)
{
	union de_request r;
	struct de_msg_diag d;
	enum de_msg_status st = de_request_parse(h, pl, len, &r, &d);

	CHECK(st == de_request_decode(h, pl, len, NULL));
	if (st != DE_ST_OK) {
		CHECK(d.status == st && d.reason != DE_MSG_BAD_NONE &&
		      d.offset < DE_MSG_HDR_SIZE + len);
		return;
	}
	CHECK(len == h->len);
	/* What was decoded re-encodes to the same bytes. */
	switch (h->type) {
	case DE_MSG_LOAD_ENCLAVE:
		CHECK(len > sizeof(r.load.req) && r.load.image == pl + sizeof(r.load.req));
		CHECK(r.load.req.image_len == len - sizeof(r.load.req));
		CHECK(memcmp(&r.load.req, pl, sizeof(r.load.req)) == 0);
		break;
	case DE_MSG_ATTACH_WINDOW:
		CHECK(len == sizeof(r.window) && memcmp(&r.window, pl, len) == 0);
		CHECK(r.window.va + r.window.size <= DE_MSG_USER_TOP);
		CHECK(r.window.gpa + r.window.size > r.window.gpa);
		break;
	case DE_MSG_START:
	case DE_MSG_DESTROY:
		CHECK(len == sizeof(r.enclave) && memcmp(&r.enclave, pl, len) == 0);
		CHECK(r.enclave.id != 0);
		break;
	default:
		CHECK(len == 0);
		break;
	}
}

static void check_reply(const struct de_msg_hdr *h, const uint8_t *pl, size_t len)
{
	static union de_reply r;
	struct de_msg_diag d;
	enum de_msg_status st = de_reply_parse(h, pl, len, &r, &d);

	if (len == h->len)
		CHECK(st == de_reply_check(h, pl));
	if (st != DE_ST_OK) {
		CHECK(d.status == st && d.reason != DE_MSG_BAD_NONE &&
		      d.offset < DE_MSG_HDR_SIZE + len);
		return;
	}
	CHECK(len == h->len && len >= sizeof(struct de_reply_status));
	CHECK(memcmp(&r, pl, len) == 0);
	for (size_t i = len; i < sizeof(r); i++)
		CHECK(((const uint8_t *)&r)[i] == 0);
	if (h->type == DE_MSG_EVENT_ENCLAVE) {
		struct de_event_enclave ev;
		CHECK(de_event_decode(h, pl, &ev) == DE_ST_OK && ev.id != 0);
	} else {
		CHECK(r.status >= 0);
	}
	if (h->type == (DE_MSG_LIST | DE_MSG_REPLY))
		CHECK(r.list.head.count <= DE_MAX_ENCLAVES &&
		      len ==
		          sizeof(r.list.head) + r.list.head.count * sizeof(struct de_list_entry));
}

static void one(const uint8_t *data, size_t size)
{
	for (int dir = DE_DIR_REQUEST; dir <= DE_DIR_REPLY; dir++) {
		struct de_msg_hdr h;
		struct de_msg_diag d;
		enum de_hdr_verdict v = DE_HDR_MORE;

		/* A stream delivers the header a few bytes at a time. */
		for (size_t k = 0; k <= size && k <= DE_MSG_HDR_SIZE; k++) {
			v = de_msg_hdr_parse(data, k, dir, &h, &d);
			CHECK(v == DE_HDR_OK ? k == DE_MSG_HDR_SIZE : 1);
			CHECK(v == DE_HDR_MORE ? k < DE_MSG_HDR_SIZE : 1);
			if (v != DE_HDR_MORE)
				break;
		}
		if (v != DE_HDR_OK) {
			if (size >= DE_MSG_HDR_SIZE) {
				memcpy(&h, data, sizeof(h));
				CHECK(de_msg_hdr_check(&h, dir, NULL) != DE_ST_OK);
			}
			continue;
		}
		CHECK(memcmp(&h, data, sizeof(h)) == 0);
		CHECK(de_msg_hdr_check(&h, dir, NULL) == DE_ST_OK);
		/* The payload in a buffer of its exact size, so overreads show. */
		size_t have = size - DE_MSG_HDR_SIZE < h.len ? size - DE_MSG_HDR_SIZE : h.len;
		uint8_t *pl = malloc(have ? have : 1);
		if (!pl)
			return;
		memcpy(pl, data + DE_MSG_HDR_SIZE, have);
		if (dir == DE_DIR_REQUEST)
			check_request(&h, pl, have);
		else
			check_reply(&h, pl, have);
		free(pl);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(data, size);
	if (size >= DE_MSG_HDR_SIZE) {
		uint8_t *m = malloc(size);
		if (!m)
			return 0;
		memcpy(m, data, size);
		uint32_t magic = DE_MSG_MAGIC;
		uint16_t version = DE_MSG_VERSION;
		memcpy(m, &magic, sizeof(magic));
		memcpy(m + 4, &version, sizeof(version));
		one(m, size);
		free(m);
	}
	return 0;
}
