/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Enclave VM: a KVM virtual machine with pinned vCPUs, locked guest
 * memory, a virtio-vsock device, the DE platform device and, on debug EVMs,
 * a serial console. This is the VMM's public interface; the service
 * (src/platform) drives it.
 */
#ifndef DE_VMM_EVM_H
#define DE_VMM_EVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "de/boot.h"

struct evm_config {
	const char *image_path;
	uint32_t nr_vcpus;
	int host_cpus[DE_MAX_VCPUS]; /* vCPU i runs pinned to host_cpus[i] */
	uint64_t memory_mib;
	bool debug;
	const char *vsock_path; /* hybrid-vsock Unix socket to listen on */
	int socket_gid;         /* group of the sockets, or -1 */
};

struct evm_callbacks {
	void *ctx;
	/* Console bytes (debug EVMs only). Called from vCPU threads. */
	void (*console)(void *ctx, const char *buf, size_t len);
	/* The trusted OS reported readiness. */
	void (*ready)(void *ctx);
	/* The EVM stopped by itself (crash); reason is a sentence. */
	void (*stopped)(void *ctx, const char *reason);
};

struct evm;

struct evm_vcpu_info {
	uint32_t id;
	int host_cpu;
	int tid;
};

/*
 * Creates the VM, loads the image and prepares vCPUs and devices. On failure
 * returns a negative errno and writes one sentence (what and how to fix) to
 * err.
 */
int evm_create(const struct evm_config *cfg, const struct evm_callbacks *cb, struct evm **out,
               char *err, size_t errlen);
/* Starts the vCPU threads and the vsock backend. */
int evm_start(struct evm *e, char *err, size_t errlen);
/* Stops the vCPUs (idempotent); the EVM can then only be destroyed. */
void evm_stop(struct evm *e);
/* Stops, zeroes and unmaps guest memory, closes everything. */
void evm_destroy(struct evm *e);

/*
 * Opens a byte stream to a guest vsock port for the VMM's own user (the
 * service): returns a socket that first yields "OK <port>\n", like a
 * hybrid-vsock client, or -errno with a sentence in err. Guest port 2 (the
 * manager's control port) is reachable only this way.
 */
int evm_vsock_connect(struct evm *e, uint32_t port, char *err, size_t errlen);

/*
 * Shared windows: maps host memory [host, host + size) (page aligned, at
 * most DE_WINDOW_MAX bytes) into the guest as a memory slot of its own, at
 * a guest-physical address at or above DE_WINDOW_BASE that no other window
 * uses. Returns the window's index (>= 0) and its address in *gpa, or
 * -errno with a sentence in err. Safe while the vCPUs run; the caller
 * keeps the host memory mapped until evm_window_remove() returns.
 */
int evm_window_add(struct evm *e, void *host, uint64_t size, uint64_t *gpa, char *err,
                   size_t errlen);
/*
 * Removes a window's memory slot. The guest must no longer map it: an
 * access to a removed window stops the EVM as an unmapped access.
 */
void evm_window_remove(struct evm *e, int index);

/* Reads and validates an image file without creating anything. */
int evm_image_check(const char *path, uint64_t memory_mib, char *err, size_t errlen);

bool evm_running(const struct evm *e);
void evm_vcpu_info(const struct evm *e, uint32_t i, struct evm_vcpu_info *out);
const uint8_t *evm_image_sha256(const struct evm *e);
bool evm_memory_locked(const struct evm *e);

#endif /* DE_VMM_EVM_H */
