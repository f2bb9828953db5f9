/* SPDX-License-Identifier: Apache-2.0 */
/*
 * virtio-mmio transport (virtio 1.x §4.2, version 2 registers). It owns the
 * register state machine and the queues; the device model supplies features,
 * config space and what to do on a queue notification.
 */
#ifndef DE_VMM_VIRTIO_MMIO_H
#define DE_VMM_VIRTIO_MMIO_H

#include <pthread.h>
#include <stdint.h>

#include "virtq.h"

struct evm;

struct virtio_device_ops {
	uint32_t device_id;
	uint64_t features;
	uint32_t nr_queues;
	uint16_t queue_max;
	/* Config space read; off/len are bounds-checked by the transport. */
	void (*config_read)(void *dev, uint32_t off, void *data, uint32_t len);
	/* Called from a vCPU thread with the device lock held. */
	void (*notify)(void *dev, uint32_t queue);
	/* Driver reset or DRIVER_OK; lock held. */
	void (*status)(void *dev, uint32_t status);
};

#define VIRTIO_MMIO_MAX_QUEUES 4

struct virtio_mmio {
	const struct virtio_device_ops *ops;
	void *dev;
	struct evm *evm;
	pthread_mutex_t *lock; /* the device's lock, shared with its backend */
	uint32_t status;
	uint32_t dev_features_sel, drv_features_sel;
	uint64_t drv_features;
	uint32_t queue_sel;
	uint32_t config_size;
	struct virtq vq[VIRTIO_MMIO_MAX_QUEUES];
};

int virtio_mmio_init(struct virtio_mmio *t, struct evm *e, uint64_t base,
                     const struct virtio_device_ops *ops, void *dev, pthread_mutex_t *lock,
                     uint32_t config_size);
/* True once the driver set DRIVER_OK and did not fail. */
int virtio_mmio_live(const struct virtio_mmio *t);

#endif
