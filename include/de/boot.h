/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The EVM boot protocol: the image header that the VMM validates and the
 * boot-info page it hands to every vCPU. Shared by the VMM (host) and the
 * trusted OS (EVM). docs/boot-protocol.md is the prose description; this file
 * is the definition.
 */
#ifndef DE_BOOT_H
#define DE_BOOT_H

#include <stdint.h>

/* ---- image.bin ---------------------------------------------------------- */

#define DE_IMAGE_MAGIC        "DEEVMIMG"
#define DE_IMAGE_VERSION      1u
#define DE_IMAGE_LOAD         0x100000ull /* image file offset 0 lands here */
#define DE_IMAGE_MAX_SIZE     (64ull << 20)
#define DE_IMAGE_MAX_SEGMENTS 6

#define DE_PROT_R 1u
#define DE_PROT_W 2u
#define DE_PROT_X 4u

/*
 * The first bytes of image.bin. The whole file is copied to guest physical
 * address load_paddr; the header therefore also sits in guest memory.
 */
struct de_image_header {
	char magic[8];           /* DE_IMAGE_MAGIC, no terminator */
	uint32_t version;        /* DE_IMAGE_VERSION */
	uint32_t header_size;    /* sizeof(struct de_image_header) */
	uint64_t load_paddr;     /* must be DE_IMAGE_LOAD */
	uint64_t file_size;      /* exact size of image.bin */
	uint64_t mem_size;       /* guest memory the image owns from load_paddr (>= file_size) */
	uint64_t entry_paddr;    /* 64-bit entry point, inside [load, load + file_size) */
	uint32_t min_memory_mib; /* smallest EVM memory the image can run in */
	uint32_t flags;          /* none defined; must be 0 */
	uint8_t sha256[32];      /* SHA-256 of the file with this field zeroed */
	struct de_image_manager {
		/* The ring-3 manager, pre-laid out by the image builder. */
		uint64_t offset; /* from load_paddr; page aligned; the last thing in the image */
		uint64_t size;   /* bytes of memory it spans, page multiple (bss included) */
		uint64_t entry;  /* entry point, relative to the manager's base */
		uint64_t phdr;   /* ELF program headers, relative to the base */
		uint16_t phnum;  /* number of program headers */
		uint16_t phentsize;
		uint32_t nr_segments;
		struct de_image_segment {
			uint32_t first_page; /* relative to the manager's base */
			uint32_t nr_pages;
			uint32_t prot; /* DE_PROT_* */
			uint32_t reserved;
		} segments[DE_IMAGE_MAX_SEGMENTS];
	} manager;
};

_Static_assert(sizeof(struct de_image_header) == 224, "image header layout");

/* ---- guest physical layout --------------------------------------------- */

#define DE_BOOTINFO_PADDR  0x1000ull  /* one page */
#define DE_BOOT_PT_PADDR   0x2000ull  /* VMM-built boot page tables */
#define DE_BOOT_PT_MAX     0x7e000ull /* ...up to 0x80000 */
#define DE_MMIO_BASE       0xd0000000ull
#define DE_VSOCK_MMIO      (DE_MMIO_BASE + 0x0000) /* virtio-mmio vsock, 4 KiB */
#define DE_PLATFORM_MMIO   (DE_MMIO_BASE + 0x1000) /* DE platform device, 4 KiB */
#define DE_MMIO_SIZE       0x1000ull
#define DE_SERIAL_PORT     0x3f8
#define DE_WINDOW_BASE     (1ull << 40)  /* shared windows live at or above 1 TiB */
#define DE_WINDOW_MAX      (16ull << 30) /* bytes per window; window i is at BASE + i * MAX */
#define DE_MAX_WINDOWS     64u
#define DE_MAX_VCPUS       64u
#define DE_MAX_MEM_REGIONS 8u
#define DE_MAX_MEMORY_MIB  122880u /* the boot page tables cover 124 GiB of addresses */

/* ---- boot info ---------------------------------------------------------- */

#define DE_BOOTINFO_MAGIC   0x4f464e49544f4f42ull /* "BOOTINFO" */
#define DE_BOOTINFO_VERSION 1u

enum de_mem_type {
	DE_MEM_FREE = 1,     /* usable RAM */
	DE_MEM_RESERVED = 2, /* boot info, boot page tables */
	DE_MEM_IMAGE = 3,    /* [load_paddr, load_paddr + mem_size) */
};

struct de_mem_region {
	uint64_t base;
	uint64_t size;
	uint32_t type; /* enum de_mem_type */
	uint32_t reserved;
};

enum de_bootinfo_flags {
	DE_BOOT_DEBUG = 1u << 0, /* debug EVM: serial console is wired */
};

/*
 * At DE_BOOTINFO_PADDR. Written by the VMM before any vCPU runs; read-only
 * for the guest except where noted. event_seq is written by the VMM while the
 * EVM runs (see the platform device).
 */
struct de_bootinfo {
	uint64_t magic;    /* DE_BOOTINFO_MAGIC */
	uint32_t version;  /* DE_BOOTINFO_VERSION */
	uint32_t size;     /* sizeof(struct de_bootinfo) */
	uint32_t flags;    /* enum de_bootinfo_flags */
	uint32_t nr_vcpus; /* vCPUs started; each gets its index in %rsi */
	uint64_t memory_size;
	uint64_t guest_cid; /* this EVM's vsock CID */
	uint64_t vsock_mmio;
	uint64_t platform_mmio;
	uint64_t image_paddr;
	uint64_t image_mem_size;
	uint32_t serial_port;
	uint32_t nr_regions;
	struct de_mem_region regions[DE_MAX_MEM_REGIONS];
	/* Bumped by the VMM whenever a device has new work for the guest. */
	volatile uint64_t event_seq;
	uint64_t tsc_khz;          /* guest TSC frequency, 0 if unknown */
	uint64_t boot_realtime_ns; /* host wall clock when the EVM started (untrusted) */
	uint64_t reserved[5];
};

_Static_assert(sizeof(struct de_bootinfo) <= 4096, "boot info fits a page");

#endif /* DE_BOOT_H */
