/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "evm_internal.h"
#include "virtio_mmio.h"
#include "de/virtio.h"

int virtio_mmio_live(const struct virtio_mmio *t)
{
	return (t->status & VIRTIO_STATUS_DRIVER_OK) && !(t->status & VIRTIO_STATUS_FAILED);
}

static struct virtq *cur_vq(struct virtio_mmio *t)
{
	return t->queue_sel < t->ops->nr_queues ? &t->vq[t->queue_sel] : NULL;
}

static void reset(struct virtio_mmio *t)
{
	t->status = 0;
	t->dev_features_sel = t->drv_features_sel = 0;
	t->drv_features = 0;
	t->queue_sel = 0;
	for (uint32_t i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++)
		virtq_reset(&t->vq[i]);
	t->ops->status(t->dev, 0);
}

static uint32_t reg_read(struct virtio_mmio *t, uint64_t off)
{
	struct virtq *q = cur_vq(t);
	switch (off) {
	case VIRTIO_MMIO_MAGIC:
		return VIRTIO_MMIO_MAGIC_VALUE;
	case VIRTIO_MMIO_VERSION:
		return 2;
	case VIRTIO_MMIO_DEVICE_ID:
		return t->ops->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_VENDOR_DE;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return t->dev_features_sel < 2
		           ? (uint32_t)(t->ops->features >> (32 * t->dev_features_sel))
		           : 0;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return q ? t->ops->queue_max : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return q ? q->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return 0; /* polled device: no interrupts */
	case VIRTIO_MMIO_STATUS:
		return t->status;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return 0;
	default:
		return 0;
	}
}

static void set_half(uint64_t *v, uint32_t val, int high)
{
	if (high)
		*v = (*v & 0xffffffffull) | (uint64_t)val << 32;
	else
		*v = (*v & ~0xffffffffull) | val;
}

static void reg_write(struct virtio_mmio *t, uint64_t off, uint32_t val)
{
	struct virtq *q = cur_vq(t);
	/* Queue layout may change only while the queue is not live. */
	int q_cfg = q && !q->ready;

	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		t->dev_features_sel = val;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		t->drv_features_sel = val;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (t->drv_features_sel < 2 && !(t->status & VIRTIO_STATUS_FEATURES_OK))
			set_half(&t->drv_features, val, (int)t->drv_features_sel);
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		t->queue_sel = val;
		break;
	case VIRTIO_MMIO_QUEUE_NUM:
		if (q_cfg)
			q->size = val <= t->ops->queue_max ? (uint16_t)val : 0;
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		if (q_cfg)
			set_half(&q->desc_gpa, val, off == VIRTIO_MMIO_QUEUE_DESC_HIGH);
		break;
	case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
		if (q_cfg)
			set_half(&q->avail_gpa, val, off == VIRTIO_MMIO_QUEUE_DRIVER_HIGH);
		break;
	case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
	case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
		if (q_cfg)
			set_half(&q->used_gpa, val, off == VIRTIO_MMIO_QUEUE_DEVICE_HIGH);
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		if (!q)
			break;
		if (val == 1 && !q->ready) {
			if (virtq_activate(q, &t->evm->mem)) {
				evm_log("err",
				        "virtio device %u: queue %u placed outside guest RAM",
				        t->ops->device_id, t->queue_sel);
				t->status |= VIRTIO_STATUS_NEEDS_RESET;
			}
		} else if (val == 0) {
			q->ready = false;
		}
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		if (val < t->ops->nr_queues && t->vq[val].ready && virtio_mmio_live(t))
			t->ops->notify(t->dev, val);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		break;
	case VIRTIO_MMIO_STATUS:
		if (val == 0) {
			reset(t);
			break;
		}
		if ((val & VIRTIO_STATUS_FEATURES_OK) && !(t->status & VIRTIO_STATUS_FEATURES_OK) &&
		    (t->drv_features & ~t->ops->features)) {
			val &= ~VIRTIO_STATUS_FEATURES_OK; /* asked for something we do not offer */
		}
		t->status = val;
		if (val & VIRTIO_STATUS_DRIVER_OK)
			t->ops->status(t->dev, val);
		break;
	default:
		break;
	}
}

static void mmio_read(void *dev, struct vcpu *v, uint64_t off, void *data, uint32_t len)
{
	struct virtio_mmio *t = dev;
	(void)v;
	memset(data, 0, len);
	pthread_mutex_lock(t->lock);
	if (off >= VIRTIO_MMIO_CONFIG) {
		uint64_t c = off - VIRTIO_MMIO_CONFIG;
		if (c < t->config_size && len <= t->config_size - c)
			t->ops->config_read(t->dev, (uint32_t)c, data, len);
	} else if (len == 4 && !(off & 3)) {
		uint32_t val = reg_read(t, off);
		memcpy(data, &val, 4);
	}
	pthread_mutex_unlock(t->lock);
}

static void mmio_write(void *dev, struct vcpu *v, uint64_t off, const void *data, uint32_t len)
{
	struct virtio_mmio *t = dev;
	(void)v;
	if (len != 4 || (off & 3) || off >= VIRTIO_MMIO_CONFIG)
		return; /* registers are 32-bit; config space is read-only for vsock */
	uint32_t val;
	memcpy(&val, data, 4);
	pthread_mutex_lock(t->lock);
	reg_write(t, off, val);
	pthread_mutex_unlock(t->lock);
}

int virtio_mmio_init(struct virtio_mmio *t, struct evm *e, uint64_t base,
                     const struct virtio_device_ops *ops, void *dev, pthread_mutex_t *lock,
                     uint32_t config_size)
{
	memset(t, 0, sizeof(*t));
	t->ops = ops;
	t->dev = dev;
	t->evm = e;
	t->lock = lock;
	t->config_size = config_size;
	struct mmio_region r = {
	    .base = base,
	    .size = DE_MMIO_SIZE,
	    .dev = t,
	    .read = mmio_read,
	    .write = mmio_write,
	};
	return evm_add_mmio(e, &r);
}
