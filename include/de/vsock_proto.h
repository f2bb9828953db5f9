/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Well-known vsock ports and the readiness message. Shared by the VMM and
 * the trusted OS.
 */
#ifndef DE_VSOCK_PROTO_H
#define DE_VSOCK_PROTO_H

#include <stdint.h>

#define DE_VSOCK_HOST_CID  2u
#define DE_VSOCK_GUEST_CID 3u

/* Guest ports. */
#define DE_PORT_ECHO 1u /* echoes every byte back */

/* Host ports served by the VMM itself (guest connects to CID 2). */
#define DE_HOST_PORT_READY 9u

#define DE_READY_MAGIC   0x59444145524544ull /* "DEREADY" */
#define DE_READY_VERSION 1u

/* The manager connects to DE_HOST_PORT_READY and sends this once. */
struct de_ready_msg {
	uint64_t magic;
	uint32_t version;
	uint32_t nr_vcpus_online;
	uint64_t free_pages;
	uint64_t boot_tsc; /* guest TSC when the manager became ready */
};

_Static_assert(sizeof(struct de_ready_msg) == 32, "ready message layout");

#endif /* DE_VSOCK_PROTO_H */
