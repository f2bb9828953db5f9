/* SPDX-License-Identifier: Apache-2.0 */
/* The DE platform device (include/de/platform_dev.h). */
#include <string.h>
#include <sys/ioctl.h>

#include "evm_internal.h"
#include "de/platform_dev.h"

#define WAIT_MAX_US 100000ull

static const char *fatal_name(uint64_t code)
{
	switch (code) {
	case DE_FATAL_KERNEL_EXCEPTION:
		return "kernel exception";
	case DE_FATAL_MANAGER_FAULT:
		return "manager fault";
	case DE_FATAL_MANAGER_EXIT:
		return "manager exited";
	case DE_FATAL_ASSERT:
		return "kernel assertion";
	default:
		return "unknown fatal error";
	}
}

static void plat_read(void *dev, struct vcpu *v, uint64_t off, void *data, uint32_t len)
{
	(void)dev, (void)v;
	uint64_t val = 0;
	switch (off) {
	case DE_PLAT_MAGIC:
		val = DE_PLAT_MAGIC_VALUE;
		break;
	case DE_PLAT_VERSION:
		val = DE_PLAT_VERSION_1;
		break;
	case DE_PLAT_WAIT_MAX_US:
		val = WAIT_MAX_US;
		break;
	}
	memcpy(data, &val, len);
}

static void plat_write(void *dev, struct vcpu *v, uint64_t off, const void *data, uint32_t len)
{
	struct evm *e = dev;
	uint64_t val = 0;
	memcpy(&val, data, len);

	switch (off) {
	case DE_PLAT_WAIT: {
		uint64_t us = v->wait_us && v->wait_us < WAIT_MAX_US ? v->wait_us : WAIT_MAX_US;
		v->wait_us = 0;
		evm_wait_event(e, val, us);
		break;
	}
	case DE_PLAT_WAIT_US:
		v->wait_us = val;
		break;
	case DE_PLAT_KICK:
		evm_event(e);
		break;
	case DE_PLAT_FATAL: {
		struct kvm_regs r;
		memset(&r, 0, sizeof(r));
		ioctl(v->fd, KVM_GET_REGS, &r);
		evm_crash(e, v,
		          "the trusted OS reported a fatal error on vCPU %u: %s (vector %llu, "
		          "error %#llx, rip %#llx, address %#llx)",
		          v->id, fatal_name(val), r.rdi, r.rsi, r.rdx, r.r8);
		break;
	}
	case DE_PLAT_PREEMPT:
		if (val < e->cfg.nr_vcpus) {
			e->vcpus[val].preempt = true;
			vcpu_kick(&e->vcpus[val]);
		}
		break;
	case DE_PLAT_ZERO: {
		uint64_t gpa = val & ~0xfffull, bytes = ((val & 0xfff) + 1) * 4096;
		void *p = guest_mem_ptr(&e->mem, gpa, bytes);
		if (!p) {
			evm_crash(e, v,
			          "the trusted OS asked to zero %#llx+%#llx, outside guest RAM",
			          (unsigned long long)gpa, (unsigned long long)bytes);
			break;
		}
		memset(p, 0, bytes);
		break;
	}
	default:
		break; /* writes to other registers are ignored */
	}
}

int platform_dev_init(struct evm *e)
{
	struct mmio_region r = {
	    .base = DE_PLATFORM_MMIO,
	    .size = DE_MMIO_SIZE,
	    .dev = e,
	    .read = plat_read,
	    .write = plat_write,
	};
	return evm_add_mmio(e, &r);
}
