/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The EVM control protocol codec (de/evm_proto_codec.h): round trips of
 * every message, every truncation, framing errors, each invalid field on
 * its own, and a fixed-seed random sweep checked against an independent
 * oracle.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "de/evm_proto_codec.h"

#define HDR      DE_MSG_HDR_SIZE
#define IMG      40u
#define PL_MAX   (sizeof(struct de_reply_list) + DE_MAX_ENCLAVES * sizeof(struct de_list_entry))
#define MSG_MAX  (HDR + PL_MAX)
#define KiB      1024ull
#define MiB      (1024ull * KiB)
#define GiB      (1024ull * MiB)
#define REP(t)   ((uint16_t)((t) | DE_MSG_REPLY))
#define USER_TOP 0x0000800000000000ull

/* ---- valid messages --------------------------------------------------------------------- */

static struct de_req_load valid_load(void)
{
	struct de_req_load r = {.owner_pid = 4242,
	                        .flags = DE_LOAD_DEBUG,
	                        .nr_threads = 4,
	                        .heap_size = 1 * MiB,
	                        .stack_size = 256 * KiB,
	                        .image_len = IMG};
	memcpy(r.name, "hello-enclave", 13);
	return r;
}

static struct de_req_window valid_window(void)
{
	return (struct de_req_window){
	    .id = 1, .gpa = 0x100000000ull, .size = 2 * MiB, .va = 0x7f0000000000ull};
}

#define ENTRY ((uint64_t)sizeof(struct de_list_entry))

static struct de_list_entry valid_entry(uint32_t id)
{
	struct de_list_entry e = {.id = id,
	                          .state = 1 + id % 4,
	                          .owner_pid = 100 + id,
	                          .size = 4 * MiB,
	                          .threads = 1,
	                          .windows = 2};
	memcpy(e.name, "enc", 3);
	return e;
}

/* clang-format off */
enum {
	/* requests */
	V_PING, V_LOAD, V_WINDOW, V_START, V_DESTROY, V_LIST, V_STATS,
	/* replies and events */
	V_R_PING, V_R_LOAD, V_R_WINDOW, V_R_START, V_R_DESTROY, V_R_LIST0, V_R_LIST3, V_R_STATS,
	V_R_LOAD_ERR, V_R_LOAD_BARE, V_R_LIST_BARE, V_EV_EXIT, V_EV_CRASH,
	V_COUNT,
	V_FIRST_REPLY = V_R_PING,
};
/* clang-format on */

/* Payload, type and direction of valid message `which`; returns the payload length. */
static uint32_t valid_payload(int which, uint8_t *pl, uint16_t *type)
{
	memset(pl, 0, PL_MAX);
	switch (which) {
	case V_PING:
	case V_LIST:
	case V_STATS:
		*type = which == V_PING   ? DE_MSG_PING
		        : which == V_LIST ? DE_MSG_LIST
		                          : DE_MSG_STATS;
		return 0;
	case V_LOAD: {
		struct de_req_load r = valid_load();
		memcpy(pl, &r, sizeof(r));
		for (uint32_t i = 0; i < IMG; i++)
			pl[sizeof(r) + i] = (uint8_t)(0xA0 + i);
		*type = DE_MSG_LOAD_ENCLAVE;
		return sizeof(r) + IMG;
	}
	case V_WINDOW: {
		struct de_req_window w = valid_window();
		memcpy(pl, &w, sizeof(w));
		*type = DE_MSG_ATTACH_WINDOW;
		return sizeof(w);
	}
	case V_START:
	case V_DESTROY: {
		struct de_req_enclave e = {.id = 3, .arg = which == V_START ? 42 : 0};
		memcpy(pl, &e, sizeof(e));
		*type = which == V_START ? DE_MSG_START : DE_MSG_DESTROY;
		return sizeof(e);
	}
	case V_R_PING: {
		struct de_reply_ping r = {.version = DE_MSG_VERSION, .uptime_ns = 123456789};
		memcpy(pl, &r, sizeof(r));
		*type = REP(DE_MSG_PING);
		return sizeof(r);
	}
	case V_R_LOAD:
	case V_R_LOAD_ERR: {
		struct de_reply_load r = {.id = 5, .base = 0x10000, .size = 8 * MiB};
		if (which == V_R_LOAD_ERR)
			r = (struct de_reply_load){.status = DE_ST_ENOEXEC};
		memcpy(pl, &r, sizeof(r));
		*type = REP(DE_MSG_LOAD_ENCLAVE);
		return sizeof(r);
	}
	case V_R_WINDOW:
	case V_R_START:
	case V_R_DESTROY: {
		struct de_reply_status r = {.status = which == V_R_START ? DE_ST_EBUSY : 0};
		memcpy(pl, &r, sizeof(r));
		*type = REP(which == V_R_WINDOW  ? DE_MSG_ATTACH_WINDOW
		            : which == V_R_START ? DE_MSG_START
		                                 : DE_MSG_DESTROY);
		return sizeof(r);
	}
	case V_R_LIST0:
	case V_R_LIST3: {
		struct de_reply_list h = {.count = which == V_R_LIST3 ? 3 : 0};
		memcpy(pl, &h, sizeof(h));
		for (uint32_t i = 0; i < h.count; i++) {
			struct de_list_entry e = valid_entry(i + 1);
			memcpy(pl + sizeof(h) + i * sizeof(e), &e, sizeof(e));
		}
		*type = REP(DE_MSG_LIST);
		return (uint32_t)(sizeof(h) + h.count * sizeof(struct de_list_entry));
	}
	case V_R_STATS: {
		struct de_reply_stats r = {.enclaves = 2,
		                           .free_pages = 1000,
		                           .total_pages = 4096,
		                           .loads = 3,
		                           .destroys = 1,
		                           .faults = 1};
		memcpy(pl, &r, sizeof(r));
		*type = REP(DE_MSG_STATS);
		return sizeof(r);
	}
	case V_R_LOAD_BARE:
	case V_R_LIST_BARE: {
		struct de_reply_status r = {.status = DE_ST_EINVAL};
		memcpy(pl, &r, sizeof(r));
		*type = REP(which == V_R_LOAD_BARE ? DE_MSG_LOAD_ENCLAVE : DE_MSG_LIST);
		return sizeof(r);
	}
	case V_EV_EXIT:
	case V_EV_CRASH: {
		struct de_event_enclave ev = {.id = 2, .state = DE_ENC_EXITED, .exit_code = -1};
		if (which == V_EV_CRASH)
			ev = (struct de_event_enclave){.id = 2,
			                               .state = DE_ENC_CRASHED,
			                               .vector = 14,
			                               .error = 6,
			                               .rip = 0x401000,
			                               .addr = 0xdead000};
		memcpy(pl, &ev, sizeof(ev));
		*type = DE_MSG_EVENT_ENCLAVE;
		return sizeof(ev);
	}
	}
	fail_msg("no valid message %d", which);
	return 0;
}

static enum de_msg_dir dir_of(int which)
{
	return which >= V_FIRST_REPLY ? DE_DIR_REPLY : DE_DIR_REQUEST;
}

/* Encodes valid message `which` into msg (MSG_MAX bytes); returns its size. */
static size_t valid_msg(int which, uint8_t *msg)
{
	uint8_t pl[PL_MAX];
	uint16_t type;
	uint32_t len = valid_payload(which, pl, &type);
	uint32_t seq = type == DE_MSG_EVENT_ENCLAVE ? 0 : 77;
	size_t n = de_msg_encode(msg, MSG_MAX, type, seq, pl, len);
	assert_int_equal(n, HDR + len);
	return n;
}

/* ---- an independent oracle for what the decoders accept ------------------------------------ */

static int name_fine(const char *s)
{
	size_t i = 0;
	while (i < DE_ENCLAVE_NAME && s[i] >= ' ' && s[i] <= '~')
		i++;
	if (i == DE_ENCLAVE_NAME || s[i] != 0)
		return 0;
	while (i < DE_ENCLAVE_NAME)
		if (s[i++] != 0)
			return 0;
	return 1;
}

/* 1 when an accepted request's decoded form is consistent with its bytes. */
static int request_consistent(const struct de_msg_hdr *h, const uint8_t *pl,
                              const union de_request *r)
{
	switch (h->type) {
	case DE_MSG_PING:
	case DE_MSG_LIST:
	case DE_MSG_STATS:
		return h->len == 0;
	case DE_MSG_LOAD_ENCLAVE: {
		const struct de_req_load *l = &r->load.req;
		return h->len > sizeof(*l) && memcmp(l, pl, sizeof(*l)) == 0 &&
		       r->load.image == pl + sizeof(*l) && l->image_len == h->len - sizeof(*l) &&
		       l->nr_threads >= 1 && l->nr_threads <= 64 && l->flags <= 1 &&
		       l->heap_size % 4096 == 0 && l->heap_size <= GiB && l->stack_size != 0 &&
		       l->stack_size % 4096 == 0 && l->stack_size <= 64 * MiB && name_fine(l->name);
	}
	case DE_MSG_ATTACH_WINDOW: {
		const struct de_req_window *w = &r->window;
		return h->len == sizeof(*w) && memcmp(w, pl, sizeof(*w)) == 0 && w->id != 0 &&
		       w->reserved == 0 && w->size != 0 && w->size % 4096 == 0 &&
		       w->gpa % 4096 == 0 && w->va % 4096 == 0 && w->gpa + w->size > w->gpa &&
		       w->va < USER_TOP && w->size <= USER_TOP - w->va;
	}
	case DE_MSG_START:
	case DE_MSG_DESTROY: {
		const struct de_req_enclave *e = &r->enclave;
		return h->len == sizeof(*e) && memcmp(e, pl, sizeof(*e)) == 0 && e->id != 0 &&
		       e->reserved == 0 && (h->type == DE_MSG_START || e->arg == 0);
	}
	}
	return 0;
}

static size_t full_reply_len(uint16_t type)
{
	switch (type) {
	case REP(DE_MSG_PING):
		return sizeof(struct de_reply_ping);
	case REP(DE_MSG_LOAD_ENCLAVE):
		return sizeof(struct de_reply_load);
	case REP(DE_MSG_STATS):
		return sizeof(struct de_reply_stats);
	case DE_MSG_EVENT_ENCLAVE:
		return sizeof(struct de_event_enclave);
	}
	return sizeof(struct de_reply_status);
}

static int reply_consistent(const struct de_msg_hdr *h, const uint8_t *pl, const union de_reply *r)
{
	const uint8_t *raw = (const uint8_t *)r;
	for (size_t i = h->len; i < sizeof(*r); i++)
		if (raw[i] != 0)
			return 0;
	if (memcmp(r, pl, h->len) != 0)
		return 0;
	if (h->type == DE_MSG_EVENT_ENCLAVE)
		return h->len == sizeof(r->event) && h->seq == 0 && r->event.id != 0 &&
		       (r->event.state == DE_ENC_EXITED || r->event.state == DE_ENC_CRASHED) &&
		       r->event.reserved == 0;
	if (r->status < 0)
		return 0;
	if (h->type == REP(DE_MSG_LIST)) {
		const struct de_list_msg *l = &r->list;
		if (l->head.count > 64 || h->len != 8 + ENTRY * l->head.count ||
		    (l->head.status != 0 && l->head.count != 0))
			return 0;
		for (uint32_t i = 0; i < l->head.count; i++)
			if (!l->entries[i].id || l->entries[i].state < 1 ||
			    l->entries[i].state > 4 || !name_fine(l->entries[i].name) ||
			    l->entries[i].reserved || l->entries[i].fault_vector > 255)
				return 0;
		return 1;
	}
	if (h->len != full_reply_len(h->type))
		return h->len == 8 && r->status != 0 && r->simple.reserved == 0;
	switch (h->type) {
	case REP(DE_MSG_LOAD_ENCLAVE):
		return r->status != 0 || r->load.id != 0;
	case REP(DE_MSG_STATS):
		return r->status != 0 ||
		       (r->stats.enclaves <= 64 && r->stats.free_pages <= r->stats.total_pages);
	case REP(DE_MSG_PING):
		return 1;
	case REP(DE_MSG_ATTACH_WINDOW):
	case REP(DE_MSG_START):
	case REP(DE_MSG_DESTROY):
		return r->simple.reserved == 0;
	}
	return 0;
}

static int is_framing(enum de_msg_reason r)
{
	return r >= DE_MSG_BAD_MAGIC && r <= DE_MSG_BAD_TRUNCATED && r != DE_MSG_BAD_TYPE;
}

/* A refusal's diag must agree with the returned status. */
static int diag_consistent(enum de_msg_status st, const struct de_msg_diag *d, size_t msg_len)
{
	if (d->status != st || d->offset >= msg_len + HDR)
		return 0;
	if (st == DE_ST_ENOSYS)
		return d->reason == DE_MSG_BAD_TYPE;
	if (st == DE_ST_EPROTO)
		return is_framing(d->reason);
	if (st == DE_ST_EINVAL)
		return d->reason > DE_MSG_BAD_TRUNCATED && d->reason < DE_MSG_BAD_COUNT_;
	return 0;
}

/* ---- helpers that run a message through every stage ------------------------------------ */

static struct de_msg_hdr hdr_of(uint16_t type, uint32_t len, uint32_t seq)
{
	return (struct de_msg_hdr){DE_MSG_MAGIC, DE_MSG_VERSION, type, len, seq};
}

/* Parses a payload from an exact-size heap copy, so ASan sees any overread. */
static enum de_msg_status parse(enum de_msg_dir dir, const struct de_msg_hdr *h, const void *pl,
                                size_t len, struct de_msg_diag *d)
{
	uint8_t *copy = len ? malloc(len) : NULL;
	union de_request req;
	union de_reply *rep = malloc(sizeof(*rep));
	enum de_msg_status st;
	int ok;

	assert_non_null(rep);
	if (len)
		memcpy(copy, pl, len);
	if (dir == DE_DIR_REQUEST) {
		st = de_request_parse(h, copy, len, &req, d);
		ok = st != DE_ST_OK || request_consistent(h, copy, &req);
	} else {
		st = de_reply_parse(h, copy, len, rep, d);
		ok = st != DE_ST_OK || reply_consistent(h, copy, rep);
	}
	free(rep);
	free(copy);
	if (!ok)
		fail_msg("type %#x len %u accepted with an inconsistent result", h->type, h->len);
	return st;
}

#define EXPECT(dir, type, pl, len, st, reason)                                                     \
	expect(__LINE__, (dir),                                                                    \
	       hdr_of((type), (uint32_t)(len), (type) == DE_MSG_EVENT_ENCLAVE ? 0 : 9), (pl),      \
	       (len), (st), (reason))
#define EXPECT_REQ(type, obj, st, reason)                                                          \
	EXPECT(DE_DIR_REQUEST, (type), &(obj), sizeof(obj), (st), (reason))
#define EXPECT_REP(type, obj, st, reason)                                                          \
	EXPECT(DE_DIR_REPLY, (type), &(obj), sizeof(obj), (st), (reason))

static void expect(int line, enum de_msg_dir dir, struct de_msg_hdr h, const void *pl, size_t len,
                   enum de_msg_status want, enum de_msg_reason reason)
{
	struct de_msg_diag d = {.status = 12345, .reason = DE_MSG_BAD_COUNT_, .offset = 777};
	enum de_msg_status st = parse(dir, &h, pl, len, &d);

	if (st != want)
		fail_msg("line %d: status %d, want %d (reason %d: %s)", line, st, want, d.reason,
		         de_msg_reason_text(d.reason));
	if (want == DE_ST_OK) {
		if (d.status != 12345 || d.reason != DE_MSG_BAD_COUNT_ || d.offset != 777)
			fail_msg("line %d: diag written on success", line);
		return;
	}
	if (d.reason != reason)
		fail_msg("line %d: reason %d (%s), want %d (%s)", line, d.reason,
		         de_msg_reason_text(d.reason), reason, de_msg_reason_text(reason));
	if (!diag_consistent(st, &d, len))
		fail_msg("line %d: inconsistent diag", line);
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void round_trips(void **state)
{
	(void)state;
	uint8_t msg[MSG_MAX];

	for (int w = 0; w < V_COUNT; w++) {
		size_t n = valid_msg(w, msg);
		struct de_msg_hdr h;
		struct de_msg_diag d;
		enum de_msg_dir dir = dir_of(w);

		if (de_msg_hdr_parse(msg, n, dir, &h, &d) != DE_HDR_OK)
			fail_msg("message %d: header refused: %s", w, de_msg_reason_text(d.reason));
		assert_int_equal(h.len, n - HDR);
		assert_int_equal(h.seq, h.type == DE_MSG_EVENT_ENCLAVE ? 0 : 77);
		assert_memory_equal(&h, msg, HDR);
		assert_int_equal(de_msg_hdr_check(&h, dir, NULL), DE_ST_OK);
		if (dir == DE_DIR_REQUEST) {
			union de_request r;
			assert_int_equal(de_msg_check_request_hdr(&h), DE_ST_OK);
			assert_int_equal(de_request_decode(&h, msg + HDR, h.len, &r), DE_ST_OK);
			assert_true(request_consistent(&h, msg + HDR, &r));
			/* Re-encoding what was decoded gives the same bytes. */
			uint8_t again[MSG_MAX];
			const void *body = h.type == DE_MSG_LOAD_ENCLAVE ? (const void *)&r.load.req
			                   : h.type == DE_MSG_ATTACH_WINDOW
			                       ? (const void *)&r.window
			                       : (const void *)&r.enclave;
			size_t m = de_msg_encode_hdr(again, sizeof(again), h.type, h.seq, h.len);
			assert_int_equal(m, HDR);
			if (h.len) {
				size_t fixed =
				    h.type == DE_MSG_LOAD_ENCLAVE ? sizeof(r.load.req) : h.len;
				memcpy(again + HDR, body, fixed);
				if (h.type == DE_MSG_LOAD_ENCLAVE)
					memcpy(again + HDR + fixed, r.load.image,
					       r.load.req.image_len);
			}
			assert_memory_equal(again, msg, n);
		} else {
			union de_reply r;
			assert_int_equal(de_msg_check_reply_hdr(&h), DE_ST_OK);
			assert_int_equal(de_reply_parse(&h, msg + HDR, h.len, &r, NULL), DE_ST_OK);
			assert_int_equal(de_reply_check(&h, msg + HDR), DE_ST_OK);
			assert_true(reply_consistent(&h, msg + HDR, &r));
			struct de_event_enclave ev;
			assert_int_equal(de_event_decode(&h, msg + HDR, &ev),
			                 h.type == DE_MSG_EVENT_ENCLAVE ? DE_ST_OK : DE_ST_EPROTO);
			if (h.type == DE_MSG_EVENT_ENCLAVE)
				assert_memory_equal(&ev, msg + HDR, sizeof(ev));
		}
	}

	/* Spot checks of decoded values. */
	uint8_t pl[PL_MAX];
	uint16_t type;
	uint32_t len = valid_payload(V_R_LIST3, pl, &type);
	struct de_msg_hdr h = hdr_of(type, len, 1);
	union de_reply r;
	assert_int_equal(de_reply_parse(&h, pl, len, &r, NULL), DE_ST_OK);
	assert_int_equal(r.list.head.count, 3);
	assert_int_equal(r.list.entries[2].id, 3);
	assert_string_equal(r.list.entries[2].name, "enc");
	len = valid_payload(V_R_LOAD_BARE, pl, &type);
	h = hdr_of(type, len, 1);
	assert_int_equal(de_reply_parse(&h, pl, len, &r, NULL), DE_ST_OK);
	assert_int_equal(r.status, DE_ST_EINVAL);
	assert_int_equal(r.load.id, 0);
	assert_int_equal(r.load.size, 0);
}

/* Every prefix of a valid message: "more" or a refusal, never a decoded message. */
static void prefixes(void **state)
{
	(void)state;
	uint8_t msg[MSG_MAX];

	for (int w = 0; w < V_COUNT; w++) {
		size_t n = valid_msg(w, msg);
		for (size_t k = 0; k < n; k++) {
			uint8_t *part = malloc(k ? k : 1);
			struct de_msg_hdr h;
			struct de_msg_diag d;
			memcpy(part, msg, k);
			enum de_hdr_verdict v = de_msg_hdr_parse(part, k, dir_of(w), &h, &d);
			if (k < HDR) {
				if (v != DE_HDR_MORE)
					fail_msg("message %d, %zu bytes: verdict %d", w, k, v);
			} else {
				assert_int_equal(v, DE_HDR_OK);
				enum de_msg_status st =
				    parse(dir_of(w), &h, part + HDR, k - HDR, &d);
				assert_int_equal(st, DE_ST_EPROTO);
				assert_int_equal(d.reason, DE_MSG_BAD_TRUNCATED);
			}
			free(part);
		}
	}
	assert_int_equal(de_msg_hdr_parse(NULL, 0, DE_DIR_REQUEST, NULL, NULL), DE_HDR_MORE);
}

static void framing(void **state)
{
	(void)state;
	uint8_t msg[MSG_MAX];
	struct de_msg_diag d;
	struct de_msg_hdr h;
	size_t n = valid_msg(V_START, msg);

	/* Wrong magic and version are refused as soon as their bytes are in. */
	msg[1] ^= 0x20;
	for (size_t k = 0; k <= n; k++) {
		enum de_hdr_verdict v = de_msg_hdr_parse(msg, k, DE_DIR_REQUEST, &h, &d);
		assert_int_equal(v, k < 4 ? DE_HDR_MORE : DE_HDR_BAD);
		if (k >= 4)
			assert_int_equal(d.reason, DE_MSG_BAD_MAGIC);
	}
	msg[1] ^= 0x20;
	for (uint16_t ver = 0; ver < 4; ver++) {
		if (ver == DE_MSG_VERSION)
			continue;
		memcpy(msg + 4, &ver, 2);
		assert_int_equal(de_msg_hdr_parse(msg, 5, DE_DIR_REQUEST, &h, &d), DE_HDR_MORE);
		assert_int_equal(de_msg_hdr_parse(msg, 6, DE_DIR_REQUEST, &h, &d), DE_HDR_BAD);
		assert_int_equal(d.reason, DE_MSG_BAD_VERSION);
		assert_int_equal(d.offset, 4);
		h = hdr_of(DE_MSG_PING, 0, 1);
		h.version = ver;
		assert_int_equal(de_msg_check_request_hdr(&h), DE_ST_EPROTO);
	}
	h = hdr_of(DE_MSG_PING, 0, 1);
	h.magic = 0x4d454445;
	assert_int_equal(de_msg_check_reply_hdr(&h), DE_ST_EPROTO);

	/* Oversized lengths, for a type that takes any length and for fixed ones. */
	static const uint32_t huge[] = {DE_MSG_MAX_LEN + 1, 0x7fffffffu,    0x80000000u,
	                                UINT32_MAX - HDR,   UINT32_MAX - 1, UINT32_MAX};
	static const uint16_t types[] = {DE_MSG_LOAD_ENCLAVE, DE_MSG_PING, REP(DE_MSG_LIST),
	                                 DE_MSG_EVENT_ENCLAVE, 0x1234};
	for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
			for (int dir = DE_DIR_REQUEST; dir <= DE_DIR_REPLY; dir++) {
				h = hdr_of(types[t], huge[i], 0);
				memcpy(msg, &h, HDR);
				assert_int_equal(de_msg_hdr_parse(msg, 11, dir, NULL, &d),
				                 DE_HDR_MORE);
				assert_int_equal(de_msg_hdr_parse(msg, 12, dir, NULL, &d),
				                 DE_HDR_BAD);
				assert_int_equal(d.reason, DE_MSG_BAD_TOO_LONG);
				assert_int_equal(de_msg_hdr_check(&h, dir, &d), DE_ST_EPROTO);
				assert_int_equal(d.reason, DE_MSG_BAD_TOO_LONG);
				assert_int_equal(d.offset, 8);
			}
		}
	}
	/* The largest LOAD is fine as far as the header goes. */
	h = hdr_of(DE_MSG_LOAD_ENCLAVE, DE_MSG_MAX_LEN, 1);
	assert_int_equal(de_msg_check_request_hdr(&h), DE_ST_OK);

	/* Unknown types: ENOSYS either way. */
	static const uint16_t unknown[] = {0,      8,      0x00ff, 0x4000, 0x4002,     0x7fff,
	                                   0x8000, 0x8008, 0xc001, 0xffff, REP(0x4001)};
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		for (int dir = DE_DIR_REQUEST; dir <= DE_DIR_REPLY; dir++) {
			h = hdr_of(unknown[i], 0, 0);
			assert_int_equal(de_msg_hdr_check(&h, dir, &d), DE_ST_ENOSYS);
			assert_int_equal(d.reason, DE_MSG_BAD_TYPE);
			assert_int_equal(d.offset, 6);
			EXPECT(dir, unknown[i], NULL, 0, DE_ST_ENOSYS, DE_MSG_BAD_TYPE);
		}
	}

	/* A valid message going the wrong way. */
	for (int w = 0; w < V_COUNT; w++) {
		uint8_t pl[PL_MAX];
		uint16_t type;
		uint32_t len = valid_payload(w, pl, &type);
		enum de_msg_dir wrong = dir_of(w) == DE_DIR_REQUEST ? DE_DIR_REPLY : DE_DIR_REQUEST;
		n = valid_msg(w, msg);
		assert_int_equal(de_msg_hdr_parse(msg, n, wrong, &h, &d), DE_HDR_BAD);
		assert_int_equal(d.reason, DE_MSG_BAD_DIRECTION);
		EXPECT(wrong, type, pl, len, DE_ST_EPROTO, DE_MSG_BAD_DIRECTION);
	}

	/* Lengths outside a type's bounds. */
	static const struct {
		uint16_t type;
		uint32_t len;
	} bad_len[] = {
	    {DE_MSG_PING, 1},
	    {DE_MSG_LIST, 8},
	    {DE_MSG_STATS, 4096},
	    {DE_MSG_LOAD_ENCLAVE, 0},
	    {DE_MSG_LOAD_ENCLAVE, sizeof(struct de_req_load) - 1},
	    {DE_MSG_ATTACH_WINDOW, sizeof(struct de_req_window) - 1},
	    {DE_MSG_ATTACH_WINDOW, sizeof(struct de_req_window) + 1},
	    {DE_MSG_START, 0},
	    {DE_MSG_START, sizeof(struct de_req_enclave) + 8},
	    {DE_MSG_DESTROY, sizeof(struct de_req_enclave) - 8},
	    {REP(DE_MSG_PING), 0},
	    {REP(DE_MSG_PING), 4},
	    {REP(DE_MSG_PING), 12},
	    {REP(DE_MSG_PING), 24},
	    {REP(DE_MSG_LOAD_ENCLAVE), 16},
	    {REP(DE_MSG_LOAD_ENCLAVE), 32},
	    {REP(DE_MSG_START), 16},
	    {REP(DE_MSG_DESTROY), 0},
	    {REP(DE_MSG_ATTACH_WINDOW), 7},
	    {REP(DE_MSG_LIST), 0},
	    {REP(DE_MSG_LIST), 9},
	    {REP(DE_MSG_LIST), 8 + 63},
	    {REP(DE_MSG_LIST), 8 + 64 * ENTRY + 1},
	    {REP(DE_MSG_LIST), 8 + 65 * ENTRY},
	    {REP(DE_MSG_STATS), 16},
	    {REP(DE_MSG_STATS), 56},
	    {DE_MSG_EVENT_ENCLAVE, 8},
	    {DE_MSG_EVENT_ENCLAVE, 40},
	    {DE_MSG_EVENT_ENCLAVE, 56},
	};
	for (size_t i = 0; i < sizeof(bad_len) / sizeof(bad_len[0]); i++) {
		enum de_msg_dir dir = bad_len[i].type & 0xc000 ? DE_DIR_REPLY : DE_DIR_REQUEST;
		h = hdr_of(bad_len[i].type, bad_len[i].len, 0);
		if (de_msg_hdr_check(&h, dir, &d) != DE_ST_EPROTO || d.reason != DE_MSG_BAD_LENGTH)
			fail_msg("type %#x len %u: not refused for its length", h.type, h.len);
		memcpy(msg, &h, HDR);
		assert_int_equal(de_msg_hdr_parse(msg, HDR, dir, NULL, &d), DE_HDR_BAD);
		assert_int_equal(d.reason, DE_MSG_BAD_LENGTH);
	}

	/* Events carry seq 0; replies any seq. */
	h = hdr_of(DE_MSG_EVENT_ENCLAVE, sizeof(struct de_event_enclave), 1);
	assert_int_equal(de_msg_hdr_check(&h, DE_DIR_REPLY, &d), DE_ST_EPROTO);
	assert_int_equal(d.reason, DE_MSG_BAD_SEQ);
	assert_int_equal(d.offset, 12);
	h = hdr_of(REP(DE_MSG_START), 8, 0);
	assert_int_equal(de_msg_check_reply_hdr(&h), DE_ST_OK);

	/* Payload shorter or longer than the header says, or missing. */
	struct de_req_enclave e = {.id = 1};
	EXPECT(DE_DIR_REQUEST, DE_MSG_START, &e, sizeof(e) - 1, DE_ST_EPROTO, DE_MSG_BAD_LENGTH);
	h = hdr_of(DE_MSG_START, sizeof(e), 1);
	assert_int_equal(de_request_parse(&h, &e, sizeof(e) - 1, NULL, &d), DE_ST_EPROTO);
	assert_int_equal(d.reason, DE_MSG_BAD_TRUNCATED);
	assert_int_equal(de_request_parse(&h, &e, sizeof(e) + 1, NULL, &d), DE_ST_EPROTO);
	assert_int_equal(de_request_parse(&h, NULL, sizeof(e), NULL, &d), DE_ST_EPROTO);
	assert_int_equal(de_request_parse(&h, &e, sizeof(e), NULL, NULL), DE_ST_OK);
	h = hdr_of(REP(DE_MSG_START), 8, 1);
	assert_int_equal(de_reply_parse(&h, NULL, 8, NULL, &d), DE_ST_EPROTO);
	assert_int_equal(de_reply_parse(&h, &e, 0, NULL, &d), DE_ST_EPROTO);
	h = hdr_of(DE_MSG_PING, 0, 1);
	assert_int_equal(de_request_parse(&h, NULL, 0, NULL, NULL), DE_ST_OK);
}

static void load_fields(void **state)
{
	(void)state;
	/* A request with a 40-byte image after the fixed part. */
	struct {
		struct de_req_load r;
		uint8_t image[IMG];
	} m;
	struct de_req_load ok = valid_load();
	memset(m.image, 0x5a, sizeof(m.image));
#define LOAD(field, value, st, reason)                                                             \
	do {                                                                                       \
		m.r = ok;                                                                          \
		m.r.field = (value);                                                               \
		EXPECT_REQ(DE_MSG_LOAD_ENCLAVE, m, (st), (reason));                                \
	} while (0)
	LOAD(flags, DE_LOAD_DEBUG, DE_ST_OK, 0);
	LOAD(flags, 0, DE_ST_OK, 0);
	LOAD(flags, 2, DE_ST_EINVAL, DE_MSG_BAD_FLAGS);
	LOAD(flags, 0x80000001u, DE_ST_EINVAL, DE_MSG_BAD_FLAGS);
	LOAD(nr_threads, 1, DE_ST_OK, 0);
	LOAD(nr_threads, 64, DE_ST_OK, 0);
	LOAD(nr_threads, 0, DE_ST_EINVAL, DE_MSG_BAD_THREADS);
	LOAD(nr_threads, 65, DE_ST_EINVAL, DE_MSG_BAD_THREADS);
	LOAD(nr_threads, UINT32_MAX, DE_ST_EINVAL, DE_MSG_BAD_THREADS);
	LOAD(heap_size, 0, DE_ST_OK, 0);
	LOAD(heap_size, GiB, DE_ST_OK, 0);
	LOAD(heap_size, 1, DE_ST_EINVAL, DE_MSG_BAD_HEAP);
	LOAD(heap_size, 4095, DE_ST_EINVAL, DE_MSG_BAD_HEAP);
	LOAD(heap_size, GiB + 4096, DE_ST_EINVAL, DE_MSG_BAD_HEAP);
	LOAD(heap_size, UINT64_MAX & ~0xfffull, DE_ST_EINVAL, DE_MSG_BAD_HEAP);
	LOAD(stack_size, 4096, DE_ST_OK, 0);
	LOAD(stack_size, 64 * MiB, DE_ST_OK, 0);
	LOAD(stack_size, 0, DE_ST_EINVAL, DE_MSG_BAD_STACK);
	LOAD(stack_size, 4097, DE_ST_EINVAL, DE_MSG_BAD_STACK);
	LOAD(stack_size, 64 * MiB + 4096, DE_ST_EINVAL, DE_MSG_BAD_STACK);
	LOAD(stack_size, UINT64_MAX, DE_ST_EINVAL, DE_MSG_BAD_STACK);
	LOAD(image_len, IMG - 1, DE_ST_EINVAL, DE_MSG_BAD_IMAGE_LEN);
	LOAD(image_len, IMG + 1, DE_ST_EINVAL, DE_MSG_BAD_IMAGE_LEN);
	LOAD(image_len, 0, DE_ST_EINVAL, DE_MSG_BAD_IMAGE_LEN);
	LOAD(image_len, UINT64_MAX, DE_ST_EINVAL, DE_MSG_BAD_IMAGE_LEN);
	LOAD(image_len, IMG + (1ull << 32), DE_ST_EINVAL, DE_MSG_BAD_IMAGE_LEN);
	LOAD(owner_pid, 0, DE_ST_OK, 0);
	LOAD(owner_pid, UINT64_MAX, DE_ST_OK, 0);
#undef LOAD

	/* No image at all: the header allows it, the image length does not. */
	m.r = ok;
	m.r.image_len = 0;
	EXPECT_REQ(DE_MSG_LOAD_ENCLAVE, m.r, DE_ST_EINVAL, DE_MSG_BAD_IMAGE_LEN);

	/* Names: printable, terminated inside the field, NUL-padded. */
	static const struct {
		const char *bytes;
		size_t n;
		enum de_msg_status st;
	} names[] = {
	    {"", 0, DE_ST_OK},
	    {"a", 1, DE_ST_OK},
	    {" ~", 2, DE_ST_OK},
	    {"0123456789012345678901234567890", 31, DE_ST_OK},
	    {"01234567890123456789012345678901", 32, DE_ST_EINVAL},
	    {"tab\there", 8, DE_ST_EINVAL},
	    {"del\x7f", 4, DE_ST_EINVAL},
	    {"hi\x80", 3, DE_ST_EINVAL},
	    {"\xff", 1, DE_ST_EINVAL},
	    {"\x1f", 1, DE_ST_EINVAL},
	    {"ab\0c", 4, DE_ST_EINVAL},
	    {"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0x", 32, DE_ST_EINVAL},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		m.r = ok;
		memset(m.r.name, 0, sizeof(m.r.name));
		memcpy(m.r.name, names[i].bytes, names[i].n);
		EXPECT_REQ(DE_MSG_LOAD_ENCLAVE, m, names[i].st, DE_MSG_BAD_NAME);
	}

	/* The image pointer lands right after the fixed part. */
	m.r = ok;
	struct de_msg_hdr h = hdr_of(DE_MSG_LOAD_ENCLAVE, sizeof(m), 1);
	union de_request r;
	struct de_msg_diag d;
	assert_int_equal(de_request_parse(&h, &m, sizeof(m), &r, &d), DE_ST_OK);
	assert_ptr_equal(r.load.image, m.image);
	assert_int_equal(r.load.req.image_len, IMG);
	assert_string_equal(r.load.req.name, "hello-enclave");

	/* The diag points at the field. */
	m.r.nr_threads = 0;
	assert_int_equal(de_request_parse(&h, &m, sizeof(m), &r, &d), DE_ST_EINVAL);
	assert_int_equal(d.offset, HDR + offsetof(struct de_req_load, nr_threads));
}

static void window_fields(void **state)
{
	(void)state;
	struct de_req_window w, ok = valid_window();
#define WIN(field, value, st, reason)                                                              \
	do {                                                                                       \
		w = ok;                                                                            \
		w.field = (value);                                                                 \
		EXPECT_REQ(DE_MSG_ATTACH_WINDOW, w, (st), (reason));                               \
	} while (0)
	WIN(id, 0, DE_ST_EINVAL, DE_MSG_BAD_ID);
	WIN(id, UINT32_MAX, DE_ST_OK, 0);
	WIN(reserved, 1, DE_ST_EINVAL, DE_MSG_BAD_RESERVED);
	WIN(reserved, 0x80000000u, DE_ST_EINVAL, DE_MSG_BAD_RESERVED);
	WIN(size, 0, DE_ST_EINVAL, DE_MSG_BAD_SIZE);
	WIN(size, 1, DE_ST_EINVAL, DE_MSG_BAD_SIZE);
	WIN(size, 4095, DE_ST_EINVAL, DE_MSG_BAD_SIZE);
	WIN(size, 4097, DE_ST_EINVAL, DE_MSG_BAD_SIZE);
	WIN(size, 4096, DE_ST_OK, 0);
	WIN(gpa, 0, DE_ST_OK, 0);
	WIN(gpa, 0x100000800ull, DE_ST_EINVAL, DE_MSG_BAD_GPA);
	WIN(gpa, 1, DE_ST_EINVAL, DE_MSG_BAD_GPA);
	WIN(gpa, UINT64_MAX & ~0xfffull, DE_ST_EINVAL, DE_MSG_BAD_GPA); /* + 2 MiB wraps */
	WIN(va, 0x7f0000000010ull, DE_ST_EINVAL, DE_MSG_BAD_VA);
	WIN(va, 0, DE_ST_OK, 0);
	WIN(va, USER_TOP - 2 * MiB, DE_ST_OK, 0); /* ends exactly at the top */
	WIN(va, USER_TOP - MiB, DE_ST_EINVAL, DE_MSG_BAD_VA);
	WIN(va, USER_TOP - 2 * MiB + 4096, DE_ST_EINVAL, DE_MSG_BAD_VA); /* one page over */
	WIN(va, USER_TOP, DE_ST_EINVAL, DE_MSG_BAD_VA);
	WIN(va, 0xffff800000000000ull, DE_ST_EINVAL, DE_MSG_BAD_VA);
	WIN(va, UINT64_MAX & ~0xfffull, DE_ST_EINVAL, DE_MSG_BAD_VA); /* + 2 MiB wraps */
#undef WIN
	/* gpa + size ending exactly at 2^64 wraps to 0. */
	w = ok;
	w.gpa = 0xfffffffffffff000ull;
	w.size = 4096;
	EXPECT_REQ(DE_MSG_ATTACH_WINDOW, w, DE_ST_EINVAL, DE_MSG_BAD_GPA);
	w.gpa = 0xffffffffffffe000ull;
	EXPECT_REQ(DE_MSG_ATTACH_WINDOW, w, DE_ST_OK, 0);
	/* A huge size: both ends wrap or leave the user half. */
	w = ok;
	w.size = UINT64_MAX & ~0xfffull;
	w.gpa = 0x2000;
	EXPECT_REQ(DE_MSG_ATTACH_WINDOW, w, DE_ST_EINVAL, DE_MSG_BAD_GPA);
	w.gpa = 0;
	w.va = 0;
	EXPECT_REQ(DE_MSG_ATTACH_WINDOW, w, DE_ST_EINVAL, DE_MSG_BAD_VA);
	w.size = USER_TOP;
	EXPECT_REQ(DE_MSG_ATTACH_WINDOW, w, DE_ST_OK, 0);
}

static void enclave_fields(void **state)
{
	(void)state;
	static const uint16_t types[] = {DE_MSG_START, DE_MSG_DESTROY};
	for (size_t i = 0; i < 2; i++) {
		uint16_t t = types[i];
		struct de_req_enclave e = {.id = 1};
		EXPECT_REQ(t, e, DE_ST_OK, 0);
		e.id = 0;
		EXPECT_REQ(t, e, DE_ST_EINVAL, DE_MSG_BAD_ID);
		e = (struct de_req_enclave){.id = 1, .reserved = 1};
		EXPECT_REQ(t, e, DE_ST_EINVAL, DE_MSG_BAD_RESERVED);
		e = (struct de_req_enclave){.id = 1, .arg = UINT64_MAX};
		EXPECT_REQ(t, e, t == DE_MSG_START ? DE_ST_OK : DE_ST_EINVAL, DE_MSG_BAD_ARG);
	}
}

static void reply_fields(void **state)
{
	(void)state;
	/* Status: never negative; a bare status only to refuse. */
	struct de_reply_status s = {.status = -1};
	EXPECT_REP(REP(DE_MSG_START), s, DE_ST_EINVAL, DE_MSG_BAD_STATUS);
	EXPECT_REP(REP(DE_MSG_PING), s, DE_ST_EINVAL, DE_MSG_BAD_STATUS);
	s = (struct de_reply_status){.status = 0, .reserved = 1};
	EXPECT_REP(REP(DE_MSG_DESTROY), s, DE_ST_EINVAL, DE_MSG_BAD_RESERVED);
	s.reserved = 0;
	EXPECT_REP(REP(DE_MSG_ATTACH_WINDOW), s, DE_ST_OK, 0);
	static const uint16_t full_types[] = {REP(DE_MSG_PING), REP(DE_MSG_LOAD_ENCLAVE),
	                                      REP(DE_MSG_STATS)};
	for (size_t i = 0; i < 3; i++) {
		s = (struct de_reply_status){.status = 0};
		EXPECT_REP(full_types[i], s, DE_ST_EINVAL, DE_MSG_BAD_STATUS);
		s = (struct de_reply_status){.status = DE_ST_ENOMEM, .reserved = 5};
		EXPECT_REP(full_types[i], s, DE_ST_EINVAL, DE_MSG_BAD_RESERVED);
		s.reserved = 0;
		EXPECT_REP(full_types[i], s, DE_ST_OK, 0);
	}
	struct de_reply_ping p = {.status = INT32_MIN};
	EXPECT_REP(REP(DE_MSG_PING), p, DE_ST_EINVAL, DE_MSG_BAD_STATUS);

	struct de_reply_load l = {.status = 0, .id = 0};
	EXPECT_REP(REP(DE_MSG_LOAD_ENCLAVE), l, DE_ST_EINVAL, DE_MSG_BAD_ID);
	l.status = DE_ST_ENOMEM; /* a refusal need not name an enclave */
	EXPECT_REP(REP(DE_MSG_LOAD_ENCLAVE), l, DE_ST_OK, 0);

	struct de_reply_stats st = {.enclaves = 65, .total_pages = 10};
	EXPECT_REP(REP(DE_MSG_STATS), st, DE_ST_EINVAL, DE_MSG_BAD_STATS);
	st = (struct de_reply_stats){.enclaves = 64, .free_pages = 11, .total_pages = 10};
	EXPECT_REP(REP(DE_MSG_STATS), st, DE_ST_EINVAL, DE_MSG_BAD_STATS);
	st.free_pages = 10;
	EXPECT_REP(REP(DE_MSG_STATS), st, DE_ST_OK, 0);

	/* Events. */
	struct de_event_enclave ev = {.id = 1, .state = DE_ENC_EXITED};
	EXPECT_REP(DE_MSG_EVENT_ENCLAVE, ev, DE_ST_OK, 0);
	ev.id = 0;
	EXPECT_REP(DE_MSG_EVENT_ENCLAVE, ev, DE_ST_EINVAL, DE_MSG_BAD_ID);
	static const uint32_t bad_states[] = {0, DE_ENC_LOADED, DE_ENC_RUNNING, 5, UINT32_MAX};
	for (size_t i = 0; i < 5; i++) {
		ev = (struct de_event_enclave){.id = 1, .state = bad_states[i]};
		EXPECT_REP(DE_MSG_EVENT_ENCLAVE, ev, DE_ST_EINVAL, DE_MSG_BAD_STATE);
	}
	ev = (struct de_event_enclave){.id = 1, .state = DE_ENC_CRASHED, .reserved = 1};
	EXPECT_REP(DE_MSG_EVENT_ENCLAVE, ev, DE_ST_EINVAL, DE_MSG_BAD_RESERVED);
	struct de_msg_hdr h = hdr_of(DE_MSG_EVENT_ENCLAVE, sizeof(ev), 0);
	assert_int_equal(de_event_decode(&h, &ev, &ev), DE_ST_EINVAL);
}

static void list_counts(void **state)
{
	(void)state;
	struct {
		struct de_reply_list head;
		struct de_list_entry e[DE_MAX_ENCLAVES + 1];
	} m;
	memset(&m, 0, sizeof(m));
	for (uint32_t i = 0; i <= DE_MAX_ENCLAVES; i++)
		m.e[i] = valid_entry(i + 1);
#define LIST(cnt, n, st, reason)                                                                   \
	do {                                                                                       \
		m.head.count = (cnt);                                                              \
		EXPECT(DE_DIR_REPLY, REP(DE_MSG_LIST), &m, 8 + ENTRY * (n), (st), (reason));       \
	} while (0)
	for (uint32_t n = 0; n <= DE_MAX_ENCLAVES; n++)
		LIST(n, n, DE_ST_OK, 0);
	LIST(1, 0, DE_ST_EINVAL, DE_MSG_BAD_COUNT);
	LIST(0, 1, DE_ST_EINVAL, DE_MSG_BAD_COUNT);
	LIST(2, 1, DE_ST_EINVAL, DE_MSG_BAD_COUNT);
	LIST(1, 2, DE_ST_EINVAL, DE_MSG_BAD_COUNT);
	LIST(63, 64, DE_ST_EINVAL, DE_MSG_BAD_COUNT);
	LIST(65, 64, DE_ST_EINVAL, DE_MSG_BAD_COUNT);
	LIST(UINT32_MAX, 1, DE_ST_EINVAL, DE_MSG_BAD_COUNT);
	LIST(0x10000001u, 1, DE_ST_EINVAL, DE_MSG_BAD_COUNT); /* count * 80 wraps 32 bits to 80 */
	LIST(65, 65, DE_ST_EPROTO, DE_MSG_BAD_LENGTH);
	/* A refusal lists nothing. */
	m.head.status = DE_ST_EINVAL;
	LIST(0, 0, DE_ST_OK, 0);
	LIST(1, 1, DE_ST_EINVAL, DE_MSG_BAD_COUNT);
	m.head.status = 0;
	/* Entries. */
	m.e[2].id = 0;
	LIST(3, 3, DE_ST_EINVAL, DE_MSG_BAD_ID);
	LIST(2, 2, DE_ST_OK, 0); /* the bad entry is not part of this reply */
	m.e[2] = valid_entry(3);
	m.e[1].state = 0;
	LIST(3, 3, DE_ST_EINVAL, DE_MSG_BAD_STATE);
	m.e[1].state = 5;
	LIST(3, 3, DE_ST_EINVAL, DE_MSG_BAD_STATE);
	m.e[1] = valid_entry(2);
	m.e[0].name[31] = 'x';
	LIST(3, 3, DE_ST_EINVAL, DE_MSG_BAD_NAME);
	memset(m.e[0].name, 'x', sizeof(m.e[0].name));
	LIST(3, 3, DE_ST_EINVAL, DE_MSG_BAD_NAME);
	m.e[0].name[5] = 0;
	m.e[0].name[6] = 0;
	LIST(3, 3, DE_ST_EINVAL, DE_MSG_BAD_NAME);
	m.e[0] = valid_entry(1);
	m.e[1].reserved = 1;
	LIST(3, 3, DE_ST_EINVAL, DE_MSG_BAD_RESERVED);
	m.e[1].reserved = 0;
	m.e[1].fault_vector = 256;
	LIST(3, 3, DE_ST_EINVAL, DE_MSG_BAD_RESERVED);
	m.e[1].fault_vector = 255;
	LIST(3, 3, DE_ST_OK, 0);
	m.e[1] = valid_entry(2);
	memset(m.e[0].name, 'x', sizeof(m.e[0].name));
	m.e[0].name[5] = 0;
	m.e[0].name[6] = 'y';
	m.e[0].name[7] = 0;
	LIST(3, 3, DE_ST_EINVAL, DE_MSG_BAD_NAME);
#undef LIST
	struct de_msg_diag d;
	struct de_msg_hdr h = hdr_of(REP(DE_MSG_LIST), 8 + ENTRY * 3, 1);
	assert_int_equal(de_reply_parse(&h, &m, h.len, NULL, &d), DE_ST_EINVAL);
	assert_int_equal(d.offset, HDR + 8 + offsetof(struct de_list_entry, name));
}

static void encoding(void **state)
{
	(void)state;
	uint8_t buf[64], pl[32];
	memset(pl, 0x11, sizeof(pl));

	for (size_t cap = 0; cap < HDR + sizeof(pl); cap++) {
		memset(buf, 0xee, sizeof(buf));
		assert_int_equal(de_msg_encode(buf, cap, DE_MSG_ATTACH_WINDOW, 1, pl, sizeof(pl)),
		                 0);
		for (size_t i = 0; i < sizeof(buf); i++)
			assert_int_equal(buf[i], 0xee); /* nothing written */
		assert_int_equal(de_msg_encode_hdr(buf, cap, DE_MSG_PING, 1, 0),
		                 cap < HDR ? 0 : HDR);
	}
	assert_int_equal(
	    de_msg_encode(buf, HDR + sizeof(pl), DE_MSG_ATTACH_WINDOW, 9, pl, sizeof(pl)),
	    HDR + sizeof(pl));
	struct de_msg_hdr h;
	assert_int_equal(de_msg_hdr_parse(buf, HDR, DE_DIR_REQUEST, &h, NULL), DE_HDR_OK);
	assert_int_equal(h.type, DE_MSG_ATTACH_WINDOW);
	assert_int_equal(h.len, sizeof(pl));
	assert_int_equal(h.seq, 9);
	assert_memory_equal(buf + HDR, pl, sizeof(pl));

	/* Too long, whatever the capacity; missing payload. */
	assert_int_equal(
	    de_msg_encode(buf, SIZE_MAX, DE_MSG_LOAD_ENCLAVE, 1, pl, DE_MSG_MAX_LEN + 1), 0);
	assert_int_equal(de_msg_encode(buf, SIZE_MAX, DE_MSG_LOAD_ENCLAVE, 1, pl, UINT32_MAX), 0);
	assert_int_equal(de_msg_encode_hdr(buf, SIZE_MAX, DE_MSG_LOAD_ENCLAVE, 1, UINT32_MAX), 0);
	assert_int_equal(
	    de_msg_encode_hdr(buf, sizeof(buf), DE_MSG_LOAD_ENCLAVE, 1, DE_MSG_MAX_LEN), HDR);
	assert_int_equal(de_msg_encode(buf, sizeof(buf), DE_MSG_PING, 1, NULL, 4), 0);
	assert_int_equal(de_msg_encode(buf, HDR, DE_MSG_PING, 1, NULL, 0), HDR);
	/* Any type may be encoded: an unknown request gets an ENOSYS reply. */
	assert_int_equal(de_msg_encode(buf, sizeof(buf), REP(0x77), 3, pl, 8), HDR + 8);
}

static void reasons(void **state)
{
	(void)state;
	for (int r = 0; r < DE_MSG_BAD_COUNT_; r++) {
		const char *t = de_msg_reason_text((enum de_msg_reason)r);
		assert_non_null(t);
		assert_string_not_equal(t, "unknown reason");
		for (int q = 0; q < r; q++)
			assert_string_not_equal(t, de_msg_reason_text((enum de_msg_reason)q));
	}
	assert_string_equal(de_msg_reason_text(DE_MSG_BAD_COUNT_), "unknown reason");
	assert_string_equal(de_msg_reason_text((enum de_msg_reason) - 1), "unknown reason");
}

/* ---- random sweep ------------------------------------------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const uint64_t edges[] = {0,
                                 1,
                                 4095,
                                 4096,
                                 4097,
                                 64,
                                 65,
                                 2 * MiB,
                                 GiB,
                                 64 * MiB,
                                 USER_TOP,
                                 UINT64_MAX,
                                 0x7fffffffull,
                                 0x80000000ull,
                                 0xffffffffull,
                                 UINT64_MAX & ~0xfffull};

/* Damages msg[0, n) a little: random bytes, or an edge value over an aligned word. */
static void mutate(uint8_t *msg, size_t n)
{
	int k = (int)(next() % 4);
	while (k-- > 0 && n > 0) {
		size_t at = next() % n;
		if (next() % 2) {
			msg[at] = (uint8_t)next();
		} else {
			uint64_t v = edges[next() % (sizeof(edges) / sizeof(edges[0]))];
			at &= ~(size_t)3;
			size_t w = n - at < 8 ? n - at : (next() % 2 ? 4 : 8);
			memcpy(msg + at, &v, w);
		}
	}
}

static void random_bytes(void **state)
{
	(void)state;
	uint8_t msg[MSG_MAX + 64];
	unsigned ok[2] = {0, 0}, bad[2] = {0, 0}, more = 0;

	for (int iter = 0; iter < 100000; iter++) {
		size_t n;
		if (next() % 4 == 0) { /* pure noise, sometimes behind a good magic and version */
			n = next() % 128;
			for (size_t i = 0; i < n; i++)
				msg[i] = (uint8_t)next();
			if (n >= 6 && next() % 2) {
				uint32_t magic = DE_MSG_MAGIC;
				uint16_t ver = DE_MSG_VERSION;
				memcpy(msg, &magic, 4);
				memcpy(msg + 4, &ver, 2);
			}
		} else { /* a valid message, damaged, perhaps cut short or extended */
			n = valid_msg((int)(next() % V_COUNT), msg);
			mutate(msg, n);
			if (next() % 8 == 0)
				n = next() % (n + 1);
			else if (next() % 16 == 0)
				n += next() % 64;
		}
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, msg, n);
		for (int dir = DE_DIR_REQUEST; dir <= DE_DIR_REPLY; dir++) {
			struct de_msg_hdr h;
			struct de_msg_diag d = {0};
			enum de_hdr_verdict v = de_msg_hdr_parse(copy, n, dir, &h, &d);
			if (v == DE_HDR_MORE) {
				assert_true(n < HDR);
				more++;
				continue;
			}
			if (v == DE_HDR_BAD) {
				/* Framing errors only, pointing into the header. */
				assert_true(diag_consistent(d.status, &d, 0));
				assert_true(d.status == DE_ST_EPROTO || d.status == DE_ST_ENOSYS);
				continue;
			}
			assert_int_equal(v, DE_HDR_OK);
			assert_true(n >= HDR);
			assert_memory_equal(&h, copy, HDR);
			assert_int_equal(de_msg_hdr_check(&h, dir, NULL), DE_ST_OK);
			/* Decode what is there: the header's length, or fewer bytes. */
			size_t have = n - HDR < h.len ? n - HDR : h.len;
			enum de_msg_status st = parse(dir, &h, copy + HDR, have, &d);
			if (st == DE_ST_OK) {
				assert_int_equal(have, h.len);
				ok[dir]++;
			} else {
				assert_true(diag_consistent(st, &d, have));
				bad[dir]++;
			}
		}
		free(copy);
	}
	print_message("random: requests %u ok / %u refused, replies %u ok / %u refused, %u short\n",
	              ok[0], bad[0], ok[1], bad[1], more);
	/* The sweep must reach the success paths, not only the refusals. */
	assert_true(ok[0] > 1000 && ok[1] > 1000 && bad[0] > 1000 && bad[1] > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(round_trips),   cmocka_unit_test(prefixes),
	    cmocka_unit_test(framing),       cmocka_unit_test(load_fields),
	    cmocka_unit_test(window_fields), cmocka_unit_test(enclave_fields),
	    cmocka_unit_test(reply_fields),  cmocka_unit_test(list_counts),
	    cmocka_unit_test(encoding),      cmocka_unit_test(reasons),
	    cmocka_unit_test(random_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
