/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Checking, decoding and encoding of EVM control protocol messages
 * (include/de/evm_proto.h). Used by both ends: the platform service (which
 * sends requests and receives replies and events) and the EVM's manager
 * (which receives requests and sends replies and events).
 *
 * Validate first, then act: a receiver runs
 *
 *   1. de_msg_hdr_parse() (or de_msg_hdr_check() on a complete header) on
 *      the header bytes: it says whether more bytes are needed, and rejects
 *      a bad magic, version, type or length before any payload is read;
 *   2. once the header's `len` payload bytes have arrived,
 *      de_request_parse() (manager) or de_reply_parse() (service), which
 *      check every field and copy the message out;
 *
 * and only then acts on the decoded message. Nothing here allocates or
 * keeps state, and nothing reads past the lengths it is given. The code is
 * freestanding (<stdint.h>, <stddef.h>, <string.h>) so the musl manager and
 * the host service link the same object. Integers are little-endian on the
 * wire; like the rest of src/common this assumes a little-endian (x86-64)
 * machine.
 */
#ifndef DE_EVM_PROTO_CODEC_H
#define DE_EVM_PROTO_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "de/evm_proto.h"

#define DE_MSG_HDR_SIZE  16u                 /* sizeof(struct de_msg_hdr) */
#define DE_MSG_PAGE_SIZE 4096u               /* ATTACH_WINDOW, LOAD sizes */
#define DE_MSG_USER_TOP  0x0000800000000000u /* end of the user half */
#define DE_MSG_MAX_HEAP  (1ull << 30)        /* de_req_load.heap_size limit */
#define DE_MSG_MAX_STACK (64ull << 20)       /* de_req_load.stack_size limit */
#define DE_MSG_MAX_TCS   64u                 /* de_req_load.nr_threads limit */

/* Which way a message travels; the two directions have disjoint type sets. */
enum de_msg_dir {
	DE_DIR_REQUEST = 0, /* service -> manager: DE_MSG_PING .. DE_MSG_STATS */
	DE_DIR_REPLY = 1,   /* manager -> service: request type | DE_MSG_REPLY, and events */
};

/*
 * Why a message was refused. The status that goes with each reason is
 * given in brackets: EPROTO for framing, ENOSYS for an unknown type, EINVAL
 * for a field with a bad value.
 */
enum de_msg_reason {
	DE_MSG_BAD_NONE = 0,  /* no error */
	DE_MSG_BAD_MAGIC,     /* [EPROTO] magic is not DE_MSG_MAGIC */
	DE_MSG_BAD_VERSION,   /* [EPROTO] version is not DE_MSG_VERSION */
	DE_MSG_BAD_TOO_LONG,  /* [EPROTO] len > DE_MSG_MAX_LEN */
	DE_MSG_BAD_TYPE,      /* [ENOSYS] type unknown in either direction */
	DE_MSG_BAD_DIRECTION, /* [EPROTO] a type that only the other side sends */
	DE_MSG_BAD_LENGTH,    /* [EPROTO] len outside the bounds of the type */
	DE_MSG_BAD_SEQ,       /* [EPROTO] an event whose seq is not 0 */
	DE_MSG_BAD_TRUNCATED, /* [EPROTO] payload bytes given != header len */
	DE_MSG_BAD_RESERVED,  /* [EINVAL] a reserved field is not zero */
	DE_MSG_BAD_ID,        /* [EINVAL] enclave id 0 */
	DE_MSG_BAD_ARG,       /* [EINVAL] DESTROY with a nonzero arg */
	DE_MSG_BAD_FLAGS,     /* [EINVAL] unknown de_load_flags bits */
	DE_MSG_BAD_THREADS,   /* [EINVAL] nr_threads outside 1 .. DE_MSG_MAX_TCS */
	DE_MSG_BAD_HEAP,      /* [EINVAL] heap_size not a page multiple or > 1 GiB */
	DE_MSG_BAD_STACK,     /* [EINVAL] stack_size 0, not a page multiple or > 64 MiB */
	DE_MSG_BAD_IMAGE_LEN, /* [EINVAL] image_len 0 or != len - sizeof(de_req_load) */
	DE_MSG_BAD_NAME,      /* [EINVAL] name unterminated, not printable or not NUL-padded */
	DE_MSG_BAD_SIZE,      /* [EINVAL] window size 0 or not a page multiple */
	DE_MSG_BAD_GPA,       /* [EINVAL] gpa unaligned, or gpa + size overflows */
	DE_MSG_BAD_VA,        /* [EINVAL] va unaligned, or va + size beyond the user half */
	DE_MSG_BAD_STATUS,    /* [EINVAL] reply status negative, or 0 in a status-only reply */
	DE_MSG_BAD_COUNT,     /* [EINVAL] LIST count does not match len, or too large */
	DE_MSG_BAD_STATE,     /* [EINVAL] enclave state unknown, or not EXITED/CRASHED */
	DE_MSG_BAD_STATS,     /* [EINVAL] STATS numbers inconsistent */
	DE_MSG_BAD_COUNT_,    /* number of reasons; not a reason */
};

/* Where and why a check failed; filled only when a function refuses. */
struct de_msg_diag {
	enum de_msg_status status; /* what to answer: DE_ST_EPROTO, _ENOSYS or _EINVAL */
	enum de_msg_reason reason;
	uint32_t offset; /* byte offset of the offending field from the start of the header */
};

/* What de_msg_hdr_parse() found in the bytes received so far. */
enum de_hdr_verdict {
	DE_HDR_MORE = 0, /* consistent so far; fewer than DE_MSG_HDR_SIZE bytes */
	DE_HDR_OK = 1,   /* a complete, valid header (copied out) */
	DE_HDR_BAD = -1, /* a protocol error: see the diag; drop the connection */
};

/* LOAD_ENCLAVE as decoded: the fixed part, and where the image starts. */
struct de_load_msg {
	struct de_req_load req;
	const uint8_t *image; /* inside the payload given to the decoder; req.image_len bytes */
};

/* A decoded request; which member is valid follows from the header type. */
union de_request {
	struct de_load_msg load;       /* DE_MSG_LOAD_ENCLAVE */
	struct de_req_window window;   /* DE_MSG_ATTACH_WINDOW */
	struct de_req_enclave enclave; /* DE_MSG_START, DE_MSG_DESTROY */
	                               /* PING, LIST and STATS carry no payload. */
};

/* A LIST reply, copied out (at most DE_MAX_ENCLAVES entries). */
struct de_list_msg {
	struct de_reply_list head;
	struct de_list_entry entries[DE_MAX_ENCLAVES]; /* head.count valid */
};

/*
 * A decoded reply or event. `status` always holds the status the reply
 * starts with. When a reply carries only a de_reply_status (the manager's
 * short answer for a refused request; status != 0), the type-specific
 * member is zeroed apart from its status.
 */
union de_reply {
	int32_t status;
	struct de_reply_status simple; /* ATTACH_WINDOW, START, DESTROY */
	struct de_reply_ping ping;     /* PING */
	struct de_reply_load load;     /* LOAD_ENCLAVE */
	struct de_list_msg list;       /* LIST */
	struct de_reply_stats stats;   /* STATS */
	struct de_event_enclave event; /* DE_MSG_EVENT_ENCLAVE (status unused) */
};

/*
 * Checks the first n bytes of a message going in direction dir, as far as
 * they go, and copies the header to *hdr once it is complete and valid.
 * Magic and version are checked as soon as their bytes are present, so a
 * stream of garbage is refused early. A complete header is valid when the
 * magic and version match, len <= DE_MSG_MAX_LEN, the type is one that dir
 * carries, len lies within the bounds of that type (e.g. 0 for PING,
 * sizeof(de_req_window) for ATTACH_WINDOW, >= sizeof(de_req_load) for LOAD,
 * a status-only or the full reply size for replies, 8 + k * 64 for LIST
 * replies) and, for events, seq is 0. Bytes beyond the header are ignored.
 * buf may be NULL when n is 0; hdr and diag may be NULL.
 * Returns DE_HDR_MORE, DE_HDR_OK or DE_HDR_BAD (diag filled).
 */
enum de_hdr_verdict de_msg_hdr_parse(const void *buf, size_t n, enum de_msg_dir dir,
                                     struct de_msg_hdr *hdr, struct de_msg_diag *diag);

/*
 * The same checks as de_msg_hdr_parse() on a complete header. diag may be
 * NULL. Returns DE_ST_OK, DE_ST_EPROTO, or DE_ST_ENOSYS for a type unknown
 * in both directions (its len is <= DE_MSG_MAX_LEN, so a receiver can skip
 * the payload and answer ENOSYS).
 */
enum de_msg_status de_msg_hdr_check(const struct de_msg_hdr *h, enum de_msg_dir dir,
                                    struct de_msg_diag *diag);

/* de_msg_hdr_check(h, DE_DIR_REQUEST, NULL): for the manager. */
enum de_msg_status de_msg_check_request_hdr(const struct de_msg_hdr *h);

/* de_msg_hdr_check(h, DE_DIR_REPLY, NULL): for the service. */
enum de_msg_status de_msg_check_reply_hdr(const struct de_msg_hdr *h);

/*
 * Validates a whole request: the header (as de_msg_hdr_check() with
 * DE_DIR_REQUEST), that len (the payload bytes available at payload) equals
 * h->len, and every payload field:
 *  - PING, LIST, STATS: no payload;
 *  - LOAD_ENCLAVE: image_len == h->len - sizeof(de_req_load) and > 0; flags
 *    only DE_LOAD_DEBUG; nr_threads 1 .. 64; heap_size a page multiple
 *    <= 1 GiB; stack_size a nonzero page multiple <= 64 MiB; name printable
 *    ASCII, NUL-terminated within DE_ENCLAVE_NAME bytes and NUL-padded;
 *  - ATTACH_WINDOW: id != 0; reserved 0; size a nonzero page multiple; gpa
 *    and va page aligned; gpa + size does not overflow; va + size <=
 *    DE_MSG_USER_TOP;
 *  - START: id != 0, reserved 0; DESTROY: the same, and arg 0.
 * On DE_ST_OK, copies the payload to the member of *out the type selects
 * (out may be NULL to validate only); out->load.image then points into
 * payload. payload may be NULL when len is 0; diag may be NULL.
 * Returns DE_ST_OK, DE_ST_EPROTO (framing), DE_ST_ENOSYS (unknown type) or
 * DE_ST_EINVAL (a field).
 */
enum de_msg_status de_request_parse(const struct de_msg_hdr *h, const void *payload, size_t len,
                                    union de_request *out, struct de_msg_diag *diag);

/* de_request_parse(h, payload, len, out, NULL). */
enum de_msg_status de_request_decode(const struct de_msg_hdr *h, const void *payload, size_t len,
                                     union de_request *out);

/*
 * Validates a whole reply or event: the header (as de_msg_hdr_check() with
 * DE_DIR_REPLY), that len equals h->len, and the payload:
 *  - every reply: status >= 0. A reply may be a bare de_reply_status
 *    instead of its full type only when its status is nonzero, and then
 *    its reserved word is 0;
 *  - ATTACH_WINDOW, START, DESTROY: reserved 0;
 *  - LOAD_ENCLAVE with status 0: id != 0;
 *  - LIST: sizeof(de_reply_list) + count * sizeof(de_list_entry) == len,
 *    count <= DE_MAX_ENCLAVES, count 0 when status != 0; every entry has
 *    id != 0, a known state and a printable, NUL-terminated, NUL-padded name;
 *  - STATS with status 0: enclaves <= DE_MAX_ENCLAVES, free_pages <= total_pages;
 *  - EVENT_ENCLAVE: id != 0, state DE_ENC_EXITED or DE_ENC_CRASHED, reserved 0.
 * On DE_ST_OK, copies the message to *out (may be NULL). payload may be
 * NULL when len is 0; diag may be NULL.
 * Returns DE_ST_OK, DE_ST_EPROTO, DE_ST_ENOSYS or DE_ST_EINVAL.
 */
enum de_msg_status de_reply_parse(const struct de_msg_hdr *h, const void *payload, size_t len,
                                  union de_reply *out, struct de_msg_diag *diag);

/*
 * de_reply_parse(h, payload, h->len, NULL, NULL): validates a reply or event
 * whose h->len payload bytes are at payload.
 */
enum de_msg_status de_reply_check(const struct de_msg_hdr *h, const void *payload);

/*
 * Decodes an event whose h->len payload bytes are at payload: DE_ST_OK and
 * *ev filled only when h is a valid DE_MSG_EVENT_ENCLAVE (else DE_ST_EPROTO
 * for another type, or what de_reply_parse() says).
 */
enum de_msg_status de_event_decode(const struct de_msg_hdr *h, const void *payload,
                                   struct de_event_enclave *ev);

/*
 * Writes a header (magic, version, type, len, seq) to out. Does not judge
 * the type: a manager may answer an unknown request type | DE_MSG_REPLY.
 * Returns DE_MSG_HDR_SIZE, or 0 (nothing written) when cap is too small or
 * len > DE_MSG_MAX_LEN. For a payload sent separately (a LOAD image).
 */
size_t de_msg_encode_hdr(void *out, size_t cap, uint16_t type, uint32_t seq, uint32_t len);

/*
 * Writes a header and len payload bytes (payload may be NULL when len is
 * 0) to out. Returns DE_MSG_HDR_SIZE + len, or 0 (nothing written) when it
 * does not fit in cap or len > DE_MSG_MAX_LEN. payload must not overlap out.
 */
size_t de_msg_encode(void *out, size_t cap, uint16_t type, uint32_t seq, const void *payload,
                     uint32_t len);

/* A sentence for a reason, for logs; never NULL. */
const char *de_msg_reason_text(enum de_msg_reason reason);

#endif /* DE_EVM_PROTO_CODEC_H */
