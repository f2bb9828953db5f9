/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The call path between an application and its enclave: the layout of the
 * shared window and the per-TCS call slots. Shared by the untrusted runtime
 * (sdk/urts, in the application) and the trusted runtime (sdk/trts, in the
 * enclave). Nothing on this path leaves ring 3 or exits the VM while both
 * sides are awake: each side spins on the slot word, then yields, then
 * sleeps in short naps (DE_SPIN_* below; the application can tune its side).
 *
 * The window is memory the application owns and shares: the enclave must
 * treat every byte of it as hostile. The trusted runtime copies the header
 * once at start, checks it completely, and afterwards reads only the slot
 * words, re-checking every index and pointer it takes from them.
 *
 * Window layout (base W, size S, both page aligned; W is the same address
 * in the application and the enclave):
 *
 *   W + 0                       struct de_window_hdr (one page)
 *   W + slot_offset             struct de_call_slot[nr_slots]
 *   W + ocall_offset + i * ocall_size   slot i's OCALL stack (sgx_ocalloc)
 *   W + heap_offset .. W + S    the application's arena (de_window_alloc):
 *                               ECALL marshalling structs and buffers
 *
 * Slot protocol (one slot per TCS; the word `state` hands the slot over):
 *
 *   application                         enclave thread of the slot
 *   claim: CAS owner 0 -> 1
 *   write index, ms; state = ECALL  --> sees ECALL: checks index, runs the
 *                                       ECALL bridge with ms
 *                                   <-- OCALL: writes index, ms; state = OCALL
 *   runs OCALL bridge index (ms);
 *   writes status; state = OCALL_RET --> continues the ECALL
 *     (inside the OCALL bridge the application may post a nested ECALL on
 *      the same slot: state = ECALL while the enclave waits for OCALL_RET;
 *      the enclave runs it and answers ECALL_RET, then waits again)
 *                                   <-- status; state = ECALL_RET
 *   reads status; state = IDLE;
 *   release: owner = 0
 *
 * Every store that hands the slot over is a release, every load that takes
 * it an acquire. The enclave writes only `state`, `index`, `ms`, `status`
 * of its slot and `ready`/`crashed` of the header; the application writes
 * the rest.
 */
#ifndef DE_CALLSLOT_H
#define DE_CALLSLOT_H

#include <stdint.h>

#define DE_WINDOW_MAGIC   0x574f444e49574544ull /* "DEWINDOW" */
#define DE_WINDOW_VERSION 1u
#define DE_WINDOW_PAGE    4096u

/* Limits the trusted runtime enforces on the header. */
#define DE_WINDOW_MIN_SIZE     (1u << 20) /* 1 MiB */
#define DE_WINDOW_MAX_SLOTS    63u        /* TCSNum; the enclave's main thread is one of them */
#define DE_OCALL_STACK_MIN     (16u << 10)
#define DE_OCALL_STACK_MAX     (64u << 20)
#define DE_WINDOW_DEFAULT_SIZE (8u << 20) /* what the untrusted runtime makes by default */
#define DE_OCALL_STACK_DEFAULT (256u << 10)

struct de_window_hdr {
	uint64_t magic;        /* DE_WINDOW_MAGIC */
	uint32_t version;      /* DE_WINDOW_VERSION */
	uint32_t nr_slots;     /* == the enclave's TCSNum, 1 .. DE_WINDOW_MAX_SLOTS */
	uint64_t size;         /* S, a page multiple >= DE_WINDOW_MIN_SIZE */
	uint64_t slot_offset;  /* DE_WINDOW_PAGE */
	uint64_t ocall_offset; /* page aligned, after the slots */
	uint64_t ocall_size;   /* per slot, page multiple, DE_OCALL_STACK_MIN .. _MAX */
	uint64_t heap_offset;  /* page aligned, after the OCALL stacks; < size */
	/* Written by the enclave. */
	volatile uint32_t ready;   /* 1: every slot's thread is waiting for calls */
	volatile uint32_t crashed; /* 1: the trusted runtime hit abort() (it then faults) */
	/* Written by the application: its side's spin budget (0 = default). */
	uint32_t host_spin_us;
	uint32_t reserved;
};

enum de_slot_state {
	DE_SLOT_IDLE = 0,
	DE_SLOT_ECALL = 1,     /* application -> enclave: run ECALL index with ms */
	DE_SLOT_OCALL = 2,     /* enclave -> application: run OCALL index with ms */
	DE_SLOT_OCALL_RET = 3, /* application -> enclave: the OCALL returned status */
	DE_SLOT_ECALL_RET = 4, /* enclave -> application: the ECALL returned status */
	DE_SLOT_SHUTDOWN = 5,  /* application -> enclave: leave (sgx_destroy_enclave) */
};

struct de_call_slot {
	volatile uint32_t state; /* enum de_slot_state */
	volatile uint32_t index; /* ECALL or OCALL number */
	volatile uint64_t ms;    /* marshalling struct (in the window), or 0 */
	volatile int32_t status; /* sgx_status_t of the call that returned */
	volatile uint32_t
	    owner; /* application side: 1 while an application thread holds the slot */
	volatile uint32_t depth;    /* enclave side: nesting of ECALLs in progress (diagnostics) */
	volatile uint32_t sleeping; /* enclave side: 1 while its thread naps (diagnostics) */
	uint8_t pad[128 - 32];
};

_Static_assert(sizeof(struct de_window_hdr) == 72, "window header layout");
_Static_assert(sizeof(struct de_call_slot) == 128, "call slot layout");

/*
 * Waiting, both sides: spin with `pause` for the spin budget, then yield
 * (sched_yield) for DE_YIELD_US, then nap DE_NAP_US at a time until the
 * word changes. Defaults; the application's side is tunable
 * (sgx_uswitchless_config_t / DE_SPIN_US in the environment).
 */
#define DE_SPIN_US_DEFAULT 200u
#define DE_YIELD_US        2000u
#define DE_NAP_US          100u

#endif /* DE_CALLSLOT_H */
