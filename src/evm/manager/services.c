/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The manager's first services: the echo port (a health check and a test of
 * the whole vsock path) and the readiness report to the VMM.
 */
#include <string.h>

#include "manager.h"
#include "services.h"
#include "vsock.h"
#include "de/vsock_proto.h"

/* Port DE_PORT_ECHO: every byte received is sent back, in order. */
static void echo_handler(struct vsock_conn *c)
{
	uint8_t buf[4096];
	while (c->state == VS_CONNECTED) {
		size_t n = vsock_rx_avail(c);
		size_t space = vsock_tx_space(c);
		if (n > space)
			n = space;
		if (n > sizeof(buf))
			n = sizeof(buf);
		if (!n)
			break;
		n = vsock_read(c, buf, n);
		vsock_write(c, buf, n);
	}
}

int echo_start(void)
{
	return vsock_listen(DE_PORT_ECHO, echo_handler);
}

static struct de_ready_msg ready_msg;
static int ready_sent;

static void ready_handler(struct vsock_conn *c)
{
	if (c->state != VS_CONNECTED || ready_sent)
		return;
	if (vsock_write(c, &ready_msg, sizeof(ready_msg)) != sizeof(ready_msg))
		return;
	ready_sent = 1;
	vsock_close(c);
}

int ready_report(uint32_t vcpus_online, uint64_t free_pages)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	ready_msg = (struct de_ready_msg){
	    .magic = DE_READY_MAGIC,
	    .version = DE_READY_VERSION,
	    .nr_vcpus_online = vcpus_online,
	    .free_pages = free_pages,
	    .boot_tsc = (uint64_t)hi << 32 | lo,
	};
	return vsock_connect(DE_VSOCK_HOST_CID, DE_HOST_PORT_READY, ready_handler) ? 0 : -1;
}
