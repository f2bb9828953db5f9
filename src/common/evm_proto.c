/* SPDX-License-Identifier: Apache-2.0 */
/*
 * EVM control protocol: header checks, request and reply validation, and
 * encoding. See de/evm_proto_codec.h for the contract of each function.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "de/evm_proto_codec.h"
#include "le.h"

#define P          DE_MSG_HDR_SIZE /* payload offset in a message, for diagnostics */
#define PAGE_MASK  ((uint64_t)DE_MSG_PAGE_SIZE - 1)
#define STATUS_LEN ((uint32_t)sizeof(struct de_reply_status))
#define LIST_MAX_LEN                                                                               \
	((uint32_t)(sizeof(struct de_reply_list) + DE_MAX_ENCLAVES * sizeof(struct de_list_entry)))

_Static_assert(sizeof(struct de_msg_hdr) == DE_MSG_HDR_SIZE, "header size");
_Static_assert(offsetof(struct de_list_msg, entries) == sizeof(struct de_reply_list),
               "a LIST reply is copied out as it lies on the wire");
_Static_assert(sizeof(struct de_reply_list) == STATUS_LEN, "a bare status is an empty LIST");
_Static_assert(LIST_MAX_LEN <= DE_MSG_MAX_LEN, "LIST replies fit in a message");

/* Payload length rule of a type: len is one of min, min + step, ... up to max. */
struct type_rule {
	uint16_t type;
	uint16_t dir; /* enum de_msg_dir */
	uint32_t min, max, step;
};

#define REPLY(t)    ((uint16_t)((t) | DE_MSG_REPLY))
#define FULL(reply) ((uint32_t)sizeof(struct reply))
#define ALT(reply)  (FULL(reply) - STATUS_LEN) /* step from a bare status to the full reply */

static const struct type_rule rules[] = {
    /* Requests: fixed sizes, except LOAD (a de_req_load and its image). */
    {DE_MSG_PING, DE_DIR_REQUEST, 0, 0, 1},
    {DE_MSG_LOAD_ENCLAVE, DE_DIR_REQUEST, sizeof(struct de_req_load), DE_MSG_MAX_LEN, 1},
    {DE_MSG_ATTACH_WINDOW, DE_DIR_REQUEST, sizeof(struct de_req_window),
     sizeof(struct de_req_window), 1},
    {DE_MSG_START, DE_DIR_REQUEST, sizeof(struct de_req_enclave), sizeof(struct de_req_enclave), 1},
    {DE_MSG_DESTROY, DE_DIR_REQUEST, sizeof(struct de_req_enclave), sizeof(struct de_req_enclave),
     1},
    {DE_MSG_LIST, DE_DIR_REQUEST, 0, 0, 1},
    {DE_MSG_STATS, DE_DIR_REQUEST, 0, 0, 1},
    /* Replies: a bare status, or the full reply; LIST: the head and 0 .. 64 entries. */
    {REPLY(DE_MSG_PING), DE_DIR_REPLY, STATUS_LEN, FULL(de_reply_ping), ALT(de_reply_ping)},
    {REPLY(DE_MSG_LOAD_ENCLAVE), DE_DIR_REPLY, STATUS_LEN, FULL(de_reply_load), ALT(de_reply_load)},
    {REPLY(DE_MSG_ATTACH_WINDOW), DE_DIR_REPLY, STATUS_LEN, STATUS_LEN, 1},
    {REPLY(DE_MSG_START), DE_DIR_REPLY, STATUS_LEN, STATUS_LEN, 1},
    {REPLY(DE_MSG_DESTROY), DE_DIR_REPLY, STATUS_LEN, STATUS_LEN, 1},
    {REPLY(DE_MSG_LIST), DE_DIR_REPLY, sizeof(struct de_reply_list), LIST_MAX_LEN,
     sizeof(struct de_list_entry)},
    {REPLY(DE_MSG_STATS), DE_DIR_REPLY, STATUS_LEN, FULL(de_reply_stats), ALT(de_reply_stats)},
    /* Events: fixed size. */
    {DE_MSG_EVENT_ENCLAVE, DE_DIR_REPLY, sizeof(struct de_event_enclave),
     sizeof(struct de_event_enclave), 1},
};

static const struct type_rule *find_rule(uint16_t type)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (rules[i].type == type)
			return &rules[i];
	return NULL;
}

static enum de_msg_status fail(struct de_msg_diag *diag, enum de_msg_status st,
                               enum de_msg_reason reason, size_t offset)
{
	if (diag) {
		diag->status = st;
		diag->reason = reason;
		diag->offset = (uint32_t)offset;
	}
	return st;
}

#define PROTO(r, off) fail(diag, DE_ST_EPROTO, (r), (off))
#define INVAL(r, off) fail(diag, DE_ST_EINVAL, (r), (off))
#define FIELD(s, f)   (P + offsetof(struct s, f))

enum de_msg_status de_msg_hdr_check(const struct de_msg_hdr *h, enum de_msg_dir dir,
                                    struct de_msg_diag *diag)
{
	const struct type_rule *r;

	if (h->magic != DE_MSG_MAGIC)
		return PROTO(DE_MSG_BAD_MAGIC, offsetof(struct de_msg_hdr, magic));
	if (h->version != DE_MSG_VERSION)
		return PROTO(DE_MSG_BAD_VERSION, offsetof(struct de_msg_hdr, version));
	if (h->len > DE_MSG_MAX_LEN)
		return PROTO(DE_MSG_BAD_TOO_LONG, offsetof(struct de_msg_hdr, len));
	r = find_rule(h->type);
	if (!r)
		return fail(diag, DE_ST_ENOSYS, DE_MSG_BAD_TYPE, offsetof(struct de_msg_hdr, type));
	if (r->dir != (uint16_t)dir)
		return PROTO(DE_MSG_BAD_DIRECTION, offsetof(struct de_msg_hdr, type));
	if (h->len < r->min || h->len > r->max || (h->len - r->min) % r->step != 0)
		return PROTO(DE_MSG_BAD_LENGTH, offsetof(struct de_msg_hdr, len));
	if (h->type == DE_MSG_EVENT_ENCLAVE && h->seq != 0)
		return PROTO(DE_MSG_BAD_SEQ, offsetof(struct de_msg_hdr, seq));
	return DE_ST_OK;
}

static enum de_hdr_verdict hdr_bad(struct de_msg_diag *diag, enum de_msg_reason r, size_t off)
{
	fail(diag, DE_ST_EPROTO, r, off);
	return DE_HDR_BAD;
}

enum de_hdr_verdict de_msg_hdr_parse(const void *buf, size_t n, enum de_msg_dir dir,
                                     struct de_msg_hdr *hdr, struct de_msg_diag *diag)
{
	const uint8_t *b = buf;
	struct de_msg_hdr h;

	/*
	 * Refuse garbage as soon as the bytes that prove it are in, in the
	 * order de_msg_hdr_check() checks, so both name the same reason.
	 */
	if (n < DE_MSG_HDR_SIZE) {
		if (n >= 4 && de_le32(b) != DE_MSG_MAGIC)
			return hdr_bad(diag, DE_MSG_BAD_MAGIC, offsetof(struct de_msg_hdr, magic));
		if (n >= 6 && de_le16(b + 4) != DE_MSG_VERSION)
			return hdr_bad(diag, DE_MSG_BAD_VERSION,
			               offsetof(struct de_msg_hdr, version));
		if (n >= 12 && de_le32(b + 8) > DE_MSG_MAX_LEN)
			return hdr_bad(diag, DE_MSG_BAD_TOO_LONG, offsetof(struct de_msg_hdr, len));
		return DE_HDR_MORE;
	}
	h.magic = de_le32(b);
	h.version = de_le16(b + 4);
	h.type = de_le16(b + 6);
	h.len = de_le32(b + 8);
	h.seq = de_le32(b + 12);
	if (de_msg_hdr_check(&h, dir, diag) != DE_ST_OK)
		return DE_HDR_BAD;
	if (hdr)
		*hdr = h;
	return DE_HDR_OK;
}

enum de_msg_status de_msg_check_request_hdr(const struct de_msg_hdr *h)
{
	return de_msg_hdr_check(h, DE_DIR_REQUEST, NULL);
}

enum de_msg_status de_msg_check_reply_hdr(const struct de_msg_hdr *h)
{
	return de_msg_hdr_check(h, DE_DIR_REPLY, NULL);
}

/* Printable ASCII, NUL-terminated inside the field, NUL-padded after. */
static int name_ok(const char name[DE_ENCLAVE_NAME])
{
	size_t i = 0;

	for (; i < DE_ENCLAVE_NAME && name[i] != '\0'; i++)
		if ((unsigned char)name[i] < 0x20 || (unsigned char)name[i] > 0x7e)
			return 0;
	if (i == DE_ENCLAVE_NAME)
		return 0;
	for (; i < DE_ENCLAVE_NAME; i++)
		if (name[i] != '\0')
			return 0;
	return 1;
}

/* ---- requests ------------------------------------------------------------------------ */

static enum de_msg_status check_load(const uint8_t *p, uint32_t len, struct de_load_msg *m,
                                     struct de_msg_diag *diag)
{
	struct de_req_load *r = &m->req;

	memcpy(r, p, sizeof(*r)); /* len >= sizeof(*r): the header rule */
	if (r->flags & ~(uint32_t)DE_LOAD_DEBUG)
		return INVAL(DE_MSG_BAD_FLAGS, FIELD(de_req_load, flags));
	if (r->nr_threads < 1 || r->nr_threads > DE_MSG_MAX_TCS)
		return INVAL(DE_MSG_BAD_THREADS, FIELD(de_req_load, nr_threads));
	if ((r->heap_size & PAGE_MASK) != 0 || r->heap_size > DE_MSG_MAX_HEAP)
		return INVAL(DE_MSG_BAD_HEAP, FIELD(de_req_load, heap_size));
	if (r->stack_size == 0 || (r->stack_size & PAGE_MASK) != 0 ||
	    r->stack_size > DE_MSG_MAX_STACK)
		return INVAL(DE_MSG_BAD_STACK, FIELD(de_req_load, stack_size));
	if (r->image_len == 0 || r->image_len != (uint64_t)len - sizeof(*r))
		return INVAL(DE_MSG_BAD_IMAGE_LEN, FIELD(de_req_load, image_len));
	if (!name_ok(r->name))
		return INVAL(DE_MSG_BAD_NAME, FIELD(de_req_load, name));
	m->image = p + sizeof(*r);
	return DE_ST_OK;
}

static enum de_msg_status check_window(const uint8_t *p, struct de_req_window *w,
                                       struct de_msg_diag *diag)
{
	uint64_t end;

	memcpy(w, p, sizeof(*w));
	if (w->id == 0)
		return INVAL(DE_MSG_BAD_ID, FIELD(de_req_window, id));
	if (w->reserved != 0)
		return INVAL(DE_MSG_BAD_RESERVED, FIELD(de_req_window, reserved));
	if (w->size == 0 || (w->size & PAGE_MASK) != 0)
		return INVAL(DE_MSG_BAD_SIZE, FIELD(de_req_window, size));
	if ((w->gpa & PAGE_MASK) != 0 || !de_add_ok(w->gpa, w->size, &end))
		return INVAL(DE_MSG_BAD_GPA, FIELD(de_req_window, gpa));
	if ((w->va & PAGE_MASK) != 0 || !de_add_ok(w->va, w->size, &end) || end > DE_MSG_USER_TOP)
		return INVAL(DE_MSG_BAD_VA, FIELD(de_req_window, va));
	return DE_ST_OK;
}

static enum de_msg_status check_enclave(const uint8_t *p, uint16_t type, struct de_req_enclave *e,
                                        struct de_msg_diag *diag)
{
	memcpy(e, p, sizeof(*e));
	if (e->id == 0)
		return INVAL(DE_MSG_BAD_ID, FIELD(de_req_enclave, id));
	if (e->reserved != 0)
		return INVAL(DE_MSG_BAD_RESERVED, FIELD(de_req_enclave, reserved));
	if (type == DE_MSG_DESTROY && e->arg != 0)
		return INVAL(DE_MSG_BAD_ARG, FIELD(de_req_enclave, arg));
	return DE_ST_OK;
}

enum de_msg_status de_request_parse(const struct de_msg_hdr *h, const void *payload, size_t len,
                                    union de_request *out, struct de_msg_diag *diag)
{
	const uint8_t *p = payload;
	union de_request req;
	enum de_msg_status st;

	st = de_msg_hdr_check(h, DE_DIR_REQUEST, diag);
	if (st != DE_ST_OK)
		return st;
	if (len != h->len || (len != 0 && p == NULL))
		return PROTO(DE_MSG_BAD_TRUNCATED, offsetof(struct de_msg_hdr, len));
	memset(&req, 0, sizeof(req));
	switch (h->type) {
	case DE_MSG_LOAD_ENCLAVE:
		st = check_load(p, h->len, &req.load, diag);
		break;
	case DE_MSG_ATTACH_WINDOW:
		st = check_window(p, &req.window, diag);
		break;
	case DE_MSG_START:
	case DE_MSG_DESTROY:
		st = check_enclave(p, h->type, &req.enclave, diag);
		break;
	default: /* PING, LIST, STATS: len 0, by the header rule */
		break;
	}
	if (st == DE_ST_OK && out)
		*out = req;
	return st;
}

enum de_msg_status de_request_decode(const struct de_msg_hdr *h, const void *payload, size_t len,
                                     union de_request *out)
{
	return de_request_parse(h, payload, len, out, NULL);
}

/* ---- replies and events ------------------------------------------------------------- */

static enum de_msg_status check_list(const uint8_t *p, uint32_t len, int32_t status,
                                     struct de_msg_diag *diag)
{
	uint32_t count = de_le32(p + offsetof(struct de_reply_list, count));

	if (count > DE_MAX_ENCLAVES ||
	    len != sizeof(struct de_reply_list) + count * sizeof(struct de_list_entry) ||
	    (status != DE_ST_OK && count != 0))
		return INVAL(DE_MSG_BAD_COUNT, FIELD(de_reply_list, count));
	for (uint32_t i = 0; i < count; i++) {
		size_t at = sizeof(struct de_reply_list) + i * sizeof(struct de_list_entry);
		struct de_list_entry e;

		memcpy(&e, p + at, sizeof(e));
		if (e.id == 0)
			return INVAL(DE_MSG_BAD_ID, P + at + offsetof(struct de_list_entry, id));
		if (e.state < DE_ENC_LOADED || e.state > DE_ENC_CRASHED)
			return INVAL(DE_MSG_BAD_STATE,
			             P + at + offsetof(struct de_list_entry, state));
		if (!name_ok(e.name))
			return INVAL(DE_MSG_BAD_NAME,
			             P + at + offsetof(struct de_list_entry, name));
		if (e.reserved || e.fault_vector > 255)
			return INVAL(DE_MSG_BAD_RESERVED,
			             P + at + offsetof(struct de_list_entry, fault_vector));
	}
	return DE_ST_OK;
}

static enum de_msg_status check_event(const uint8_t *p, struct de_msg_diag *diag)
{
	struct de_event_enclave ev;

	memcpy(&ev, p, sizeof(ev));
	if (ev.id == 0)
		return INVAL(DE_MSG_BAD_ID, FIELD(de_event_enclave, id));
	if (ev.state != DE_ENC_EXITED && ev.state != DE_ENC_CRASHED)
		return INVAL(DE_MSG_BAD_STATE, FIELD(de_event_enclave, state));
	if (ev.reserved != 0)
		return INVAL(DE_MSG_BAD_RESERVED, FIELD(de_event_enclave, reserved));
	return DE_ST_OK;
}

static enum de_msg_status check_reply(const struct de_msg_hdr *h, const struct type_rule *r,
                                      const uint8_t *p, struct de_msg_diag *diag)
{
	int32_t status = (int32_t)de_le32(p); /* every reply is >= STATUS_LEN: the rule */
	uint32_t word1 = de_le32(p + 4);

	if (status < 0)
		return INVAL(DE_MSG_BAD_STATUS, P);
	if (h->len == STATUS_LEN && r->max != STATUS_LEN && h->type != REPLY(DE_MSG_LIST)) {
		/* A bare status in place of the full reply: only to refuse. */
		if (status == DE_ST_OK)
			return INVAL(DE_MSG_BAD_STATUS, P);
		if (word1 != 0)
			return INVAL(DE_MSG_BAD_RESERVED, P + 4);
		return DE_ST_OK;
	}
	switch (h->type) {
	case REPLY(DE_MSG_ATTACH_WINDOW):
	case REPLY(DE_MSG_START):
	case REPLY(DE_MSG_DESTROY):
		if (word1 != 0)
			return INVAL(DE_MSG_BAD_RESERVED, FIELD(de_reply_status, reserved));
		break;
	case REPLY(DE_MSG_LOAD_ENCLAVE):
		if (status == DE_ST_OK && word1 == 0)
			return INVAL(DE_MSG_BAD_ID, FIELD(de_reply_load, id));
		break;
	case REPLY(DE_MSG_LIST):
		return check_list(p, h->len, status, diag);
	case REPLY(DE_MSG_STATS): {
		struct de_reply_stats s;
		memcpy(&s, p, sizeof(s));
		if (status == DE_ST_OK && s.enclaves > DE_MAX_ENCLAVES)
			return INVAL(DE_MSG_BAD_STATS, FIELD(de_reply_stats, enclaves));
		if (status == DE_ST_OK && s.free_pages > s.total_pages)
			return INVAL(DE_MSG_BAD_STATS, FIELD(de_reply_stats, free_pages));
		break;
	}
	default: /* PING: nothing beyond the status */
		break;
	}
	return DE_ST_OK;
}

enum de_msg_status de_reply_parse(const struct de_msg_hdr *h, const void *payload, size_t len,
                                  union de_reply *out, struct de_msg_diag *diag)
{
	const uint8_t *p = payload;
	enum de_msg_status st;

	st = de_msg_hdr_check(h, DE_DIR_REPLY, diag);
	if (st != DE_ST_OK)
		return st;
	if (len != h->len || (len != 0 && p == NULL))
		return PROTO(DE_MSG_BAD_TRUNCATED, offsetof(struct de_msg_hdr, len));
	if (h->type == DE_MSG_EVENT_ENCLAVE)
		st = check_event(p, diag);
	else
		st = check_reply(h, find_rule(h->type), p, diag);
	if (st == DE_ST_OK && out) {
		/* Every reply lies on the wire as its union member does in memory. */
		memset(out, 0, sizeof(*out));
		memcpy(out, p, h->len);
	}
	return st;
}

_Static_assert(sizeof(union de_reply) >= LIST_MAX_LEN, "every reply fits in union de_reply");

enum de_msg_status de_reply_check(const struct de_msg_hdr *h, const void *payload)
{
	return de_reply_parse(h, payload, h->len, NULL, NULL);
}

enum de_msg_status de_event_decode(const struct de_msg_hdr *h, const void *payload,
                                   struct de_event_enclave *ev)
{
	enum de_msg_status st;

	if (h->type != DE_MSG_EVENT_ENCLAVE)
		return DE_ST_EPROTO;
	st = de_reply_parse(h, payload, h->len, NULL, NULL);
	if (st == DE_ST_OK)
		memcpy(ev, payload, sizeof(*ev));
	return st;
}

/* ---- encoding ------------------------------------------------------------------------ */

size_t de_msg_encode_hdr(void *out, size_t cap, uint16_t type, uint32_t seq, uint32_t len)
{
	struct de_msg_hdr h = {
	    .magic = DE_MSG_MAGIC,
	    .version = DE_MSG_VERSION,
	    .type = type,
	    .len = len,
	    .seq = seq,
	};

	if (len > DE_MSG_MAX_LEN || cap < sizeof(h))
		return 0;
	memcpy(out, &h, sizeof(h));
	return sizeof(h);
}

size_t de_msg_encode(void *out, size_t cap, uint16_t type, uint32_t seq, const void *payload,
                     uint32_t len)
{
	if (len > DE_MSG_MAX_LEN || cap < DE_MSG_HDR_SIZE || len > cap - DE_MSG_HDR_SIZE ||
	    (len != 0 && payload == NULL))
		return 0;
	de_msg_encode_hdr(out, cap, type, seq, len);
	if (len != 0)
		memcpy((uint8_t *)out + DE_MSG_HDR_SIZE, payload, len);
	return (size_t)DE_MSG_HDR_SIZE + len;
}

/* ---- diagnostics --------------------------------------------------------------------- */

static const char *const reason_text[DE_MSG_BAD_COUNT_] = {
    [DE_MSG_BAD_NONE] = "no error",
    [DE_MSG_BAD_MAGIC] = "the message does not start with the protocol magic",
    [DE_MSG_BAD_VERSION] = "the message is for another protocol version",
    [DE_MSG_BAD_TOO_LONG] = "the payload length exceeds the 64 MiB limit",
    [DE_MSG_BAD_TYPE] = "the message type is unknown",
    [DE_MSG_BAD_DIRECTION] = "the message type is one that only the other side sends",
    [DE_MSG_BAD_LENGTH] = "the payload length does not fit the message type",
    [DE_MSG_BAD_SEQ] = "an event carries a nonzero sequence number",
    [DE_MSG_BAD_TRUNCATED] = "the payload is not as long as the header says",
    [DE_MSG_BAD_RESERVED] = "a reserved field is not zero",
    [DE_MSG_BAD_ID] = "the enclave id is 0",
    [DE_MSG_BAD_ARG] = "DESTROY carries a nonzero argument",
    [DE_MSG_BAD_FLAGS] = "unknown load flags are set",
    [DE_MSG_BAD_THREADS] = "the thread count is not between 1 and 64",
    [DE_MSG_BAD_HEAP] = "the heap size is not a page multiple of at most 1 GiB",
    [DE_MSG_BAD_STACK] = "the stack size is not a nonzero page multiple of at most 64 MiB",
    [DE_MSG_BAD_IMAGE_LEN] = "the image length is 0 or does not match the payload length",
    [DE_MSG_BAD_NAME] = "the enclave name is not printable, NUL-terminated and NUL-padded",
    [DE_MSG_BAD_SIZE] = "the window size is not a nonzero page multiple",
    [DE_MSG_BAD_GPA] = "the window's guest-physical range is unaligned or wraps",
    [DE_MSG_BAD_VA] = "the window's address range is unaligned or leaves the user half",
    [DE_MSG_BAD_STATUS] = "the reply status is negative, or 0 in a bare status reply",
    [DE_MSG_BAD_COUNT] = "the LIST count does not match the reply length",
    [DE_MSG_BAD_STATE] = "the enclave state is not a valid one",
    [DE_MSG_BAD_STATS] = "the statistics are inconsistent",
};

const char *de_msg_reason_text(enum de_msg_reason reason)
{
	if ((unsigned)reason >= DE_MSG_BAD_COUNT_ || !reason_text[reason])
		return "unknown reason";
	return reason_text[reason];
}
