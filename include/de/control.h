/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The service's control protocol on <runtime_dir>/control.sock (a Unix
 * stream socket, mode 0660). A client sends one request; the service sends
 * one response. CONSOLE responses are followed by the console byte stream
 * until either side closes. Anyone in socket_group can connect, so the
 * service treats every request as untrusted.
 */
#ifndef DE_CONTROL_H
#define DE_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#define DE_CTL_MAGIC       0x4c544344u /* "DCTL" */
#define DE_CTL_VERSION     1u
#define DE_CTL_MAX_PAYLOAD 65536u      /* responses */
#define DE_CTL_MAX_REQUEST (64u << 20) /* requests: LOAD's de_req_load and image together */

enum de_ctl_op {
	DE_CTL_STATUS = 1,   /* response payload: one JSON object */
	DE_CTL_STOP = 2,     /* stop the EVM and the service */
	DE_CTL_CONSOLE = 3,  /* stream the debug console */
	DE_CTL_ENCLAVES = 4, /* response payload: one JSON object {"enclaves": [...]} */
	/*
	 * Enclave requests from applications. Payloads and response payloads
	 * are the structs of include/de/evm_proto.h: LOAD sends de_req_load +
	 * image and gets de_reply_load; START and DESTROY send de_req_enclave
	 * and get de_reply_status. An enclave belongs to the connection that
	 * loaded it: only that connection may start or destroy it, and it is
	 * destroyed when the connection closes.
	 */
	DE_CTL_LOAD = 5,
	DE_CTL_START = 6,
	DE_CTL_DESTROY = 7,
	DE_CTL_STATS = 8, /* response payload: one JSON object (EVM memory and counters) */
	/*
	 * Shares memory with one of the connection's enclaves: payload
	 * de_ctl_window, plus exactly one file descriptor sent with SCM_RIGHTS
	 * in the same message: a memfd created with MFD_ALLOW_SEALING, at least
	 * size bytes long, that the application has mapped at va. The service
	 * seals it against shrinking, maps it into the EVM and has the manager
	 * map it into the enclave at va. Response payload: de_reply_status from
	 * the manager, or an error status with a sentence when the service
	 * refuses the window itself. The window goes away with the enclave.
	 */
	DE_CTL_WINDOW = 9,
};

struct de_ctl_window {
	uint32_t id;       /* enclave id */
	uint32_t reserved; /* zero */
	uint64_t va;       /* page aligned; where the application mapped the memfd */
	uint64_t size;     /* nonzero page multiple, at most DE_WINDOW_MAX (include/de/boot.h) */
};

_Static_assert(sizeof(struct de_ctl_window) == 24, "window request layout");

struct de_ctl_req {
	uint32_t magic;
	uint16_t version;
	uint16_t op;
	uint32_t len; /* payload bytes that follow (LOAD, START, DESTROY) */
	uint32_t reserved;
};

enum de_ctl_status {
	DE_CTL_OK = 0,
	DE_CTL_EBADREQ = 1,  /* malformed request */
	DE_CTL_EVERSION = 2, /* unsupported protocol version */
	DE_CTL_EOP = 3,      /* unknown operation */
	DE_CTL_ESTATE = 4,   /* not possible now (e.g. console on a non-debug EVM) */
};

struct de_ctl_resp {
	uint32_t magic;
	uint16_t version;
	uint16_t status; /* enum de_ctl_status */
	uint32_t len;    /* payload bytes: JSON, or a message for errors */
	uint32_t reserved;
};

_Static_assert(sizeof(struct de_ctl_req) == 16, "control request layout");
_Static_assert(sizeof(struct de_ctl_resp) == 16, "control response layout");

#endif
