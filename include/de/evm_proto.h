/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The EVM control protocol: messages between the platform service (host)
 * and the manager (EVM), over a vsock stream to guest port DE_PORT_CONTROL.
 * Defined once here and used by both sides; parsing lives in
 * src/common/evm_proto.c.
 *
 * Every message is a header followed by `len` payload bytes. The service
 * sends requests; the manager answers each with exactly one reply (type =
 * request type | DE_MSG_REPLY, same seq) whose payload starts with a status.
 * The manager may also send events (DE_MSG_EVENT_*, seq 0) at any time.
 * All integers are little-endian; all structs are packed by construction
 * (naturally aligned fields, explicit padding).
 */
#ifndef DE_EVM_PROTO_H
#define DE_EVM_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define DE_PORT_CONTROL 2u

#define DE_MSG_MAGIC    0x4d454444u /* "DDEM" */
#define DE_MSG_VERSION  2u
#define DE_MSG_MAX_LEN  (64u << 20) /* largest payload: an enclave image */
#define DE_MSG_REPLY    0x8000u
#define DE_MAX_ENCLAVES 64u
#define DE_ENCLAVE_NAME 32u

struct de_msg_hdr {
	uint32_t magic;   /* DE_MSG_MAGIC */
	uint16_t version; /* DE_MSG_VERSION */
	uint16_t type;    /* enum de_msg_type, | DE_MSG_REPLY for replies */
	uint32_t len;     /* payload bytes after the header, <= DE_MSG_MAX_LEN */
	uint32_t seq;     /* chosen by the requester, echoed in the reply; 0 for events */
};

enum de_msg_type {
	DE_MSG_PING = 1,          /* payload: none.            reply: de_reply_ping */
	DE_MSG_LOAD_ENCLAVE = 2,  /* payload: de_req_load + image. reply: de_reply_load */
	DE_MSG_ATTACH_WINDOW = 3, /* payload: de_req_window.   reply: de_reply_status */
	DE_MSG_START = 4,         /* payload: de_req_enclave.  reply: de_reply_status */
	DE_MSG_DESTROY = 5,       /* payload: de_req_enclave.  reply: de_reply_status */
	DE_MSG_LIST = 6,          /* payload: none.            reply: de_reply_list + entries */
	DE_MSG_STATS = 7,         /* payload: none.            reply: de_reply_stats */
	DE_MSG_EVENT_ENCLAVE = 0x4001, /* manager -> service: de_event_enclave */
};

/* Reply status: 0 or a positive errno-style code (the manager's reason). */
enum de_msg_status {
	DE_ST_OK = 0,
	DE_ST_EINVAL = 22, /* malformed or inconsistent request */
	DE_ST_ENOMEM = 12, /* not enough EVM memory */
	DE_ST_ENOENT = 2,  /* no such enclave */
	DE_ST_EBUSY = 16,  /* wrong state (e.g. START twice) */
	DE_ST_ENOSPC = 28, /* too many enclaves or windows */
	DE_ST_ENOEXEC = 8, /* the image is not a loadable enclave */
	DE_ST_EPROTO = 71, /* bad magic/version/type/length */
	DE_ST_ENOSYS = 38, /* unknown request type */
	DE_ST_EIO = 5,     /* the CPU's random number generator failed */
	DE_ST_EPERM = 1,   /* the image failed verification (sgx_status says how) */
};

struct de_reply_status {
	int32_t status;
	uint32_t reserved;
};

struct de_reply_ping {
	int32_t status;
	uint32_t version; /* DE_MSG_VERSION the manager speaks */
	uint64_t uptime_ns;
};

enum de_load_flags {
	DE_LOAD_DEBUG = 1u << 0, /* write() reaches the debug console */
};

/* LOAD_ENCLAVE: this struct, then image_len bytes of the enclave image. */
struct de_req_load {
	uint64_t owner_pid;         /* host pid of the application, for LIST */
	uint32_t flags;             /* enum de_load_flags */
	uint32_t nr_threads;        /* TCS count: 1 .. 64 */
	uint64_t heap_size;         /* bytes, page multiple */
	uint64_t stack_size;        /* bytes per thread, page multiple */
	uint64_t image_len;         /* == hdr.len - sizeof(struct de_req_load) */
	char name[DE_ENCLAVE_NAME]; /* NUL-padded, for LIST */
};

/*
 * The enclave's identity, from its verified SIGSTRUCT and the MRENCLAVE the
 * manager computed while loading (equal to the signed one, or no load).
 */
struct de_identity {
	uint8_t mrenclave[32];
	uint8_t mrsigner[32]; /* SHA-256 of the signer's modulus */
	uint64_t attributes;  /* SGX ATTRIBUTES.FLAGS as signed (DEBUG = bit 1) */
	uint64_t xfrm;
	uint32_t misc_select;
	uint16_t isv_prod_id;
	uint16_t isv_svn;
};

struct de_reply_load {
	int32_t status;
	uint32_t id;   /* enclave id, 1 .. */
	uint64_t base; /* where the image was loaded in the enclave's address space */
	uint64_t size; /* bytes of EVM memory the enclave holds */
	/*
	 * A refused image: the SGX status (sgx_error.h values, e.g.
	 * SGX_ERROR_INVALID_SIGNATURE 0x2003) and the reason (enum de_reason,
	 * include/de/enclave_meta.h). 0 when loaded.
	 */
	uint32_t sgx_status;
	uint32_t reason;
	struct de_identity identity; /* when loaded */
	uint32_t tcs_num;            /* when loaded: TCSNum as signed (call slots to make) */
	uint32_t reserved;           /* zero */
};

/* ATTACH_WINDOW: map guest-physical [gpa, gpa+size) at va in enclave id. */
struct de_req_window {
	uint32_t id;
	uint32_t reserved; /* zero */
	uint64_t gpa;      /* page aligned, inside a window slot the VMM created */
	uint64_t size;     /* page multiple, > 0 */
	uint64_t va;       /* page aligned, user half, outside the enclave image */
};

struct de_req_enclave {
	uint32_t id;
	uint32_t reserved; /* zero */
	uint64_t arg;      /* START: passed to the entry thread (AT_DE_ARG); else zero */
};

enum de_enclave_state {
	DE_ENC_LOADED = 1,
	DE_ENC_RUNNING = 2,
	DE_ENC_EXITED = 3,
	DE_ENC_CRASHED = 4,
};

struct de_list_entry {
	uint32_t id;
	uint32_t state; /* enum de_enclave_state */
	uint64_t owner_pid;
	uint64_t size;    /* bytes of EVM memory */
	uint32_t threads; /* live threads */
	uint32_t windows; /* attached windows */
	char name[DE_ENCLAVE_NAME];
	int64_t exit_code;     /* EXITED: the exit status */
	uint32_t fault_vector; /* CRASHED: the exception vector */
	uint32_t reserved;     /* zero */
	struct de_identity identity;
};

/* LIST reply: this struct, then count de_list_entry. */
struct de_reply_list {
	int32_t status;
	uint32_t count;
};

struct de_reply_stats {
	int32_t status;
	uint32_t enclaves; /* loaded now */
	uint64_t free_pages;
	uint64_t total_pages;
	uint64_t loads, destroys, faults; /* since boot */
};

/* Sent by the manager when an enclave stops by itself. */
struct de_event_enclave {
	uint32_t id;
	uint32_t state;    /* DE_ENC_EXITED or DE_ENC_CRASHED */
	int64_t exit_code; /* EXITED: the exit status */
	uint32_t vector;   /* CRASHED: exception vector */
	uint32_t reserved;
	uint64_t error; /* CRASHED: error code */
	uint64_t rip;   /* CRASHED: faulting instruction */
	uint64_t addr;  /* CRASHED: fault address (#PF) */
};

_Static_assert(sizeof(struct de_msg_hdr) == 16, "header layout");
_Static_assert(sizeof(struct de_req_load) == 72, "load layout");
_Static_assert(sizeof(struct de_identity) == 88, "identity layout");
_Static_assert(sizeof(struct de_reply_load) == 128, "load reply layout");
_Static_assert(sizeof(struct de_req_window) == 32, "window layout");
_Static_assert(sizeof(struct de_req_enclave) == 16, "enclave request layout");
_Static_assert(sizeof(struct de_list_entry) == 168, "list entry layout");
_Static_assert(sizeof(struct de_reply_stats) == 48, "stats layout");
_Static_assert(sizeof(struct de_event_enclave) == 48, "event layout");

#endif /* DE_EVM_PROTO_H */
