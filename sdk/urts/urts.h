/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The untrusted runtime's internal interfaces. The library has two halves:
 *
 *   the core, which needs no service (and is what the unit tests link):
 *     heap.c     the allocator of the window's arena (de_window_alloc)
 *     window.c   the window's layout, memfd and header
 *     calls.c    the enclave table, the call-slot protocol (sgx_ecall),
 *                waiting, destroy
 *     json.c     finding one enclave in the service's ENCLAVES list
 *   the service side:
 *     service.c  the control connection (control.sock) and its requests
 *     create.c   sgx_create_enclave(_ex): LOAD, WINDOW, START, ready
 *
 * The core reaches the service only through struct urts_ops.
 */
#ifndef DE_URTS_H
#define DE_URTS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "de/callslot.h"
#include "sgx_eid.h"
#include "sgx_error.h"

/* Marks the functions the shared library exports; everything else is hidden. */
#define URTS_API __attribute__((visibility("default")))

/* One line on stderr: "de_urts: " + the message. */
void urts_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t urts_now_ns(void);

/* ---- heap.c: the window's arena --------------------------------------- */

#define URTS_HEAP_ALIGN 16u
#define URTS_HEAP_BINS  64u
#define URTS_HEAP_NONE  UINT64_MAX

struct urts_block;

/*
 * A first-fit allocator over [start, end) (addresses, 16-byte aligned) with
 * segregated free lists and coalescing. All of its metadata lives in
 * application memory, never in the arena: the enclave can write anything
 * into the window and the allocator does not notice.
 */
struct urts_heap {
	pthread_mutex_t lock;
	uint64_t start, end;
	struct urts_block *first;                /* every block, in address order */
	struct urts_block *bins[URTS_HEAP_BINS]; /* free blocks by floor(log2(units)) */
	uint64_t nonempty;                       /* bit b: bins[b] has a block */
	struct urts_block **table;               /* allocated blocks by address */
	size_t table_mask, table_used;
	struct urts_block *spare; /* unused descriptors */
	size_t live;              /* allocated blocks */
	uint64_t live_bytes;
	int closed; /* no more allocations */
};

int urts_heap_init(struct urts_heap *h, uint64_t start, uint64_t end);
void urts_heap_fini(struct urts_heap *h);
/* A block of at least size bytes (16-byte aligned address), or URTS_HEAP_NONE. */
uint64_t urts_heap_alloc(struct urts_heap *h, size_t size);
/* Frees the block at addr: 0, or -1 when addr is not an allocated block.
 * *live_after (may be NULL) receives the number of blocks still allocated. */
int urts_heap_free(struct urts_heap *h, uint64_t addr, size_t *live_after);
/* Refuse further allocations; returns the blocks still allocated. */
size_t urts_heap_close(struct urts_heap *h);
/* Size of the allocated block at addr, 0 when there is none (for tests). */
uint64_t urts_heap_block_size(struct urts_heap *h, uint64_t addr);
/* Checks every invariant; 0 when consistent, else the number of the failed check. */
int urts_heap_check(struct urts_heap *h);

/* ---- window.c: the shared window ------------------------------------- */

struct urts_window {
	uint8_t *base;
	uint64_t size;
	int fd;                   /* the memfd, -1 once closed */
	struct de_window_hdr lay; /* the header as written: the application's own copy */
};

/* The layout for nr_slots call slots in size bytes, per callslot.h. 0, or -1 with why. */
int urts_window_layout(uint64_t size, uint32_t nr_slots, struct de_window_hdr *lay, char *why,
                       size_t whylen);
/* DE_WINDOW_SIZE's value (NULL: the default) in bytes; 0 with why when invalid. */
uint64_t urts_window_size_parse(const char *value, char *why, size_t whylen);
/* memfd (MFD_ALLOW_SEALING), mapped shared where the kernel likes, header written. */
sgx_status_t urts_window_open(uint64_t size, uint32_t nr_slots, uint32_t host_spin_us,
                              struct urts_window *w, char *why, size_t whylen);
/* Closes the memfd (the mapping stays). */
void urts_window_close_fd(struct urts_window *w);
/* Unmaps and closes. */
void urts_window_close(struct urts_window *w);

/* ---- json.c: one enclave of the ENCLAVES list -------------------------- */

struct urts_json_enclave {
	char state[16]; /* "loaded", "running", "exited", "crashed" */
	int64_t exit_code;
	int64_t fault_vector;
	int has_exit_code, has_fault_vector;
};

/* 1 when {"enclaves":[...]} has enclave id (out filled), 0 when not, -1 when malformed. */
int urts_json_find_enclave(const char *json, size_t len, uint32_t id,
                           struct urts_json_enclave *out);

/* ---- calls.c: enclaves and the call path ------------------------------ */

enum urts_live {
	URTS_ALIVE = 0, /* running (or could not be told: keep waiting) */
	URTS_DEAD = 1,  /* crashed, exited or gone from the EVM */
	URTS_LOST = 2,  /* the service (and so the EVM) is gone */
};

/* What the core needs from the service; ctx is the service side's state. */
struct urts_ops {
	/* Is the enclave still there? For DEAD and LOST, a few words for the log
	 * ("crashed with vector 14") in detail. Called at most every probe_ns. */
	enum urts_live (*probe)(void *ctx, char *detail, size_t len);
	/* sgx_destroy_enclave: have the service destroy the enclave (not called
	 * in a forked child, whose connection is its parent's). */
	void (*destroy)(void *ctx);
	/* Last call: close the connection and free ctx. */
	void (*close)(void *ctx);
};

/* How an application thread waits for the enclave (all in nanoseconds). */
struct urts_wait {
	uint64_t spin_ns;  /* spin with pause */
	uint64_t yield_ns; /* then sched_yield */
	uint64_t nap_ns;   /* then nanosleep this long at a time */
	uint64_t probe_ns; /* and ask probe() at most this often */
};

/* callslot.h's defaults (DE_SPIN_US_DEFAULT, DE_YIELD_US, DE_NAP_US; probe every 20 ms). */
void urts_wait_defaults(struct urts_wait *w);
/* Nanoseconds that n pause instructions take on this CPU (measured once). */
uint64_t urts_pauses_ns(uint32_t n);

struct urts_enclave;

/*
 * An enclave around an open window and the service's ctx; takes both over
 * (also on failure, when it returns NULL after closing them).
 * name is for the log.
 */
struct urts_enclave *urts_enclave_new(struct urts_window *w, const char *name,
                                      const struct urts_wait *wait, const struct urts_ops *ops,
                                      void *ctx);
/* Waits until the enclave's runtime sets ready (or it crashes, or timeout_ns pass).
 * SGX_SUCCESS, SGX_ERROR_ENCLAVE_CRASHED / _LOST with detail, or
 * SGX_ERROR_UNEXPECTED on timeout. */
sgx_status_t urts_enclave_wait_ready(struct urts_enclave *enc, uint64_t timeout_ns, char *detail,
                                     size_t len);
/* Makes a ready enclave callable: its id (non-zero, never reused), or 0 when
 * out of memory (the enclave is then untouched). */
sgx_enclave_id_t urts_enclave_register(struct urts_enclave *enc);
/* Frees an enclave that was never registered: ops->close(ctx), unmap. */
void urts_enclave_discard(struct urts_enclave *enc);

/* ---- service.c: control.sock ----------------------------------------------- */

#define URTS_IO_TIMEOUT_MS 60000 /* a request the service has not answered by then failed */

/* A response: status (enum de_ctl_status) and payload (malloc'd, NUL-terminated). */
struct urts_resp {
	uint16_t status;
	uint32_t len;
	char *payload;
};

struct urts_svc;

/* <$DE_RUNTIME_DIR or /run/de>/control.sock into path; -1 when it does not fit. */
int urts_svc_path(char *path, size_t len);
/* A connection to path (close-on-exec): the descriptor, or -errno. */
int urts_svc_connect(const char *path);
/*
 * Sends request op with the n payload pieces (and pass_fd, when >= 0, with
 * SCM_RIGHTS in the same message) and reads its response into r.
 * 0, or -1 with why (the connection is then unusable).
 */
int urts_svc_call(int fd, uint16_t op, const void *const *pieces, const size_t *sizes, int n,
                  int pass_fd, struct urts_resp *r, char *why, size_t whylen);
/* The service side of an enclave: takes over fd (also on failure: NULL). */
struct urts_svc *urts_svc_new(int fd, uint32_t id, const char *path);
extern const struct urts_ops urts_svc_ops;

#endif /* DE_URTS_H */
