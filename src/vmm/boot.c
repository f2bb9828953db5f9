/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The 64-bit boot protocol (docs/boot-protocol.md): load image.bin at
 * DE_IMAGE_LOAD, write the boot info, build identity page tables and start
 * every vCPU in long mode at the image's entry.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "evm_internal.h"
#include "de/vsock_proto.h"

#define PT_P   0x1ull
#define PT_W   0x2ull
#define PT_PS  0x80ull
#define PT_PCD 0x10ull
#define PT_PWT 0x08ull

static void add_region(struct de_bootinfo *bi, uint64_t base, uint64_t size, uint32_t type)
{
	if (size && bi->nr_regions < DE_MAX_MEM_REGIONS)
		bi->regions[bi->nr_regions++] =
		    (struct de_mem_region){.base = base, .size = size, .type = type};
}

/* Identity-map [0, limit) with 2 MiB pages, plus the MMIO window uncached. */
static int build_page_tables(struct evm *e, uint64_t limit, char *err, size_t errlen)
{
	uint64_t *pml4 = guest_mem_ptr(&e->mem, DE_BOOT_PT_PADDR, 4096);
	uint64_t *pdpt = guest_mem_ptr(&e->mem, DE_BOOT_PT_PADDR + 0x1000, 4096);
	uint64_t nr_pd = (limit + (1ull << 30) - 1) >> 30;
	uint64_t pd_base = DE_BOOT_PT_PADDR + 0x2000;

	if (nr_pd < 4)
		nr_pd = 4; /* the MMIO window sits in the fourth GiB */
	if (nr_pd > 512 || pd_base + nr_pd * 4096 > DE_BOOT_PT_PADDR + DE_BOOT_PT_MAX) {
		snprintf(err, errlen, "guest memory too large for the boot page tables");
		return -EINVAL;
	}
	pml4[0] = (DE_BOOT_PT_PADDR + 0x1000) | PT_P | PT_W;
	for (uint64_t g = 0; g < nr_pd; g++) {
		uint64_t *pd = guest_mem_ptr(&e->mem, pd_base + g * 4096, 4096);
		pdpt[g] = (pd_base + g * 4096) | PT_P | PT_W;
		for (uint64_t i = 0; i < 512; i++) {
			uint64_t pa = (g << 30) | (i << 21);
			if (pa < limit && guest_mem_ptr(&e->mem, pa, 1))
				pd[i] = pa | PT_P | PT_W | PT_PS;
			else if (pa == (DE_MMIO_BASE & ~0x1fffffull))
				pd[i] = pa | PT_P | PT_W | PT_PS | PT_PCD | PT_PWT;
		}
	}
	return 0;
}

int boot_setup(struct evm *e, const uint8_t *image, size_t image_len, char *err, size_t errlen)
{
	const struct de_image_header *h = (const struct de_image_header *)image;
	uint64_t img_end = DE_IMAGE_LOAD + h->mem_size;
	uint8_t *dst = guest_mem_ptr(&e->mem, DE_IMAGE_LOAD, h->mem_size);

	if (!dst) {
		snprintf(
		    err, errlen,
		    "the image (%llu KiB) does not fit in %llu MiB of EVM memory; raise memory_mib",
		    (unsigned long long)(h->mem_size >> 10), (unsigned long long)e->cfg.memory_mib);
		return -ENOMEM;
	}
	memcpy(dst, image, image_len);
	e->image_entry = h->entry_paddr;

	struct de_bootinfo *bi = guest_mem_ptr(&e->mem, DE_BOOTINFO_PADDR, 4096);
	*bi = (struct de_bootinfo){
	    .magic = DE_BOOTINFO_MAGIC,
	    .version = DE_BOOTINFO_VERSION,
	    .size = sizeof(*bi),
	    .flags = e->cfg.debug ? DE_BOOT_DEBUG : 0,
	    .nr_vcpus = e->cfg.nr_vcpus,
	    .memory_size = e->mem.size,
	    .guest_cid = DE_VSOCK_GUEST_CID,
	    .vsock_mmio = DE_VSOCK_MMIO,
	    .platform_mmio = DE_PLATFORM_MMIO,
	    .image_paddr = DE_IMAGE_LOAD,
	    .image_mem_size = h->mem_size,
	    .serial_port = DE_SERIAL_PORT,
	};
	add_region(bi, 0, DE_IMAGE_LOAD, DE_MEM_RESERVED);
	add_region(bi, DE_IMAGE_LOAD, h->mem_size, DE_MEM_IMAGE);
	add_region(bi, img_end, e->mem.low - img_end, DE_MEM_FREE);
	add_region(bi, GUEST_HIGH, e->mem.high, DE_MEM_FREE);
	e->bootinfo = bi;

	uint64_t limit = e->mem.high ? GUEST_HIGH + e->mem.high : e->mem.low;
	return build_page_tables(e, limit, err, errlen);
}

static void set_seg(struct kvm_segment *s, uint16_t sel, uint8_t type, bool code)
{
	*s = (struct kvm_segment){
	    .base = 0,
	    .limit = 0xffffffff,
	    .selector = sel,
	    .type = type,
	    .present = 1,
	    .dpl = 0,
	    .db = code ? 0 : 1,
	    .s = 1,
	    .l = code ? 1 : 0,
	    .g = 1,
	};
}

static int set_cpuid(struct evm *e, struct vcpu *v, char *err, size_t errlen)
{
	const uint32_t max = 256;
	struct kvm_cpuid2 *cpuid = calloc(1, sizeof(*cpuid) + max * sizeof(cpuid->entries[0]));
	int rc = 0;

	if (!cpuid) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	cpuid->nent = max;
	if (ioctl(e->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) < 0) {
		rc = -errno;
		snprintf(err, errlen, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		goto out;
	}
	for (uint32_t i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *ent = &cpuid->entries[i];
		if (ent->function == 1)
			ent->ebx = (ent->ebx & 0x00ffffffu) | (v->id << 24);
		if (ent->function == 0xb || ent->function == 0x1f)
			ent->edx = v->id;
	}
	if (ioctl(v->fd, KVM_SET_CPUID2, cpuid) < 0) {
		rc = -errno;
		snprintf(err, errlen, "KVM_SET_CPUID2: %s", strerror(errno));
	}
out:
	free(cpuid);
	return rc;
}

/* Long mode, paging on, SSE/AVX usable, %rdi = boot info, %rsi = index. */
int boot_vcpu_regs(struct evm *e, struct vcpu *v, char *err, size_t errlen)
{
	struct kvm_sregs s;
	int rc = set_cpuid(e, v, err, errlen);
	if (rc)
		return rc;
	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0) {
		snprintf(err, errlen, "KVM_GET_SREGS: %s", strerror(errno));
		return -errno;
	}
	set_seg(&s.cs, 0x08, 0xb, true);
	set_seg(&s.ds, 0x10, 0x3, false);
	s.es = s.fs = s.gs = s.ss = s.ds;
	s.tr = (struct kvm_segment){.limit = 0x67, .type = 0xb, .present = 1};
	s.ldt = (struct kvm_segment){.unusable = 1, .type = 0x2, .present = 0};
	s.cr0 = 0x80050033; /* PG WP NE ET MP PE */
	s.cr4 = 0x40620;    /* OSXSAVE OSXMMEXCPT OSFXSR PAE */
	s.cr3 = DE_BOOT_PT_PADDR;
	s.efer = 0xd01; /* NXE LMA LME SCE */
	if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0) {
		snprintf(err, errlen, "KVM_SET_SREGS (long mode): %s", strerror(errno));
		return -errno;
	}

	struct kvm_xcrs xcrs = {.nr_xcrs = 1, .xcrs[0] = {.xcr = 0, .value = 0x7}};
	if (ioctl(v->fd, KVM_SET_XCRS, &xcrs) < 0) {
		snprintf(err, errlen, "KVM_SET_XCRS (x87/SSE/AVX state): %s", strerror(errno));
		return -errno;
	}

	struct kvm_regs r = {
	    .rip = e->image_entry,
	    .rdi = DE_BOOTINFO_PADDR,
	    .rsi = v->id,
	    .rflags = 0x2,
	};
	if (ioctl(v->fd, KVM_SET_REGS, &r) < 0) {
		snprintf(err, errlen, "KVM_SET_REGS: %s", strerror(errno));
		return -errno;
	}
	return 0;
}
