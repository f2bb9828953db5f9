/* SPDX-License-Identifier: Apache-2.0 */
/* de_platform_service internals shared by service.c and clients.c. */
#ifndef DE_PLATFORM_SERVICE_H
#define DE_PLATFORM_SERVICE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "config.h"
#include "control.h"
#include "evm.h"
#include "mgr_link.h"
#include "runtime.h"

#define READY_TIMEOUT_S 10
#define MAX_CLIENTS     32
#define CONSOLE_RING    65536u
#define MEM_RESERVE_MIB 256u

enum { EP_SIGNAL = 1, EP_EVENT, EP_TIMER, EP_CONTROL, EP_MGR, EP_CLIENT = 100 };

struct client {
	int fd;
	uint32_t gen; /* bumped each time the slot is reused */
	uint8_t req[sizeof(struct de_ctl_req)];
	size_t got;
	struct de_ctl_req hdr;
	uint8_t *payload; /* hdr.len bytes being received */
	size_t pgot;
	bool console;
	uint64_t console_pos;
	pid_t pid;      /* the peer, from SO_PEERCRED */
	uint64_t owned; /* enclave ids (bit id - 1) this connection loaded */
	int passed_fd;  /* a descriptor received with SCM_RIGHTS, or -1 */
	uint32_t index; /* its slot in service.clients */
	int epfd;       /* the service's epoll set (to wait for EPOLLOUT) */
	uint8_t *out;   /* responses not yet taken by the client */
	size_t out_len, out_off;
	bool broken; /* a send failed or the client let too much pile up */
};

/* A shared window: an application's memfd, mapped here and into the EVM. */
struct window {
	int index;        /* the VMM's window index; -1 = free */
	uint32_t enclave; /* the enclave it is (being) attached to */
	void *host;       /* the service's own mapping of the memfd */
	uint64_t size, gpa, va;
	bool attached; /* the manager has mapped it */
};

/* A request forwarded to the manager, waiting for its reply. */
struct pending {
	uint32_t seq; /* 0 = free */
	int client;   /* index, or -1 when nobody waits (cleanup) */
	uint32_t gen;
	uint16_t op;      /* DE_CTL_* */
	uint16_t reply;   /* the reply type it must get */
	uint32_t enclave; /* DESTROY: the enclave whose windows go with it */
	int window;       /* WINDOW: index into service.windows */
};

/*
 * Requests in flight. The last DE_MAX_ENCLAVES slots are kept for the
 * destroys the service sends itself when applications go away, so a busy
 * client can never make an enclave outlive its application.
 */
#define MAX_PENDING (128 + (int)DE_MAX_ENCLAVES)

struct service {
	struct de_config cfg;
	struct runtime rt;
	struct evm *evm;
	struct evm_config ecfg;
	int epfd, sigfd, evfd, timerfd, ctl_fd;
	int stop_fd; /* the client that asked to stop; closed when everything is done */
	struct client clients[MAX_CLIENTS];
	struct mgr_link mgr;
	bool mgr_up;
	long relink_ms;  /* backoff while reconnecting to the manager */
	bool reconciled; /* after a reconnect: orphaned enclaves are dealt with */
	struct pending pending[MAX_PENDING];
	struct window windows[DE_MAX_WINDOWS];
	struct timespec start;
	double boot_ms;
	/* Written by VMM threads, read by the main loop. */
	pthread_mutex_t lock;
	bool ready, ready_seen;
	bool stopped;
	char stop_reason[512];
	bool stop_reported;
	char console[CONSOLE_RING];
	uint64_t console_head;
	char line[256];
	size_t line_len;
};

double ms_since(const struct timespec *t0);

/* clients.c: the control socket's clients and the relay to the manager. */
void client_accept(struct service *s);
/* Handles input on a client; returns true when the service must stop. */
bool client_io(struct service *s, struct client *c);
void client_close(struct service *s, struct client *c);
void console_push(struct service *s, struct client *c);
/* A message from the manager (a reply or an event). */
void relay_from_manager(void *ctx, const struct de_msg_hdr *h, const uint8_t *payload);
/* The manager link broke: fail every waiting request. */
void relay_fail_all(struct service *s);
/*
 * After the link is restored: list the EVM's enclaves and destroy those no
 * connection owns any more (their applications went away meanwhile).
 */
void relay_reconcile(struct service *s);
/* Marks every window slot free (at start-up). */
void windows_init(struct service *s);
/* Unmaps every window from the service (at shutdown, after the EVM is gone). */
void windows_cleanup(struct service *s);

#endif
