/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Enclaves: loading an image into a fresh address space, starting it,
 * destroying it, and what the manager remembers about each.
 */
#ifndef DE_MGR_ENCLAVE_H
#define DE_MGR_ENCLAVE_H

#include <stdint.h>

#include "de/evm_proto.h"

/* Every enclave's space has the same layout (docs/kernel.md). */
#define ENCLAVE_BASE      0x0000020000000000ull /* image */
#define ENCLAVE_STACK_TOP 0x0000030000000000ull /* main thread stack, grows down */
#define ENCLAVE_SPAN      0x0000010000000000ull /* 1 TiB reserved per enclave */

struct enclave {
	uint32_t id; /* kernel space id; 0 = free slot */
	uint32_t state;
	uint64_t owner_pid;
	uint64_t image_pages, stack_pages, heap_pages;
	uint64_t entry;
	uint64_t phoff, phnum;
	uint32_t flags;
	uint32_t windows;
	int64_t exit_code;
	struct de_identity identity; /* from the verified SIGSTRUCT and MRENCLAVE */
	uint32_t fault_vector;
	char name[DE_ENCLAVE_NAME];
};

/*
 * Loads an ELF image into a new space. A page-aligned image in the
 * manager's own pages is consumed: its pages may be given to the enclave,
 * so the caller must not read it afterwards (only free what is left).
 */
int enclave_load(const struct de_req_load *req, const uint8_t *image, uint64_t len,
                 struct de_reply_load *out);
int enclave_start(uint32_t id, uint64_t arg);
int enclave_destroy(uint32_t id);
int enclave_window(const struct de_req_window *w);
/* Applies a kernel event (exit or crash); fills ev's id and state for the service. */
int enclave_event(uint32_t space, uint32_t kind, int64_t code, uint32_t vector,
                  struct de_event_enclave *ev);
uint32_t enclave_list(struct de_list_entry *out, uint32_t max);
void enclave_stats(struct de_reply_stats *out);

#endif
