/* SPDX-License-Identifier: Apache-2.0 */
/* EVM lifecycle: create, start, stop, destroy; events and crash handling. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "evm_internal.h"
#include "image.h"
#include "util/log.h"

void evm_log(const char *level, const char *fmt, ...)
{
	va_list ap;
	enum log_level l = !strcmp(level, "err")       ? LOG_LVL_ERR
	                   : !strcmp(level, "warning") ? LOG_LVL_WARN
	                                               : LOG_LVL_INFO;
	va_start(ap, fmt);
	log_vmsg(l, fmt, ap);
	va_end(ap);
}

int evm_add_mmio(struct evm *e, const struct mmio_region *r)
{
	if (e->nr_mmio == EVM_MAX_MMIO)
		return -ENOSPC;
	e->mmio[e->nr_mmio++] = *r;
	return 0;
}

void evm_event(struct evm *e)
{
	pthread_mutex_lock(&e->ev_lock);
	__atomic_fetch_add(&e->bootinfo->event_seq, 1, __ATOMIC_SEQ_CST);
	pthread_cond_broadcast(&e->ev_cond);
	pthread_mutex_unlock(&e->ev_lock);
}

void evm_wait_event(struct evm *e, uint64_t seen, uint64_t max_us)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += (time_t)(max_us / 1000000);
	until.tv_nsec += (long)(max_us % 1000000) * 1000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&e->ev_lock);
	while (!e->stopping && __atomic_load_n(&e->bootinfo->event_seq, __ATOMIC_SEQ_CST) == seen)
		if (pthread_cond_timedwait(&e->ev_cond, &e->ev_lock, &until) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&e->ev_lock);
}

static void stop_vcpus(struct evm *e)
{
	pthread_mutex_lock(&e->ev_lock);
	e->stopping = true;
	pthread_cond_broadcast(&e->ev_cond);
	pthread_mutex_unlock(&e->ev_lock);
	for (uint32_t i = 0; i < e->cfg.nr_vcpus; i++)
		vcpu_kick(&e->vcpus[i]);
}

void evm_crash(struct evm *e, struct vcpu *v, const char *fmt, ...)
{
	char reason[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);

	bool first = !atomic_exchange(&e->crashed, true);
	if (!first || e->stopping)
		return; /* a stop is already under way; report only the first cause */
	log_msg(LOG_LVL_ERR, "EVM stopped: %s", reason);
	if (v)
		vcpu_dump(v);
	stop_vcpus(e);
	if (e->cb.stopped)
		e->cb.stopped(e->cb.ctx, reason);
}

static int kvm_open(struct evm *e, char *err, size_t errlen)
{
	e->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (e->kvm_fd < 0) {
		int en = errno;
		snprintf(err, errlen,
		         "cannot open /dev/kvm: %s; load the kvm module (modprobe kvm_intel or "
		         "kvm_amd) and run the service as root",
		         strerror(en));
		return -en;
	}
	int ver = ioctl(e->kvm_fd, KVM_GET_API_VERSION, 0);
	if (ver != KVM_API_VERSION) {
		snprintf(err, errlen, "/dev/kvm speaks API version %d, this VMM needs %d", ver,
		         KVM_API_VERSION);
		return -ENOTSUP;
	}
	e->vm_fd = ioctl(e->kvm_fd, KVM_CREATE_VM, 0);
	if (e->vm_fd < 0) {
		int en = errno;
		snprintf(err, errlen, "KVM_CREATE_VM failed: %s", strerror(en));
		return -en;
	}
	return 0;
}

static int set_memslots(struct evm *e, char *err, size_t errlen)
{
	struct kvm_userspace_memory_region low = {
	    .slot = 0,
	    .guest_phys_addr = 0,
	    .memory_size = e->mem.low,
	    .userspace_addr = (uint64_t)e->mem.host,
	};
	struct kvm_userspace_memory_region high = {
	    .slot = 1,
	    .guest_phys_addr = GUEST_HIGH,
	    .memory_size = e->mem.high,
	    .userspace_addr = (uint64_t)(e->mem.host + e->mem.low),
	};
	if (ioctl(e->vm_fd, KVM_SET_USER_MEMORY_REGION, &low) < 0 ||
	    (e->mem.high && ioctl(e->vm_fd, KVM_SET_USER_MEMORY_REGION, &high) < 0)) {
		int en = errno;
		snprintf(err, errlen, "cannot give guest memory to KVM: %s", strerror(en));
		return -en;
	}
	return 0;
}

int evm_create(const struct evm_config *cfg, const struct evm_callbacks *cb, struct evm **out,
               char *err, size_t errlen)
{
	uint8_t *image = NULL;
	size_t image_len = 0;
	int rc;

	*out = NULL;
	if (cfg->nr_vcpus == 0 || cfg->nr_vcpus > DE_MAX_VCPUS) {
		snprintf(err, errlen, "an EVM needs 1 to %u vCPUs", DE_MAX_VCPUS);
		return -EINVAL;
	}
	if (image_read(cfg->image_path, cfg->memory_mib, &image, &image_len, err, errlen))
		return -EINVAL;

	struct evm *e = calloc(1, sizeof(*e));
	if (!e) {
		free(image);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	e->cfg = *cfg;
	if (cb)
		e->cb = *cb;
	e->kvm_fd = e->vm_fd = -1;
	e->mem.memfd = -1;
	for (uint32_t i = 0; i < DE_MAX_VCPUS; i++)
		e->vcpus[i].fd = -1;
	pthread_mutex_init(&e->ev_lock, NULL);
	pthread_mutex_init(&e->stop_lock, NULL);
	pthread_mutex_init(&e->window_lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&e->ev_cond, &ca);
	pthread_condattr_destroy(&ca);
	EVP_Digest(image, image_len, e->image_sha256, NULL, EVP_sha256(), NULL);

	rc = kvm_open(e, err, errlen);
	if (rc)
		goto fail;
	rc = guest_mem_create(&e->mem, cfg->memory_mib << 20, err, errlen);
	if (rc)
		goto fail;
	rc = set_memslots(e, err, errlen);
	if (rc)
		goto fail;
	rc = boot_setup(e, image, image_len, err, errlen);
	if (rc)
		goto fail;
	rc = platform_dev_init(e);
	if (!rc)
		rc = vsock_dev_create(e, err, errlen);
	if (rc)
		goto fail;
	for (uint32_t i = 0; i < cfg->nr_vcpus; i++) {
		e->vcpus[i].id = i;
		e->vcpus[i].host_cpu = cfg->host_cpus[i];
		rc = vcpu_create(e, &e->vcpus[i], err, errlen);
		if (rc)
			goto fail;
	}
	/* Guest time: the TSC rate, and the host's wall clock as a starting point. */
	int khz = ioctl(e->vcpus[0].fd, KVM_GET_TSC_KHZ, 0);
	e->bootinfo->tsc_khz = khz > 0 ? (uint64_t)khz : 0;
	free(image);
	*out = e;
	return 0;
fail:
	free(image);
	evm_destroy(e);
	return rc < 0 ? rc : -EINVAL;
}

int evm_start(struct evm *e, char *err, size_t errlen)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	e->bootinfo->boot_realtime_ns =
	    (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	int rc = vsock_dev_start(e->vsock, err, errlen);
	if (rc)
		return rc;
	for (uint32_t i = 0; i < e->cfg.nr_vcpus; i++) {
		rc = vcpu_start(&e->vcpus[i], err, errlen);
		if (rc) {
			evm_stop(e);
			return rc;
		}
	}
	return 0;
}

void evm_stop(struct evm *e)
{
	pthread_mutex_lock(&e->stop_lock);
	stop_vcpus(e);
	for (uint32_t i = 0; i < e->cfg.nr_vcpus; i++) {
		struct vcpu *v = &e->vcpus[i];
		if (v->thread_started) {
			while (v->state == VCPU_RUNNING) {
				vcpu_kick(v);
				struct timespec ts = {0, 1000000};
				nanosleep(&ts, NULL);
			}
			pthread_join(v->thread, NULL);
			v->thread_started = false;
		}
	}
	pthread_mutex_unlock(&e->stop_lock);
}

void evm_destroy(struct evm *e)
{
	if (!e)
		return;
	evm_stop(e);
	if (e->vsock)
		vsock_dev_destroy(e->vsock);
	for (uint32_t i = 0; i < DE_MAX_VCPUS; i++) {
		struct vcpu *v = &e->vcpus[i];
		if (v->run)
			munmap(v->run, (size_t)ioctl(e->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0));
		if (v->fd >= 0)
			close(v->fd);
	}
	if (e->vm_fd >= 0)
		close(e->vm_fd);
	if (e->kvm_fd >= 0)
		close(e->kvm_fd);
	guest_mem_destroy(&e->mem);
	pthread_cond_destroy(&e->ev_cond);
	pthread_mutex_destroy(&e->ev_lock);
	pthread_mutex_destroy(&e->stop_lock);
	pthread_mutex_destroy(&e->window_lock);
	free(e);
}

int evm_image_check(const char *path, uint64_t memory_mib, char *err, size_t errlen)
{
	uint8_t *buf;
	size_t len;
	if (image_read(path, memory_mib, &buf, &len, err, errlen))
		return -1;
	free(buf);
	return 0;
}

#define WINDOW_SLOT0 2 /* KVM slots 0 and 1 hold guest RAM */

int evm_window_add(struct evm *e, void *host, uint64_t size, uint64_t *gpa, char *err,
                   size_t errlen)
{
	if (!size || size > DE_WINDOW_MAX || (size & 4095) || ((uintptr_t)host & 4095)) {
		snprintf(err, errlen, "a window must be a whole number of pages, at most %llu GiB",
		         (unsigned long long)(DE_WINDOW_MAX >> 30));
		return -EINVAL;
	}
	pthread_mutex_lock(&e->window_lock);
	int i = 0;
	while (i < (int)DE_MAX_WINDOWS && e->window_size[i])
		i++;
	if (i == (int)DE_MAX_WINDOWS) {
		pthread_mutex_unlock(&e->window_lock);
		snprintf(err, errlen,
		         "all %u shared windows of the EVM are in use; close one first",
		         DE_MAX_WINDOWS);
		return -ENOSPC;
	}
	struct kvm_userspace_memory_region r = {
	    .slot = WINDOW_SLOT0 + (uint32_t)i,
	    .guest_phys_addr = DE_WINDOW_BASE + (uint64_t)i * DE_WINDOW_MAX,
	    .memory_size = size,
	    .userspace_addr = (uint64_t)(uintptr_t)host,
	};
	if (ioctl(e->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0) {
		int en = errno;
		pthread_mutex_unlock(&e->window_lock);
		snprintf(err, errlen, "KVM refused the window's memory slot: %s", strerror(en));
		return -en;
	}
	e->window_size[i] = size;
	pthread_mutex_unlock(&e->window_lock);
	*gpa = r.guest_phys_addr;
	return i;
}

void evm_window_remove(struct evm *e, int index)
{
	if (index < 0 || index >= (int)DE_MAX_WINDOWS)
		return;
	pthread_mutex_lock(&e->window_lock);
	if (e->window_size[index]) {
		struct kvm_userspace_memory_region r = {
		    .slot = WINDOW_SLOT0 + (uint32_t)index,
		    .guest_phys_addr = DE_WINDOW_BASE + (uint64_t)index * DE_WINDOW_MAX,
		    .memory_size = 0, /* deletes the slot */
		};
		if (ioctl(e->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
			evm_log("err", "cannot remove window %d's memory slot: %s", index,
			        strerror(errno));
		e->window_size[index] = 0;
	}
	pthread_mutex_unlock(&e->window_lock);
}

bool evm_running(const struct evm *e)
{
	return e && !e->stopping;
}

void evm_vcpu_info(const struct evm *e, uint32_t i, struct evm_vcpu_info *out)
{
	out->id = i;
	out->host_cpu = e->vcpus[i].host_cpu;
	out->tid = e->vcpus[i].tid;
}

const uint8_t *evm_image_sha256(const struct evm *e)
{
	return e->image_sha256;
}

bool evm_memory_locked(const struct evm *e)
{
	return e->mem.locked;
}
