/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kvm.malicious_host, application side: an untrusted application that
 * attacks its enclave (malicious.edl) on purpose. It calls sgx_ecall()
 * directly with marshalling structs it builds itself in the shared window
 * (their layouts copied from the generated malicious_u.c, and proven right
 * by the baseline checks), and serves OCALLs with OCALL tables whose bridges
 * misbehave:
 *
 *   - ECALL indexes out of range, the private ECALL from the root;
 *   - marshalling structs NULL, outside the window, straddling its end,
 *     misaligned;
 *   - [in]/[out]/[in, out]/string/wstring/deep-copy pointers into enclave
 *     memory, to the app's heap, stack and code, non-canonical, ...;
 *   - lengths that overflow: SIZE_MAX, count * size, p + len wrapping,
 *     past the end of the window; strings not terminated where they say;
 *     lengths that are valid but larger than the enclave's heap;
 *   - a thread that keeps changing an [in] buffer, marshalling struct
 *     fields, deep-copy members or a string while the enclave reads them;
 *   - OCALL bridges that rewrite their marshalling struct, drop a string's
 *     terminator, move or grow deep-copied members, return pointers into
 *     the enclave, make bad nested ECALLs, destroy the enclave, return
 *     garbage statuses; OCALL tables that are empty or NULL;
 *   - nested ECALLs hundreds of levels deep;
 *   - the window's memfd shrunk (refused: sealed) or punched.
 *
 * Each check expects SGX_ERROR_INVALID_PARAMETER (or the documented
 * refusal), and after each one a normal ECALL must still work. At the end
 * the program prints "checkpoint:" and waits for a line on stdin, so that
 * the test script can ask dectl whether the enclave is still running.
 *
 *   malicious_app ENCLAVE    exit status 0 when every check passed
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "de_window.h"
#include "malicious_u.h"
#include "sgx_edger8r.h"
#include "sgx_urts.h"

/* ---- the generated interface, as an attacker sees it ------------------------------------------
 */

/* ECALL numbers: the declaration order of malicious.edl. */
enum ecall_index {
	E_NOOP,
	E_PING,
	E_SUM_IN,
	E_FILL_OUT,
	E_INC_INOUT,
	E_SUM_COUNT,
	E_SUM_SIZE_COUNT,
	E_STRLEN,
	E_WCSLEN,
	E_STR_INOUT,
	E_USER_CHECK,
	E_DEEP,
	E_PARSE,
	E_PARSE_UC,
	E_WATCH,
	E_CALL_OCALLS,
	E_PRIVATE,
	E_WIDE,
	E_LDOUBLE,
	E_RECURSE,
	NR_ECALL
};

/* OCALL numbers, likewise. */
enum ocall_index {
	O_GET,
	O_STR_INOUT,
	O_DEEP,
	O_PTR,
	O_NEST,
	O_ERRNO,
	O_ALLOW_PRIVATE,
	O_RECURSE,
	NR_OCALL
};

/* Marshalling structs: copied from the generated malicious_u.c. */
typedef struct ms_ecall_ping_t {
	int ms_retval;
	int ms_x;
} ms_ecall_ping_t;

typedef struct ms_ecall_sum_in_t {
	uint64_t ms_retval;
	const uint8_t *ms_buf;
	size_t ms_len;
} ms_ecall_sum_in_t;

typedef struct ms_ecall_fill_out_t {
	int ms_retval;
	uint8_t *ms_buf;
	size_t ms_len;
} ms_ecall_fill_out_t;

typedef struct ms_ecall_inc_inout_t {
	int ms_retval;
	uint8_t *ms_buf;
	size_t ms_len;
} ms_ecall_inc_inout_t;

typedef struct ms_ecall_sum_count_t {
	int64_t ms_retval;
	const int32_t *ms_v;
	size_t ms_n;
} ms_ecall_sum_count_t;

typedef struct ms_ecall_sum_size_count_t {
	uint64_t ms_retval;
	const void *ms_p;
	size_t ms_sz;
	size_t ms_cnt;
} ms_ecall_sum_size_count_t;

typedef struct ms_ecall_strlen_t {
	size_t ms_retval;
	const char *ms_s;
	size_t ms_s_len;
} ms_ecall_strlen_t;

typedef struct ms_ecall_wcslen_t {
	size_t ms_retval;
	const wchar_t *ms_w;
	size_t ms_w_len;
} ms_ecall_wcslen_t;

typedef struct ms_ecall_str_inout_t {
	size_t ms_retval;
	char *ms_s;
	size_t ms_s_len;
} ms_ecall_str_inout_t;

typedef struct ms_ecall_user_check_t {
	int64_t ms_retval;
	const uint8_t *ms_p;
	size_t ms_len;
} ms_ecall_user_check_t;

typedef struct ms_ecall_deep_t {
	int64_t ms_retval;
	struct blob *ms_b;
} ms_ecall_deep_t;

typedef struct ms_ecall_parse_t {
	int ms_retval;
	const uint8_t *ms_msg;
	size_t ms_len;
} ms_ecall_parse_t;

typedef struct ms_ecall_parse_uc_t {
	int ms_retval;
	const uint8_t *ms_msg;
	size_t ms_len;
} ms_ecall_parse_uc_t;

typedef struct ms_ecall_watch_t {
	uint64_t ms_retval;
	const uint32_t *ms_word;
	uint64_t ms_reads;
} ms_ecall_watch_t;

typedef struct ms_ecall_call_ocalls_t {
	int ms_retval;
	int ms_which;
} ms_ecall_call_ocalls_t;

typedef struct ms_ecall_private_t {
	int ms_retval;
	int ms_x;
} ms_ecall_private_t;

typedef struct ms_ecall_wide_t {
	struct wide ms_retval;
	struct wide ms_w;
} ms_ecall_wide_t;

typedef struct ms_ecall_ldouble_t {
	long double ms_retval;
	long double ms_x;
} ms_ecall_ldouble_t;

typedef struct ms_ocall_get_t {
	size_t ms_retval;
	uint8_t *ms_buf;
	size_t ms_len;
} ms_ocall_get_t;

typedef struct ms_ocall_str_inout_t {
	char *ms_s;
} ms_ocall_str_inout_t;

typedef struct ms_ocall_deep_t {
	int ms_retval;
	struct blob *ms_b;
} ms_ocall_deep_t;

typedef struct ms_ocall_ptr_t {
	void *ms_retval;
} ms_ocall_ptr_t;

typedef struct ms_ocall_nest_t {
	int ms_retval;
	int ms_x;
} ms_ocall_nest_t;

typedef struct ms_ocall_errno_t {
	int ms_retval;
	int ocall_errno;
} ms_ocall_errno_t;

typedef struct ms_ocall_allow_private_t {
	int ms_retval;
	int ms_x;
} ms_ocall_allow_private_t;

typedef struct ms_ocall_recurse_t {
	int ms_retval;
	int ms_n;
} ms_ocall_recurse_t;

/* What sgx_ecall() takes as its OCALL table. */
struct otable {
	size_t nr_ocall;
	void *table[NR_OCALL];
};

/* Addresses in the enclave's range [0x20000000000, 0x30000000000). */
#define ENC_BASE 0x20000000000ull
#define ENC_PTR  0x20000001000ull
#define ENC_LAST 0x2fffffff000ull
/* ecall_call_ocalls: OCALL_FAILED + the status the OCALL proxy returned. */
#define OCALL_FAILED 0x100000

/* ---- bookkeeping ---------------------------------------------------------------------------- */

static const char *enclave_path;
static sgx_enclave_id_t eid;
static uintptr_t win_lo, win_hi; /* the shared window, from /proc/self/maps */
static int failures, checks, ping_counter;
static void *g_win16; /* 16 bytes of window for ocall_ptr */

static void find_window(void)
{
	void *probe = de_window_alloc(eid, 16);
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	win_lo = win_hi = 0;
	while (f && probe && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && (uintptr_t)probe >= lo &&
		    (uintptr_t)probe < hi && strstr(line, "de_window")) {
			win_lo = lo;
			win_hi = hi;
		}
	}
	if (f)
		fclose(f);
	de_window_free(eid, probe);
	if (!win_lo) {
		printf("FAIL: the shared window is not in /proc/self/maps\n");
		exit(1);
	}
}

static void create(void)
{
	sgx_status_t st = sgx_create_enclave(enclave_path, 1, NULL, NULL, &eid, NULL);
	if (st != SGX_SUCCESS) {
		printf("FAIL: sgx_create_enclave(%s): %#x\n", enclave_path, st);
		exit(1);
	}
	find_window();
	g_win16 = de_window_alloc(eid, 16);
}

/* A normal ECALL through the generated proxy. If the enclave died, say so
 * and start a new one so that the remaining checks still run. */
static int alive(void)
{
	int r = -1, x = ++ping_counter;
	sgx_status_t st = ecall_ping(eid, &r, x);
	if (st == SGX_SUCCESS && r == x + 1)
		return 1;
	if (st == SGX_ERROR_ENCLAVE_CRASHED || st == SGX_ERROR_ENCLAVE_LOST) {
		printf("FAIL: the enclave is dead (%#x): re-created for the remaining checks\n",
		       st);
		failures++;
		sgx_destroy_enclave(eid);
		create();
	}
	return 0;
}

/* One check: cond, and a normal ECALL works afterwards. */
static void __attribute__((format(printf, 3, 4)))
verdict(int cond, sgx_status_t st, const char *fmt, ...)
{
	int ok = alive();
	va_list ap;
	checks++;
	if (cond && ok) {
		printf("ok: ");
	} else {
		printf("FAIL: ");
		failures++;
	}
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" (status %#x%s)\n", st, ok ? "" : "; a normal ECALL failed afterwards");
	fflush(stdout);
}

/* A copy of n bytes of src in the window. */
static void *wdup(const void *src, size_t n)
{
	void *p = de_window_alloc(eid, n);
	if (!p) {
		printf("FAIL: de_window_alloc(%zu): %#x\n", n, de_window_status(eid));
		exit(1);
	}
	memcpy(p, src, n);
	return p;
}

static void wfree(void *p)
{
	de_window_free(eid, p);
}

/* ---- OCALLs: honest implementations (the generated table and ours) -------------------------- */

size_t ocall_get(uint8_t *buf, size_t len)
{
	memset(buf, 0x42, len);
	return len;
}

void ocall_str_inout(char *s)
{
	for (; s && *s; s++)
		*s = 'A';
}

int ocall_deep(struct blob *b)
{
	for (size_t i = 0; b && b->data && i < b->len; i++)
		b->data[i] = (uint8_t)(b->data[i] * 2);
	return 0;
}

void *ocall_ptr(void)
{
	memcpy(g_win16, "window!", 8);
	return g_win16;
}

int ocall_nest(int x)
{
	int r = 0;
	return ecall_ping(eid, &r, x) == SGX_SUCCESS ? r : -1;
}

int ocall_errno(void)
{
	errno = INT_MIN;
	return -1;
}

int ocall_allow_private(int x)
{
	int r = 0;
	return ecall_private(eid, &r, x) == SGX_SUCCESS ? r : -1;
}

/* The nested ECALL's status, when it failed (the deepest failure). */
static sgx_status_t recurse_st;

int ocall_recurse(int n)
{
	int r = -1;
	sgx_status_t st = ecall_recurse(eid, &r, n);
	if (st != SGX_SUCCESS) {
		recurse_st = st;
		return -(int)st;
	}
	return r;
}

static sgx_status_t h_recurse(void *pms)
{
	ms_ocall_recurse_t *ms = pms;
	ms->ms_retval = ocall_recurse(ms->ms_n);
	return SGX_SUCCESS;
}

static sgx_status_t h_get(void *pms)
{
	ms_ocall_get_t *ms = pms;
	ms->ms_retval = ocall_get(ms->ms_buf, ms->ms_len);
	return SGX_SUCCESS;
}

static sgx_status_t h_str_inout(void *pms)
{
	ms_ocall_str_inout_t *ms = pms;
	ocall_str_inout(ms->ms_s);
	return SGX_SUCCESS;
}

static sgx_status_t h_deep(void *pms)
{
	ms_ocall_deep_t *ms = pms;
	ms->ms_retval = ocall_deep(ms->ms_b);
	return SGX_SUCCESS;
}

static sgx_status_t h_ptr(void *pms)
{
	ms_ocall_ptr_t *ms = pms;
	ms->ms_retval = ocall_ptr();
	return SGX_SUCCESS;
}

static sgx_status_t h_nest(void *pms)
{
	ms_ocall_nest_t *ms = pms;
	ms->ms_retval = ocall_nest(ms->ms_x);
	return SGX_SUCCESS;
}

static sgx_status_t h_errno(void *pms)
{
	ms_ocall_errno_t *ms = pms;
	ms->ms_retval = ocall_errno();
	ms->ocall_errno = errno;
	return SGX_SUCCESS;
}

static sgx_status_t h_allow_private(void *pms)
{
	ms_ocall_allow_private_t *ms = pms;
	ms->ms_retval = ocall_allow_private(ms->ms_x);
	return SGX_SUCCESS;
}

#define BRIDGE(f) ((void *)(uintptr_t)(f))
static const struct otable honest = {NR_OCALL,
                                     {BRIDGE(h_get), BRIDGE(h_str_inout), BRIDGE(h_deep),
                                      BRIDGE(h_ptr), BRIDGE(h_nest), BRIDGE(h_errno),
                                      BRIDGE(h_allow_private), BRIDGE(h_recurse)}};

static sgx_status_t raw(int index, void *ms)
{
	return sgx_ecall(eid, index, &honest, ms);
}

/* ---- baseline: the hand-built structs are right --------------------------------------------- */

static void baseline(void)
{
	sgx_status_t st = raw(E_NOOP, NULL);
	verdict(st == SGX_SUCCESS, st, "baseline: ecall_noop with ms NULL");

	ms_ecall_ping_t mp = {0, 41}, *p = wdup(&mp, sizeof(mp));
	st = raw(E_PING, p);
	verdict(st == SGX_SUCCESS && p->ms_retval == 42, st, "baseline: ecall_ping(41) = %d",
	        p->ms_retval);
	wfree(p);

	uint8_t data[64];
	uint64_t sum = 0;
	for (int i = 0; i < 64; i++) {
		data[i] = (uint8_t)(i * 3);
		sum += data[i];
	}
	uint8_t *buf = wdup(data, sizeof(data));
	ms_ecall_sum_in_t ms_in = {0, buf, 64}, *pin = wdup(&ms_in, sizeof(ms_in));
	st = raw(E_SUM_IN, pin);
	verdict(st == SGX_SUCCESS && pin->ms_retval == sum, st, "baseline: [in] 64 bytes, sum %llu",
	        (unsigned long long)pin->ms_retval);
	wfree(pin);

	ms_ecall_fill_out_t ms_out = {-9, buf, 64}, *pout = wdup(&ms_out, sizeof(ms_out));
	st = raw(E_FILL_OUT, pout);
	int filled = 1;
	for (int i = 0; i < 64; i++)
		filled &= buf[i] == (uint8_t)(i ^ 0x5a);
	verdict(st == SGX_SUCCESS && pout->ms_retval == 0 && filled, st,
	        "baseline: [out] 64 bytes");
	wfree(pout);

	ms_ecall_inc_inout_t ms_io = {-9, buf, 64}, *pio = wdup(&ms_io, sizeof(ms_io));
	st = raw(E_INC_INOUT, pio);
	int inc = 1;
	for (int i = 0; i < 64; i++)
		inc &= buf[i] == (uint8_t)((i ^ 0x5a) + 1);
	verdict(st == SGX_SUCCESS && pio->ms_retval == 0 && inc, st,
	        "baseline: [in, out] 64 bytes");
	wfree(pio);

	int32_t v[4] = {10, -20, 30, 5};
	int32_t *wv = wdup(v, sizeof(v));
	ms_ecall_sum_count_t ms_c = {0, wv, 4}, *pc = wdup(&ms_c, sizeof(ms_c));
	st = raw(E_SUM_COUNT, pc);
	verdict(st == SGX_SUCCESS && pc->ms_retval == 25, st,
	        "baseline: [in, count=n] 4 x int32_t");
	wfree(pc);
	wfree(wv);

	ms_ecall_sum_size_count_t ms_sc = {0, buf, 8, 8}, *psc = wdup(&ms_sc, sizeof(ms_sc));
	sum = 0;
	for (int i = 0; i < 64; i++)
		sum += buf[i];
	st = raw(E_SUM_SIZE_COUNT, psc);
	verdict(st == SGX_SUCCESS && psc->ms_retval == sum, st, "baseline: [in, size=8, count=8]");
	wfree(psc);

	char *s = wdup("hello", 6);
	ms_ecall_strlen_t ms_s = {0, s, 6}, *ps = wdup(&ms_s, sizeof(ms_s));
	st = raw(E_STRLEN, ps);
	verdict(st == SGX_SUCCESS && ps->ms_retval == 5, st, "baseline: [in, string] \"hello\"");
	wfree(ps);

	ms_ecall_str_inout_t ms_si = {0, s, 6}, *psi = wdup(&ms_si, sizeof(ms_si));
	st = raw(E_STR_INOUT, psi);
	verdict(st == SGX_SUCCESS && psi->ms_retval == 5 && !strcmp(s, "HELLO"), st,
	        "baseline: [in, out, string]");
	wfree(psi);
	wfree(s);

	wchar_t *w = wdup(L"hello", 6 * sizeof(wchar_t));
	ms_ecall_wcslen_t ms_w = {0, w, 6 * sizeof(wchar_t)}, *pw = wdup(&ms_w, sizeof(ms_w));
	st = raw(E_WCSLEN, pw);
	verdict(st == SGX_SUCCESS && pw->ms_retval == 5, st, "baseline: [in, wstring] L\"hello\"");
	wfree(pw);
	wfree(w);

	ms_ecall_user_check_t ms_u = {0, buf, 64}, *pu = wdup(&ms_u, sizeof(ms_u));
	st = raw(E_USER_CHECK, pu);
	verdict(st == SGX_SUCCESS && pu->ms_retval == (int64_t)sum, st,
	        "baseline: [user_check] into the window");
	wfree(pu);

	uint8_t *bd = wdup(data, 16);
	struct blob b = {16, bd}, *wb = wdup(&b, sizeof(b));
	ms_ecall_deep_t ms_d = {0, wb}, *pd = wdup(&ms_d, sizeof(ms_d));
	int64_t dsum = 0;
	for (int i = 0; i < 16; i++)
		dsum += data[i];
	st = raw(E_DEEP, pd);
	verdict(st == SGX_SUCCESS && pd->ms_retval == dsum && wb->data == bd &&
	            bd[3] == data[3] + 1,
	        st, "baseline: [in, out] deep copy, sum %lld", (long long)pd->ms_retval);
	wfree(pd);
	wfree(wb);
	wfree(bd);

	uint8_t msg[64] = {10, 0, 0, 0};
	for (int i = 0; i < 60; i++)
		msg[4 + i] = (uint8_t)(i + 1);
	uint8_t *wm = wdup(msg, sizeof(msg));
	ms_ecall_parse_t ms_p = {0, wm, 64}, *pp = wdup(&ms_p, sizeof(ms_p));
	st = raw(E_PARSE, pp);
	verdict(st == SGX_SUCCESS && pp->ms_retval == 55, st, "baseline: ecall_parse = %d",
	        pp->ms_retval);
	wfree(pp);
	ms_ecall_parse_uc_t ms_pu = {0, wm, 64}, *ppu = wdup(&ms_pu, sizeof(ms_pu));
	st = raw(E_PARSE_UC, ppu);
	verdict(st == SGX_SUCCESS && ppu->ms_retval == 55, st, "baseline: ecall_parse_uc = %d",
	        ppu->ms_retval);
	wfree(ppu);
	wfree(wm);

	ms_ecall_call_ocalls_t mo = {-1, 0}, *po = wdup(&mo, sizeof(mo));
	for (int which = 0; which < 7; which++) {
		po->ms_which = which;
		po->ms_retval = -1;
		st = raw(E_CALL_OCALLS, po);
		verdict(
		    st == SGX_SUCCESS && po->ms_retval == 0, st,
		    "baseline: OCALL test %d with an honest hand-built OCALL table (result %#x)",
		    which, po->ms_retval);
	}
	wfree(po);
	wfree(buf);
}

/* ---- ECALL index and marshalling struct ----------------------------------------------------- */

static void index_and_ms(void)
{
	static const int bad_index[] = {NR_ECALL, NR_ECALL + 1, 1000000, INT_MAX, -1, INT_MIN};
	for (size_t i = 0; i < sizeof(bad_index) / sizeof(bad_index[0]); i++) {
		sgx_status_t st = raw(bad_index[i], NULL);
		verdict(st == SGX_ERROR_INVALID_FUNCTION, st,
		        "ECALL index %d (the enclave has %d): INVALID_FUNCTION", bad_index[i],
		        NR_ECALL);
	}
	ms_ecall_private_t mpriv = {0, 3}, *ppriv = wdup(&mpriv, sizeof(mpriv));
	sgx_status_t st = raw(E_PRIVATE, ppriv);
	verdict(st == SGX_ERROR_ECALL_NOT_ALLOWED, st,
	        "the private ECALL from the root: ECALL_NOT_ALLOWED");
	wfree(ppriv);

	ms_ecall_ping_t mp = {0, 1}, *wp = wdup(&mp, sizeof(mp));
	st = raw(E_NOOP, wp);
	verdict(st == SGX_ERROR_INVALID_PARAMETER, st,
	        "ecall_noop (no parameters) with a non-NULL ms: INVALID_PARAMETER");

	ms_ecall_ping_t stack_ms = {0, 1};
	ms_ecall_ping_t *heap_ms = malloc(sizeof(*heap_ms));
	*heap_ms = stack_ms;
	struct {
		const char *name;
		uintptr_t ms;
	} bad_ms[] = {
	    {"NULL", 0},
	    {"on the app's heap", (uintptr_t)heap_ms},
	    {"on the app's stack", (uintptr_t)&stack_ms},
	    {"in enclave memory 0x20000001000", ENC_PTR},
	    {"at the enclave's base 0x20000000000", ENC_BASE},
	    {"in the enclave's last page", ENC_LAST},
	    {"non-canonical 0x8000000000000000", 0x8000000000000000ull},
	    {"in the kernel half 0xffff800000001000", 0xffff800000001000ull},
	    {"at UINTPTR_MAX - 3", UINTPTR_MAX - 3},
	    {"straddling the window's end", win_hi - 4},
	    {"just below the window", win_lo - 8},
	};
	for (size_t i = 0; i < sizeof(bad_ms) / sizeof(bad_ms[0]); i++) {
		st = raw(E_PING, (void *)bad_ms[i].ms);
		verdict(st == SGX_ERROR_INVALID_PARAMETER, st,
		        "ecall_ping with its ms %s: INVALID_PARAMETER", bad_ms[i].name);
	}
	/* A 24-byte struct whose first 16 bytes are in the window. */
	st = raw(E_SUM_IN, (void *)(win_hi - 16));
	verdict(st == SGX_ERROR_INVALID_PARAMETER, st,
	        "ecall_sum_in with an ms whose last 8 bytes are past the window's end: "
	        "INVALID_PARAMETER");
	free(heap_ms);
	wfree(wp);
}

/* ---- the window's memfd -------------------------------------------------------------------------
 */

static void window_file(void)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx", (unsigned long)win_lo,
	         (unsigned long)win_hi);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("skip: cannot open the window's memfd through %s: %s\n", path,
		       strerror(errno));
		return;
	}
	int seals = fcntl(fd, F_GET_SEALS);
	verdict(seals >= 0 && (seals & F_SEAL_SHRINK), SGX_SUCCESS,
	        "the window's memfd is sealed against shrinking (seals %#x)", seals);
	int rc = ftruncate(fd, 0);
	int e = errno;
	verdict(rc == -1 && e == EPERM, SGX_SUCCESS,
	        "ftruncate of the window's memfd to 0: refused (%s)", rc ? strerror(e) : "done!");
	rc = ftruncate(fd, (off_t)((win_hi - win_lo) / 2));
	e = errno;
	verdict(rc == -1 && e == EPERM, SGX_SUCCESS,
	        "ftruncate of the window's memfd to half its size: refused (%s)",
	        rc ? strerror(e) : "done!");
	/* Discarding pages of the arena (they read back as zeros, then as
	 * whatever the app writes next): the enclave must see what the app
	 * sees afterwards, and calls go on. */
	size_t n = (size_t)1 << 20;
	uint8_t *b = de_window_alloc(eid, n + 8192);
	uint8_t *pg = (uint8_t *)(((uintptr_t)b + 4095) & ~(uintptr_t)4095);
	memset(pg, 1, n);
	ms_ecall_user_check_t mu = {0, pg, n}, *pu = wdup(&mu, sizeof(mu));
	sgx_status_t st = raw(E_USER_CHECK, pu);
	int64_t before = pu->ms_retval;
	rc = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
	               (off_t)((uintptr_t)pg - win_lo), (off_t)n);
	e = errno;
	int64_t zeros = -2, after = -2;
	if (st == SGX_SUCCESS) {
		pu->ms_retval = -2;
		st = raw(E_USER_CHECK, pu);
		zeros = pu->ms_retval;
	}
	memset(pg, 3, n);
	if (st == SGX_SUCCESS) {
		pu->ms_retval = -2;
		st = raw(E_USER_CHECK, pu);
		after = pu->ms_retval;
	}
	verdict(rc == 0 && st == SGX_SUCCESS && before == (int64_t)n && zeros == 0 &&
	            after == 3 * (int64_t)n,
	        st,
	        "a hole punched into the window's memfd (%s): the enclave reads zeros, then what "
	        "the app writes next (sums %lld, %lld, %lld)",
	        rc ? strerror(e) : "punched", (long long)before, (long long)zeros,
	        (long long)after);
	wfree(pu);
	wfree(b);
	close(fd);
}

/* ---- deep nesting --------------------------------------------------------------------------- */

struct deep_arg {
	int n, r;
	sgx_status_t st;
};

static void *deep_thread(void *arg)
{
	struct deep_arg *a = arg;
	a->st = ecall_recurse(eid, &a->r, a->n);
	return NULL;
}

/* ecall_recurse(n) on a thread with a 256 MiB stack (the app's side of
 * the recursion needs it). */
static sgx_status_t recurse(int n, int *r)
{
	struct deep_arg a = {n, -1, SGX_ERROR_UNEXPECTED};
	pthread_attr_t attr;
	pthread_t t;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, (size_t)256 << 20);
	recurse_st = SGX_SUCCESS;
	if (pthread_create(&t, &attr, deep_thread, &a) == 0)
		pthread_join(t, NULL);
	pthread_attr_destroy(&attr);
	*r = a.r;
	return a.st;
}

static void deep_nesting(void)
{
	int r;
	sgx_status_t st = recurse(16, &r);
	verdict(st == SGX_SUCCESS && r == 16, st, "16 levels of ECALL -> OCALL -> nested ECALL: %d",
	        r);
	st = recurse(500, &r);
	verdict(st == SGX_SUCCESS && r == 500, st, "500 levels of nested ECALLs: %d", r);

	/* The application decides how deep nested ECALLs go: the enclave must
	 * refuse one when its stack runs short (sdk/trts: a reserve kept below
	 * each nested ECALL), never overflow it. */
	st = recurse(20000, &r);
	verdict(st == SGX_SUCCESS && r < 0 && recurse_st == SGX_ERROR_STACK_OVERRUN, st,
	        "20000 levels of nested ECALLs: refused with STACK_OVERRUN at some depth "
	        "(result %d, deepest failure %#x)",
	        r, recurse_st);
	st = recurse(500, &r);
	verdict(st == SGX_SUCCESS && r == 500, st,
	        "500 levels of nested ECALLs again after the overrun: %d", r);
}

/* ---- misaligned marshalling structs ------------------------------------------------------------
 */

static void misaligned(void)
{
	/* Built in a local buffer and copied byte-wise: the window address is
	 * deliberately not aligned for the struct type. */
	unsigned char *w = de_window_alloc(eid, 256);
	sgx_status_t st;

	ms_ecall_ping_t mp = {0, 7};
	for (int off = 1; off < 8; off += 3) {
		memcpy(w + off, &mp, sizeof(mp));
		st = raw(E_PING, w + off);
		int r;
		memcpy(&r, w + off, sizeof(r));
		verdict((st == SGX_SUCCESS && r == 8) || st == SGX_ERROR_INVALID_PARAMETER, st,
		        "ecall_ping with its ms at a window address + %d (misaligned): served or "
		        "refused, no crash",
		        off);
	}

	ms_ecall_ldouble_t ml = {0, 1.25L};
	memcpy(w + 8, &ml, sizeof(ml));
	st = raw(E_LDOUBLE, w + 8);
	memcpy(&ml, w + 8, sizeof(ml));
	verdict((st == SGX_SUCCESS && ml.ms_retval == 2.5L) || st == SGX_ERROR_INVALID_PARAMETER,
	        st,
	        "ecall_ldouble (long double return) with its ms 8 bytes off 16-byte alignment: "
	        "served or refused, no crash");

	ms_ecall_wide_t mw = {{0, 0}, {1.5L, -2.5L}};
	memcpy(w, &mw, sizeof(mw));
	st = raw(E_WIDE, w);
	memcpy(&mw, w, sizeof(mw));
	verdict(st == SGX_SUCCESS && mw.ms_retval.a == -2.5L && mw.ms_retval.b == 1.5L, st,
	        "baseline: ecall_wide (a 16-byte aligned struct returned by value)");

	/* The bridge stores the return value with memcpy: an ms that is not
	 * aligned for the return type (movaps would fault) is served. */
	sgx_enclave_id_t before = eid;
	mw = (ms_ecall_wide_t){{0, 0}, {1.5L, -2.5L}};
	memcpy(w + 8, &mw, sizeof(mw));
	st = raw(E_WIDE, w + 8);
	memcpy(&mw, w + 8, sizeof(mw));
	verdict(st == SGX_SUCCESS && mw.ms_retval.a == -2.5L && mw.ms_retval.b == 1.5L, st,
	        "ecall_wide with its ms 8 bytes off 16-byte alignment: served");
	if (eid != before)
		w = NULL; /* it crashed: the window went with it */
	wfree(w);
}

/* ---- bad buffer pointers -------------------------------------------------------------------- */

enum fn {
	F_SUM_IN,
	F_FILL_OUT,
	F_INC_INOUT,
	F_SUM_COUNT,
	F_SUM_SIZE_COUNT,
	F_STRLEN,
	F_WCSLEN,
	F_STR_INOUT,
	F_PARSE,
	F_DEEP_STRUCT,
	F_DEEP_MEMBER,
	NR_FN
};

static const char *const fn_name[NR_FN] = {
    "[in, size=len]",
    "[out, size=len]",
    "[in, out, size=len]",
    "[in, count=n]",
    "[in, size, count]",
    "[in, string]",
    "[in, wstring]",
    "[in, out, string]",
    "[in, size=len] (parse)",
    "[in, out] deep-copy struct",
    "deep-copy member [size=len]",
};

/*
 * Calls function f with pointer p and length len (count for F_SUM_COUNT,
 * byte length for strings, size with count 1 for F_SUM_SIZE_COUNT); *ret
 * gets the return value (as a 64-bit word).
 */
static sgx_status_t call_fn(enum fn f, uintptr_t p, size_t len, uint64_t *ret)
{
	union {
		ms_ecall_sum_in_t in;
		ms_ecall_fill_out_t out;
		ms_ecall_inc_inout_t io;
		ms_ecall_sum_count_t cnt;
		ms_ecall_sum_size_count_t sc;
		ms_ecall_strlen_t s;
		ms_ecall_wcslen_t w;
		ms_ecall_str_inout_t si;
		ms_ecall_parse_t parse;
		ms_ecall_deep_t deep;
	} *ms = de_window_alloc(eid, 64);
	struct blob *wb = NULL;
	sgx_status_t st = SGX_ERROR_UNEXPECTED;
	int index = -1;
	memset(ms, 0, 64);
	*ret = 0;
	switch (f) {
	case F_SUM_IN:
		ms->in.ms_buf = (const uint8_t *)p, ms->in.ms_len = len, index = E_SUM_IN;
		break;
	case F_FILL_OUT:
		ms->out.ms_buf = (uint8_t *)p, ms->out.ms_len = len, index = E_FILL_OUT;
		break;
	case F_INC_INOUT:
		ms->io.ms_buf = (uint8_t *)p, ms->io.ms_len = len, index = E_INC_INOUT;
		break;
	case F_SUM_COUNT:
		ms->cnt.ms_v = (const int32_t *)p, ms->cnt.ms_n = len, index = E_SUM_COUNT;
		break;
	case F_SUM_SIZE_COUNT:
		ms->sc.ms_p = (const void *)p, ms->sc.ms_sz = len, ms->sc.ms_cnt = 1;
		index = E_SUM_SIZE_COUNT;
		break;
	case F_STRLEN:
		ms->s.ms_s = (const char *)p, ms->s.ms_s_len = len, index = E_STRLEN;
		break;
	case F_WCSLEN:
		ms->w.ms_w = (const wchar_t *)p, ms->w.ms_w_len = len, index = E_WCSLEN;
		break;
	case F_STR_INOUT:
		ms->si.ms_s = (char *)p, ms->si.ms_s_len = len, index = E_STR_INOUT;
		break;
	case F_PARSE:
		ms->parse.ms_msg = (const uint8_t *)p, ms->parse.ms_len = len, index = E_PARSE;
		break;
	case F_DEEP_STRUCT:
		ms->deep.ms_b = (struct blob *)p, index = E_DEEP;
		break;
	case F_DEEP_MEMBER:
		wb = de_window_alloc(eid, sizeof(*wb));
		wb->len = len;
		wb->data = (uint8_t *)p;
		ms->deep.ms_b = wb, index = E_DEEP;
		break;
	default:
		break;
	}
	st = raw(index, ms);
	switch (f) {
	case F_SUM_IN:
		*ret = ms->in.ms_retval;
		break;
	case F_FILL_OUT:
	case F_INC_INOUT:
		*ret = (uint64_t)(int64_t)ms->out.ms_retval;
		break;
	case F_SUM_COUNT:
		*ret = (uint64_t)ms->cnt.ms_retval;
		break;
	case F_SUM_SIZE_COUNT:
		*ret = ms->sc.ms_retval;
		break;
	case F_STRLEN:
	case F_WCSLEN:
	case F_STR_INOUT:
		*ret = ms->s.ms_retval;
		break;
	case F_PARSE:
		*ret = (uint64_t)(int64_t)ms->parse.ms_retval;
		break;
	default:
		*ret = (uint64_t)ms->deep.ms_retval;
		break;
	}
	wfree(wb);
	wfree(ms);
	return st;
}

static void bad_pointers(void)
{
	uint8_t *heap = malloc(64);
	uint8_t stack[64];
	memset(heap, 'x', 64);
	memset(stack, 'x', 64);
	heap[63] = stack[63] = 0;
	struct {
		const char *name;
		uintptr_t p;
	} bad[] = {
	    {"into enclave memory (0x20000001000)", ENC_PTR},
	    {"at the enclave's base (0x20000000000)", ENC_BASE},
	    {"into the enclave's last page", ENC_LAST},
	    {"to the app's heap", (uintptr_t)heap},
	    {"to the app's stack", (uintptr_t)stack},
	    {"to the app's code", (uintptr_t)&baseline},
	    {"just below the window", win_lo - 64},
	    {"non-canonical (0x800000000000)", 0x800000000000ull},
	    {"into the kernel half (0xffff800000001000)", 0xffff800000001000ull},
	    {"to page 1 (0x1000)", 0x1000},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (int f = 0; f < NR_FN; f++) {
			uint64_t ret;
			size_t len = f == F_SUM_COUNT ? 4 : f == F_WCSLEN ? 16 : 16;
			sgx_status_t st = call_fn((enum fn)f, bad[i].p, len, &ret);
			verdict(st == SGX_ERROR_INVALID_PARAMETER, st,
			        "%s pointer %s: INVALID_PARAMETER", fn_name[f], bad[i].name);
		}
		ms_ecall_user_check_t mu = {0, (const uint8_t *)bad[i].p, 16},
		                      *pu = wdup(&mu, sizeof(mu));
		sgx_status_t st = raw(E_USER_CHECK, pu);
		verdict(st == SGX_SUCCESS && pu->ms_retval == -1, st,
		        "[user_check] pointer %s: the enclave refuses it (%lld)", bad[i].name,
		        (long long)pu->ms_retval);
		wfree(pu);
	}
	free(heap);
}

/* ---- lengths -------------------------------------------------------------------------------- */

static void lengths(void)
{
	uint8_t *buf = de_window_alloc(eid, 256);
	for (int i = 0; i < 256; i++)
		buf[i] = (uint8_t)i;
	uintptr_t p = (uintptr_t)buf;
	size_t wrap = (size_t)0 - p + 16; /* p + wrap == 16 */
	size_t past_end = win_hi - p + 1;
	struct {
		const char *name;
		size_t len;
	} bad_len[] = {
	    {"SIZE_MAX", SIZE_MAX},
	    {"2^63", (size_t)1 << 63},
	    {"such that p + len wraps to 16", wrap},
	    {"reaching 1 byte past the window's end", past_end},
	};
	static const enum fn fns[] = {F_SUM_IN, F_FILL_OUT,  F_INC_INOUT, F_SUM_SIZE_COUNT,
	                              F_STRLEN, F_STR_INOUT, F_PARSE,     F_DEEP_MEMBER};
	for (size_t i = 0; i < sizeof(bad_len) / sizeof(bad_len[0]); i++)
		for (size_t f = 0; f < sizeof(fns) / sizeof(fns[0]); f++) {
			uint64_t ret;
			sgx_status_t st = call_fn(fns[f], p, bad_len[i].len, &ret);
			verdict(st == SGX_ERROR_INVALID_PARAMETER, st,
			        "%s with length %s: INVALID_PARAMETER", fn_name[fns[f]],
			        bad_len[i].name);
		}
	for (size_t i = 0; i < sizeof(bad_len) / sizeof(bad_len[0]); i++) {
		ms_ecall_user_check_t mu = {0, buf, bad_len[i].len}, *pu = wdup(&mu, sizeof(mu));
		sgx_status_t st = raw(E_USER_CHECK, pu);
		verdict(st == SGX_SUCCESS && pu->ms_retval == -1, st,
		        "[user_check] with length %s: sgx_is_outside_enclave is false, the enclave "
		        "refuses",
		        bad_len[i].name);
		wfree(pu);
	}

	/* The window's last bytes: up to the end is fine, one more is not. */
	uint64_t ret, want = 0;
	for (int i = 0; i < 16; i++)
		want += ((const uint8_t *)(win_hi - 16))[i];
	sgx_status_t st = call_fn(F_SUM_IN, win_hi - 16, 16, &ret);
	verdict(st == SGX_SUCCESS && ret == want, st,
	        "[in] buffer ending exactly at the window's end: accepted");
	st = call_fn(F_SUM_IN, win_hi - 16, 17, &ret);
	verdict(st == SGX_ERROR_INVALID_PARAMETER, st,
	        "[in] buffer ending 1 byte past the window's end: INVALID_PARAMETER");

	/* count * sizeof(int32_t) and size * count overflowing size_t. */
	struct {
		const char *name;
		size_t n;
	} bad_count[] = {
	    {"SIZE_MAX / 4 + 1 (n * 4 wraps to 0)", SIZE_MAX / 4 + 1},
	    {"SIZE_MAX / 4 + 5 (n * 4 wraps to 16)", SIZE_MAX / 4 + 5},
	    {"SIZE_MAX", SIZE_MAX},
	    {"2^62 - 1 (n * 4 fits, the range does not)", ((size_t)1 << 62) - 1},
	};
	for (size_t i = 0; i < sizeof(bad_count) / sizeof(bad_count[0]); i++) {
		st = call_fn(F_SUM_COUNT, p, bad_count[i].n, &ret);
		verdict(st == SGX_ERROR_INVALID_PARAMETER, st,
		        "[in, count=n] with n = %s: INVALID_PARAMETER", bad_count[i].name);
	}
	struct {
		const char *name;
		size_t sz, cnt;
		sgx_status_t want;
		uint64_t ret;
	} sc[] = {
	    {"size 2^63 + 8, count 2 (the product wraps to 16)", ((size_t)1 << 63) + 8, 2,
	     SGX_ERROR_INVALID_PARAMETER, 0},
	    {"size 2^32 + 1, count 2^32 (wraps to 2^32)", ((size_t)1 << 32) + 1, (size_t)1 << 32,
	     SGX_ERROR_INVALID_PARAMETER, 0},
	    {"size SIZE_MAX, count SIZE_MAX", SIZE_MAX, SIZE_MAX, SGX_ERROR_INVALID_PARAMETER, 0},
	    {"size 0, count SIZE_MAX (0 bytes: the enclave gets NULL)", 0, SIZE_MAX, SGX_SUCCESS,
	     UINT64_MAX},
	    {"size 16, count 0 (0 bytes: the enclave gets NULL)", 16, 0, SGX_SUCCESS, UINT64_MAX},
	};
	for (size_t i = 0; i < sizeof(sc) / sizeof(sc[0]); i++) {
		ms_ecall_sum_size_count_t m = {0, buf, sc[i].sz, sc[i].cnt},
		                          *pm = wdup(&m, sizeof(m));
		st = raw(E_SUM_SIZE_COUNT, pm);
		verdict(st == sc[i].want && (st != SGX_SUCCESS || pm->ms_retval == sc[i].ret), st,
		        "[in, size=sz, count=cnt] with %s: %s", sc[i].name,
		        sc[i].want == SGX_SUCCESS ? "accepted" : "INVALID_PARAMETER");
		wfree(pm);
	}

	/* Strings whose length field lies. */
	char *s = de_window_alloc(eid, 32);
	memset(s, 0, 32);
	memcpy(s, "hello", 6);
	st = call_fn(F_STRLEN, (uintptr_t)s, 16, &ret);
	verdict(st == SGX_ERROR_UNEXPECTED, st,
	        "[in, string] \"hello\" with length 16 (NUL at 5): UNEXPECTED");
	st = call_fn(F_STR_INOUT, (uintptr_t)s, 16, &ret);
	verdict(st == SGX_ERROR_UNEXPECTED && !strcmp(s, "hello"), st,
	        "[in, out, string] \"hello\" with length 16: UNEXPECTED, nothing written back");
	st = call_fn(F_STRLEN, (uintptr_t)s, 3, &ret);
	verdict(
	    (st == SGX_SUCCESS && ret == 2) || st == SGX_ERROR_UNEXPECTED, st,
	    "[in, string] \"hello\" with length 3 (not NUL-terminated there): the enclave reads "
	    "no more than 3 bytes (strlen %llu)",
	    (unsigned long long)ret);
	/* As SGX does (tools/edger8r/README.md): the bridge writes a NUL in the
	 * copy's last character, so a string longer than its length is cut. */
	verdict(st == SGX_SUCCESS && ret == 2, st,
	        "[in, string] not NUL-terminated at its length: cut there (strlen %llu)",
	        (unsigned long long)ret);
	st = call_fn(F_STRLEN, (uintptr_t)s, 0, &ret);
	verdict(st == SGX_SUCCESS && ret == SIZE_MAX, st,
	        "[in, string] with length 0: the enclave gets NULL");
	st = call_fn(F_STRLEN, 0, 100, &ret);
	verdict(st == SGX_SUCCESS && ret == SIZE_MAX, st,
	        "[in, string] NULL with length 100: the enclave gets NULL");
	wfree(s);

	wchar_t *w = de_window_alloc(eid, 64);
	memset(w, 0, 64);
	wcscpy(w, L"hello");
	st = call_fn(F_WCSLEN, (uintptr_t)w, 6, &ret);
	verdict(st == SGX_ERROR_INVALID_PARAMETER, st,
	        "[in, wstring] with a byte length of 6 (not a multiple of sizeof(wchar_t)): "
	        "INVALID_PARAMETER");
	st = call_fn(F_WCSLEN, (uintptr_t)w, SIZE_MAX - 3, &ret);
	verdict(st == SGX_ERROR_INVALID_PARAMETER, st,
	        "[in, wstring] with length SIZE_MAX - 3: INVALID_PARAMETER");
	st = call_fn(F_WCSLEN, (uintptr_t)w, 64, &ret);
	verdict(st == SGX_ERROR_UNEXPECTED, st,
	        "[in, wstring] L\"hello\" with length 16 wchar_t (NUL at 5): UNEXPECTED");
	st = call_fn(F_WCSLEN, (uintptr_t)w, 2 * sizeof(wchar_t), &ret);
	verdict((st == SGX_SUCCESS && ret == 1) || st == SGX_ERROR_UNEXPECTED, st,
	        "[in, wstring] L\"hello\" with length 2 wchar_t: the enclave reads no more "
	        "(wcslen %llu)",
	        (unsigned long long)ret);
	verdict(st == SGX_SUCCESS && ret == 1, st,
	        "[in, wstring] not NUL-terminated at its length: cut there (wcslen %llu)",
	        (unsigned long long)ret);
	wfree(w);
	wfree(buf);
}

/* ---- huge but valid lengths: the enclave's heap runs out ------------------------------------ */

static void heap_exhaustion(void)
{
	size_t big = 5u << 20; /* in the 8 MiB window; above HeapMaxSize (4 MiB) */
	uint8_t *b = de_window_alloc(eid, big);
	if (!b) {
		verdict(0, de_window_status(eid), "de_window_alloc(5 MiB)");
		return;
	}
	memset(b, 1, big);
	uint64_t ret;
	sgx_status_t st = call_fn(F_SUM_IN, (uintptr_t)b, big, &ret);
	verdict(st == SGX_ERROR_OUT_OF_MEMORY, st,
	        "[in] 5 MiB > the enclave's heap: OUT_OF_MEMORY");
	st = call_fn(F_FILL_OUT, (uintptr_t)b, big, &ret);
	verdict(st == SGX_ERROR_OUT_OF_MEMORY, st, "[out] 5 MiB: OUT_OF_MEMORY");
	st = call_fn(F_DEEP_MEMBER, (uintptr_t)b, big, &ret);
	verdict(st == SGX_ERROR_OUT_OF_MEMORY, st, "deep-copy member of 5 MiB: OUT_OF_MEMORY");
	st = call_fn(F_SUM_COUNT, (uintptr_t)b, big / 4, &ret);
	verdict(st == SGX_ERROR_OUT_OF_MEMORY, st, "[in, count=n] 5 MiB: OUT_OF_MEMORY");
	wfree(b);
}

/* ---- misbehaving OCALL bridges -------------------------------------------------------------- */

static sgx_status_t nest_st[6];
static int nest_ret;

static sgx_status_t e_get_redirect(void *pms)
{
	ms_ocall_get_t *ms = pms;
	memset(ms->ms_buf, 0x42, ms->ms_len);
	ms->ms_buf = (uint8_t *)ENC_PTR; /* "copy back from here" */
	ms->ms_len = SIZE_MAX;
	ms->ms_retval = SIZE_MAX;
	return SGX_SUCCESS;
}

static sgx_status_t e_str_unterminated(void *pms)
{
	ms_ocall_str_inout_t *ms = pms;
	memset(ms->ms_s, 'A', 32); /* no terminator, and past the string */
	ms->ms_s = (char *)ENC_PTR;
	return SGX_SUCCESS;
}

static sgx_status_t e_deep_move(void *pms)
{
	ms_ocall_deep_t *ms = pms;
	ms->ms_b->data = (uint8_t *)ENC_PTR;
	return SGX_SUCCESS;
}

static sgx_status_t e_deep_grow(void *pms)
{
	ms_ocall_deep_t *ms = pms;
	ms->ms_b->len = (size_t)1 << 20;
	return SGX_SUCCESS;
}

static sgx_status_t e_deep_null(void *pms)
{
	ms_ocall_deep_t *ms = pms;
	ms->ms_b->data = NULL;
	return SGX_SUCCESS;
}

static sgx_status_t e_deep_huge(void *pms)
{
	ms_ocall_deep_t *ms = pms;
	ms->ms_b->len = SIZE_MAX;
	return SGX_SUCCESS;
}

static sgx_status_t e_deep_ms(void *pms)
{
	ms_ocall_deep_t *ms = pms;
	ocall_deep(ms->ms_b);
	ms->ms_b = (struct blob *)ENC_PTR; /* the proxy must use its own pointer */
	return SGX_SUCCESS;
}

static sgx_status_t e_ptr_enclave(void *pms)
{
	ms_ocall_ptr_t *ms = pms;
	ms->ms_retval = (void *)ENC_PTR;
	return SGX_SUCCESS;
}

static sgx_status_t e_ptr_heap(void *pms)
{
	static char heap_like[16] = "window!";
	ms_ocall_ptr_t *ms = pms;
	ms->ms_retval = heap_like;
	return SGX_SUCCESS;
}

static sgx_status_t e_status(void *pms)
{
	(void)pms;
	return (sgx_status_t)0x7777;
}

static sgx_status_t e_errno(void *pms)
{
	ms_ocall_errno_t *ms = pms;
	ms->ms_retval = -1;
	ms->ocall_errno = INT_MIN;
	return SGX_SUCCESS;
}

/* Bad nested ECALLs from inside ocall_nest (which allows only ecall_ping). */
static sgx_status_t e_nest(void *pms)
{
	ms_ocall_nest_t *ms = pms;
	ms_ecall_private_t mp = {0, 1}, *wp = wdup(&mp, sizeof(mp));
	ms_ecall_ping_t mping = {0, ms->ms_x}, *wping = wdup(&mping, sizeof(mping));
	ms_ecall_ping_t *heap_ms = calloc(1, sizeof(*heap_ms));
	nest_st[0] = raw(NR_ECALL, NULL);
	nest_st[1] = raw(-1, NULL);
	nest_st[2] = raw(E_PRIVATE, wp);
	nest_st[3] = raw(E_PING, heap_ms);
	nest_st[4] = raw(E_PING, NULL);
	nest_st[5] = raw(E_PING, wping);
	nest_ret = wping->ms_retval;
	ms->ms_retval = nest_ret;
	free(heap_ms);
	wfree(wp);
	wfree(wping);
	return SGX_SUCCESS;
}

/* sgx_destroy_enclave() from inside one of the enclave's own OCALLs. */
static sgx_status_t destroy_st;

static sgx_status_t e_destroy(void *pms)
{
	ms_ocall_nest_t *ms = pms;
	destroy_st = sgx_destroy_enclave(eid);
	ms->ms_retval = ms->ms_x + 1;
	return SGX_SUCCESS;
}

static struct otable with(int index, sgx_status_t (*bridge)(void *))
{
	struct otable t = honest;
	t.table[index] = BRIDGE(bridge);
	return t;
}

static int run_ocall_test(const void *table, int which, sgx_status_t *st)
{
	ms_ecall_call_ocalls_t m = {-12345, which}, *pm = wdup(&m, sizeof(m));
	*st = sgx_ecall(eid, E_CALL_OCALLS, table, pm);
	int r = pm->ms_retval;
	wfree(pm);
	return r;
}

static void evil_ocalls(void)
{
	sgx_status_t st;
	struct otable t = with(O_GET, e_get_redirect);
	int r = run_ocall_test(&t, 0, &st);
	verdict(
	    st == SGX_SUCCESS && r == 0, st,
	    "[out] OCALL whose bridge rewrites ms_buf (into the enclave) and ms_len (SIZE_MAX): "
	    "the proxy copies from its own buffer, its own length (result %d)",
	    r);

	t = with(O_STR_INOUT, e_str_unterminated);
	r = run_ocall_test(&t, 1, &st);
	verdict(
	    st == SGX_SUCCESS && r == 0, st,
	    "[in, out, string] OCALL whose bridge removes the terminator, writes past the string "
	    "and moves ms_s: re-terminated at the original length (result %d)",
	    r);

	struct {
		const char *name;
		sgx_status_t (*bridge)(void *);
		int want;
	} deep[] = {
	    {"moves the member into the enclave", e_deep_move,
	     OCALL_FAILED + SGX_ERROR_INVALID_PARAMETER},
	    {"grows the member's len to 1 MiB", e_deep_grow,
	     OCALL_FAILED + SGX_ERROR_INVALID_PARAMETER},
	    {"sets the member's len to SIZE_MAX", e_deep_huge,
	     OCALL_FAILED + SGX_ERROR_INVALID_PARAMETER},
	    {"sets the member to NULL", e_deep_null, OCALL_FAILED + SGX_ERROR_INVALID_PARAMETER},
	    {"rewrites ms_b (the proxy ignores it)", e_deep_ms, 0},
	};
	for (size_t i = 0; i < sizeof(deep) / sizeof(deep[0]); i++) {
		t = with(O_DEEP, deep[i].bridge);
		r = run_ocall_test(&t, 2, &st);
		verdict(st == SGX_SUCCESS && r == deep[i].want, st,
		        "[in, out] deep-copy OCALL whose bridge %s: %s, the enclave's memory and "
		        "pointer intact (result %#x)",
		        deep[i].name, deep[i].want ? "INVALID_PARAMETER" : "accepted", r);
	}

	t = with(O_PTR, e_ptr_enclave);
	r = run_ocall_test(&t, 3, &st);
	verdict(st == SGX_SUCCESS && r == 1, st,
	        "OCALL returning a pointer into the enclave: the enclave checks it and refuses "
	        "(result %d)",
	        r);
	t = with(O_PTR, e_ptr_heap);
	r = run_ocall_test(&t, 3, &st);
	verdict(st == SGX_SUCCESS && r == 1, st,
	        "OCALL returning a pointer outside the window: the enclave refuses (result %d)", r);

	t = with(O_NEST, e_nest);
	memset(nest_st, 0xff, sizeof(nest_st));
	r = run_ocall_test(&t, 4, &st);
	verdict(st == SGX_SUCCESS && r == 0 && nest_ret == 21, st,
	        "nested ECALLs from an OCALL bridge: the allowed one works (%d)", nest_ret);
	verdict(nest_st[0] == SGX_ERROR_INVALID_FUNCTION &&
	            nest_st[1] == SGX_ERROR_INVALID_FUNCTION,
	        nest_st[0], "nested ECALL index out of range / -1: INVALID_FUNCTION (%#x, %#x)",
	        nest_st[0], nest_st[1]);
	verdict(nest_st[2] == SGX_ERROR_ECALL_NOT_ALLOWED, nest_st[2],
	        "nested private ECALL not in the OCALL's allow(): ECALL_NOT_ALLOWED");
	verdict(nest_st[3] == SGX_ERROR_INVALID_PARAMETER &&
	            nest_st[4] == SGX_ERROR_INVALID_PARAMETER,
	        nest_st[3], "nested ECALL with ms on the heap / NULL: INVALID_PARAMETER (%#x, %#x)",
	        nest_st[3], nest_st[4]);
	verdict(nest_st[5] == SGX_SUCCESS, nest_st[5], "nested allowed ECALL after the bad ones");

	t = with(O_NEST, e_destroy);
	destroy_st = SGX_SUCCESS;
	r = run_ocall_test(&t, 4, &st);
	verdict(st == SGX_SUCCESS && r == 0 && destroy_st == SGX_ERROR_INVALID_STATE, st,
	        "sgx_destroy_enclave from inside the enclave's own OCALL: INVALID_STATE (%#x), the "
	        "ECALL completes",
	        destroy_st);

	t = with(O_GET, e_status);
	r = run_ocall_test(&t, 0, &st);
	verdict(st == SGX_SUCCESS && r == OCALL_FAILED + 0x7777, st,
	        "OCALL bridge returning a garbage status (0x7777): the enclave gets it, its "
	        "buffers untouched (result %#x)",
	        r);

	t = with(O_ERRNO, e_errno);
	r = run_ocall_test(&t, 6, &st);
	verdict(st == SGX_SUCCESS && r == 0, st,
	        "propagate_errno OCALL with errno INT_MIN: delivered as is (result %d)", r);

	struct otable empty = {0, {NULL}};
	r = run_ocall_test(&empty, 0, &st);
	verdict(st == SGX_SUCCESS && r == OCALL_FAILED + SGX_ERROR_INVALID_FUNCTION, st,
	        "an OCALL table with nr_ocall 0: the enclave's OCALL gets INVALID_FUNCTION (%#x)",
	        r);
	r = run_ocall_test(NULL, 0, &st);
	verdict(st == SGX_SUCCESS && r == OCALL_FAILED + SGX_ERROR_INVALID_FUNCTION, st,
	        "a NULL OCALL table: INVALID_FUNCTION (%#x)", r);
	t = honest;
	t.table[O_GET] = NULL;
	r = run_ocall_test(&t, 0, &st);
	verdict(st == SGX_SUCCESS && r == OCALL_FAILED + SGX_ERROR_INVALID_FUNCTION, st,
	        "a NULL entry in the OCALL table: INVALID_FUNCTION (%#x)", r);
}

/* ---- a thread that changes what the enclave reads ------------------------------------------- */

/* A word the racing thread keeps switching between a and b. */
struct rword {
	void *p;
	unsigned width; /* 1, 4 or 8 bytes */
	uint64_t a, b;
};

struct racer {
	pthread_t t;
	atomic_int stop;
	unsigned nwords;
	struct rword w[2];
	uint64_t flips;
};

static void put(void *p, unsigned width, uint64_t v)
{
	if (width == 1)
		__atomic_store_n((uint8_t *)p, (uint8_t)v, __ATOMIC_RELAXED);
	else if (width == 4)
		__atomic_store_n((uint32_t *)p, (uint32_t)v, __ATOMIC_RELAXED);
	else
		__atomic_store_n((uint64_t *)p, v, __ATOMIC_RELAXED);
}

static void *race(void *arg)
{
	struct racer *r = arg;
	while (!atomic_load_explicit(&r->stop, memory_order_relaxed)) {
		for (unsigned i = 0; i < r->nwords; i++)
			put(r->w[i].p, r->w[i].width, r->w[i].a);
		for (unsigned i = 0; i < r->nwords; i++)
			put(r->w[i].p, r->w[i].width, r->w[i].b);
		__atomic_store_n(&r->flips, r->flips + 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Starts the racing thread and waits until it is running. */
static void race_start(struct racer *r)
{
	atomic_store(&r->stop, 0);
	r->flips = 0;
	pthread_create(&r->t, NULL, race, r);
	while (__atomic_load_n(&r->flips, __ATOMIC_RELAXED) < 1000)
		sched_yield();
}

static void race_stop(struct racer *r)
{
	atomic_store(&r->stop, 1);
	pthread_join(r->t, NULL);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

#define RACE_CALLS 20000
#define RACE_SECS  1.5

struct tally {
	long calls, good, refused, inconsistent, other, bad_status;
	sgx_status_t last_bad;
};

static void count(struct tally *t, sgx_status_t st, int good, int refused)
{
	t->calls++;
	if (st == SGX_SUCCESS && good)
		t->good++;
	else if (refused)
		t->refused++;
	else if (st == SGX_SUCCESS)
		t->other++;
	else
		t->bad_status++, t->last_bad = st;
}

static void races(void)
{
	struct racer rc;
	memset(&rc, 0, sizeof(rc));

	/* 1. ecall_parse: the length prefix of an [in] buffer flips between a
	 * valid count (10) and a huge one while the enclave checks it and then
	 * reads it again to use it. */
	uint8_t msg[64] = {10, 0, 0, 0};
	for (int i = 0; i < 60; i++)
		msg[4 + i] = (uint8_t)(i + 1);
	uint8_t *wm = wdup(msg, sizeof(msg));
	ms_ecall_parse_t mp = {0, wm, 64}, *pm = wdup(&mp, sizeof(mp));
	rc.nwords = 1;
	rc.w[0] = (struct rword){wm, 4, 10, 0xFFFFFFF0u};
	struct tally t = {0};
	race_start(&rc);
	/* Control: the enclave sees the racer's writes while it runs. */
	ms_ecall_watch_t mw = {0, (const uint32_t *)wm, 200000000}, *pw = wdup(&mw, sizeof(mw));
	sgx_status_t st = raw(E_WATCH, pw);
	uint64_t seen = pw->ms_retval;
	double t0 = now_s();
	while (t.calls < RACE_CALLS && now_s() - t0 < RACE_SECS) {
		pm->ms_retval = -99;
		sgx_status_t s = raw(E_PARSE, pm);
		count(&t, s, pm->ms_retval == 55, s == SGX_SUCCESS && pm->ms_retval == -1);
		t.inconsistent += s == SGX_SUCCESS && pm->ms_retval == -2;
	}
	race_stop(&rc);
	verdict(st == SGX_SUCCESS && seen > 0 && seen != UINT64_MAX, st,
	        "control: the enclave sees the racing thread's writes to the window (%llu changes "
	        "seen, at most 100 counted)",
	        (unsigned long long)seen);
	wfree(pw);
	verdict(t.inconsistent == 0 && t.other == 0 && t.bad_status == 0 && t.good + t.refused > 0,
	        t.last_bad,
	        "[in] buffer whose length prefix a thread keeps changing (%llu flips): %ld calls, "
	        "%ld parsed (55), %ld refused, %ld saw the prefix change between two reads, %ld "
	        "other results, %ld error statuses",
	        (unsigned long long)rc.flips, t.calls, t.good, t.refused, t.inconsistent, t.other,
	        t.bad_status);
	wfree(pm);

	/* 2. The same message through [user_check]; the enclave copies first. */
	ms_ecall_parse_uc_t mu = {0, wm, 64}, *pu = wdup(&mu, sizeof(mu));
	memset(&t, 0, sizeof(t));
	race_start(&rc);
	t0 = now_s();
	while (t.calls < RACE_CALLS && now_s() - t0 < RACE_SECS) {
		pu->ms_retval = -99;
		sgx_status_t s = raw(E_PARSE_UC, pu);
		count(&t, s, pu->ms_retval == 55, s == SGX_SUCCESS && pu->ms_retval == -1);
		t.inconsistent += s == SGX_SUCCESS && pu->ms_retval == -2;
	}
	race_stop(&rc);
	verdict(t.inconsistent == 0 && t.other == 0 && t.bad_status == 0, t.last_bad,
	        "[user_check] message copied by the enclave while a thread changes it: %ld calls, "
	        "%ld parsed, %ld refused, %ld inconsistent, %ld other, %ld error statuses",
	        t.calls, t.good, t.refused, t.inconsistent, t.other, t.bad_status);
	wfree(pu);
	wfree(wm);

	/* 3. The marshalling struct itself: ms_len and ms_buf of an [in]
	 * buffer flip between valid values and invalid ones (differing only in
	 * the top byte, so that any mix of their bytes is one or the other). */
	uint8_t *buf = de_window_alloc(eid, 64);
	uint64_t sum = 0;
	for (int i = 0; i < 64; i++)
		buf[i] = (uint8_t)(200 - i), sum += buf[i];
	ms_ecall_sum_in_t mi = {0, buf, 64}, *pi = wdup(&mi, sizeof(mi));
	rc.nwords = 2;
	rc.w[0] = (struct rword){&pi->ms_len, 8, 64, 64 | (uint64_t)1 << 63};
	rc.w[1] = (struct rword){(void *)&pi->ms_buf, 8, (uintptr_t)buf,
	                         (uintptr_t)buf | (uint64_t)1 << 63};
	memset(&t, 0, sizeof(t));
	race_start(&rc);
	t0 = now_s();
	while (t.calls < RACE_CALLS && now_s() - t0 < RACE_SECS) {
		pi->ms_retval = 0;
		sgx_status_t s = raw(E_SUM_IN, pi);
		count(&t, s, pi->ms_retval == sum, s == SGX_ERROR_INVALID_PARAMETER);
	}
	race_stop(&rc);
	verdict(t.other == 0 && t.bad_status == 0, t.last_bad,
	        "ms_buf / ms_len of an [in] buffer changing during the ECALL: %ld calls, %ld "
	        "correct sums, %ld INVALID_PARAMETER, %ld wrong sums, %ld other statuses",
	        t.calls, t.good, t.refused, t.other, t.bad_status);
	wfree(pi);

	/* 4. ms_buf of an [out] buffer flips between the window and enclave
	 * memory: a bridge that fetched it twice would write into the enclave. */
	ms_ecall_fill_out_t mo = {0, buf, 64}, *po = wdup(&mo, sizeof(mo));
	rc.nwords = 1;
	rc.w[0] = (struct rword){(void *)&po->ms_buf, 8, (uintptr_t)buf, ENC_PTR};
	memset(&t, 0, sizeof(t));
	race_start(&rc);
	t0 = now_s();
	while (t.calls < RACE_CALLS && now_s() - t0 < RACE_SECS) {
		po->ms_retval = -99;
		sgx_status_t s = raw(E_FILL_OUT, po);
		count(&t, s, po->ms_retval == 0, s == SGX_ERROR_INVALID_PARAMETER);
	}
	race_stop(&rc);
	verdict(t.other == 0 && t.bad_status == 0, t.last_bad,
	        "ms_buf of an [out] buffer flipping between the window and 0x20000001000: %ld "
	        "calls, %ld filled, %ld INVALID_PARAMETER, %ld other, %ld error statuses",
	        t.calls, t.good, t.refused, t.other, t.bad_status);
	wfree(po);

	/* 5. A deep-copied member: len and data flip while the bridge copies
	 * the struct, checks the member, copies it in and (for [in, out])
	 * back. */
	uint8_t *data = de_window_alloc(eid, 16);
	struct blob b = {16, data}, *wb = wdup(&b, sizeof(b));
	ms_ecall_deep_t md = {0, wb}, *pd = wdup(&md, sizeof(md));
	rc.nwords = 2;
	rc.w[0] = (struct rword){&wb->len, 8, 16, 16 | (uint64_t)1 << 63};
	rc.w[1] = (struct rword){(void *)&wb->data, 8, (uintptr_t)data,
	                         (uintptr_t)data | (uint64_t)1 << 63};
	memset(&t, 0, sizeof(t));
	race_start(&rc);
	t0 = now_s();
	while (t.calls < RACE_CALLS && now_s() - t0 < RACE_SECS) {
		memset(data, 3, 16);
		pd->ms_retval = -99;
		sgx_status_t s = raw(E_DEEP, pd);
		count(&t, s, pd->ms_retval == 48, s == SGX_ERROR_INVALID_PARAMETER);
	}
	race_stop(&rc);
	verdict(t.other == 0 && t.bad_status == 0, t.last_bad,
	        "deep-copy member len / data changing during the ECALL: %ld calls, %ld correct, "
	        "%ld INVALID_PARAMETER, %ld wrong results, %ld other statuses",
	        t.calls, t.good, t.refused, t.other, t.bad_status);
	wfree(pd);
	wfree(wb);
	wfree(data);

	/* 6. A string's bytes: an early NUL comes and goes. */
	char *s = wdup("hello", 6);
	ms_ecall_strlen_t ms = {0, s, 6}, *ps = wdup(&ms, sizeof(ms));
	rc.nwords = 1;
	rc.w[0] = (struct rword){s + 2, 1, 'l', 0};
	memset(&t, 0, sizeof(t));
	race_start(&rc);
	t0 = now_s();
	while (t.calls < RACE_CALLS && now_s() - t0 < RACE_SECS) {
		ps->ms_retval = 0;
		sgx_status_t s2 = raw(E_STRLEN, ps);
		count(&t, s2, ps->ms_retval == 5, s2 == SGX_ERROR_UNEXPECTED);
	}
	race_stop(&rc);
	verdict(t.other == 0 && t.bad_status == 0, t.last_bad,
	        "[in, string] whose early NUL comes and goes: %ld calls, %ld strlen 5, %ld "
	        "UNEXPECTED, %ld other, %ld error statuses",
	        t.calls, t.good, t.refused, t.other, t.bad_status);
	wfree(ps);
	wfree(s);
	wfree(buf);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: malicious_app ENCLAVE\n");
		return 2;
	}
	enclave_path = argv[1];
	create();
	printf("window: %#lx-%#lx (%lu KiB)\n", (unsigned long)win_lo, (unsigned long)win_hi,
	       (unsigned long)((win_hi - win_lo) >> 10));

	baseline();
	window_file();
	deep_nesting();
	index_and_ms();
	misaligned();
	bad_pointers();
	lengths();
	heap_exhaustion();
	evil_ocalls();
	races();

	/* Let the test script look at the enclave with dectl. */
	printf("checkpoint: enclave %llu still loaded; waiting for a line on stdin\n",
	       (unsigned long long)eid);
	fflush(stdout);
	char line[16];
	if (!fgets(line, sizeof(line), stdin))
		printf("(stdin closed)\n");
	int r = 0;
	sgx_status_t st = ecall_ping(eid, &r, 1);
	verdict(st == SGX_SUCCESS && r == 2, st, "the enclave still answers at the end");
	wfree(g_win16);
	st = sgx_destroy_enclave(eid);
	checks++;
	if (st == SGX_SUCCESS) {
		printf("ok: sgx_destroy_enclave (%#x)\n", st);
	} else {
		printf("FAIL: sgx_destroy_enclave (%#x)\n", st);
		failures++;
	}
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
