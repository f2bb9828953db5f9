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
#define DE_CTL_MAX_PAYLOAD 65536u

enum de_ctl_op {
	DE_CTL_STATUS = 1,  /* response payload: one JSON object */
	DE_CTL_STOP = 2,    /* stop the EVM and the service */
	DE_CTL_CONSOLE = 3, /* stream the debug console */
};

struct de_ctl_req {
	uint32_t magic;
	uint16_t version;
	uint16_t op;
	uint32_t len; /* payload bytes that follow (none are defined yet) */
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
