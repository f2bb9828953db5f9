/* SPDX-License-Identifier: Apache-2.0 */
/* VMM internals shared by its files; not used outside src/vmm. */
#ifndef DE_VMM_INTERNAL_H
#define DE_VMM_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "evm.h"
#include "guest_mem.h"

struct vsock_dev;
struct virtio_mmio;

/* vCPU lifecycle: created -> running -> stopped. */
enum vcpu_state { VCPU_CREATED, VCPU_RUNNING, VCPU_STOPPED };

struct vcpu {
	struct evm *evm;
	uint32_t id;
	int host_cpu;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool thread_started;
	_Atomic int tid;
	_Atomic enum vcpu_state state;
	_Atomic bool preempt; /* inject DE_PREEMPT_VECTOR when the guest can take it */
	uint64_t wait_us;     /* DE_PLAT_WAIT_US: bound of the next WAIT, 0 = default */
};

/* An MMIO region and its handler; the vCPU loop dispatches through a table. */
struct mmio_region {
	uint64_t base, size;
	void *dev;
	void (*read)(void *dev, struct vcpu *v, uint64_t off, void *data, uint32_t len);
	void (*write)(void *dev, struct vcpu *v, uint64_t off, const void *data, uint32_t len);
};

#define EVM_MAX_MMIO 4

struct evm {
	struct evm_config cfg;
	struct evm_callbacks cb;
	int kvm_fd, vm_fd;
	struct guest_mem mem;
	struct de_bootinfo *bootinfo; /* in guest memory */
	uint8_t image_sha256[32];
	uint64_t image_entry;
	struct vcpu vcpus[DE_MAX_VCPUS];
	struct mmio_region mmio[EVM_MAX_MMIO];
	uint32_t nr_mmio;
	uint64_t window_size[DE_MAX_WINDOWS]; /* 0 = free; KVM slot 2 + index */
	pthread_mutex_t window_lock;
	struct virtio_mmio *vsock_transport;
	struct vsock_dev *vsock;

	/* Event sequence: guest sleeps (HLT / platform WAIT) until it moves. */
	pthread_mutex_t ev_lock;
	pthread_cond_t ev_cond;
	_Atomic bool stopping;
	_Atomic bool crashed;
	pthread_mutex_t stop_lock;
};

/* Wake every sleeping vCPU: a device has work for the guest. */
void evm_event(struct evm *e);
/* Sleep until event_seq differs from seen, the EVM stops, or max_us passes. */
void evm_wait_event(struct evm *e, uint64_t seen, uint64_t max_us);
/* A fatal guest condition: log it with the vCPU's registers and stop the EVM. */
void evm_crash(struct evm *e, struct vcpu *v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void evm_log(const char *level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int evm_add_mmio(struct evm *e, const struct mmio_region *r);

/* boot.c */
int boot_setup(struct evm *e, const uint8_t *image, size_t image_len, char *err, size_t errlen);
int boot_vcpu_regs(struct evm *e, struct vcpu *v, char *err, size_t errlen);

/* vcpu.c */
int vcpu_create(struct evm *e, struct vcpu *v, char *err, size_t errlen);
int vcpu_start(struct vcpu *v, char *err, size_t errlen);
void vcpu_kick(struct vcpu *v);
void vcpu_dump(struct vcpu *v);

/* platform_dev.c, serial.c */
int platform_dev_init(struct evm *e);
void serial_io(struct evm *e, struct vcpu *v, struct kvm_run *run);

/* vsock (vsock_dev.c) */
int vsock_dev_create(struct evm *e, char *err, size_t errlen);
int vsock_dev_start(struct vsock_dev *d, char *err, size_t errlen);
void vsock_dev_destroy(struct vsock_dev *d);

#endif
