/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sgx_create_enclave(_ex): read the signed enclave, LOAD it over a
 * connection of its own, share a window with it (WINDOW), START it with the
 * window's address and wait until its trusted runtime reports ready.
 * Every failure undoes what was done and says in one line on stderr what
 * went wrong and how to fix it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "de/control.h"
#include "de/enclave_meta.h"
#include "de/evm_proto.h"
#include "sgx_urts.h"
#include "sgx_uswitchless.h"
#include "urts.h"

#define READY_TIMEOUT_NS (10ull * 1000000000u)
#define STACK_SIZE       0x40000u /* the manager uses the signed metadata's sizes */
#define MAX_IMAGE        (DE_CTL_MAX_REQUEST - sizeof(struct de_req_load))
#define MAX_SPIN_US      1000000u

/*
 * The enclave's name in the EVM: the file's base name, printable, 31 bytes
 * at most, NUL-padded to len (the protocol refuses garbage after the NUL).
 */
static void enclave_name(const char *file, char *name, size_t len)
{
	memset(name, 0, len);
	const char *base = strrchr(file, '/');
	base = base ? base + 1 : file;
	if (!*base)
		base = "enclave";
	size_t i = 0;
	for (; base[i] && i + 1 < len; i++)
		name[i] = base[i] >= 0x20 && base[i] < 0x7f ? base[i] : '?';
	name[i] = 0;
}

/* The whole file, malloc'd; SGX_SUCCESS or the status, with the reason logged. */
static sgx_status_t read_image(const char *file, uint8_t **image, size_t *len)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		urts_log("cannot open the enclave file %s: %s: check the path (it is relative to "
		         "the current directory) and the file's permissions",
		         file, strerror(errno));
		return SGX_ERROR_ENCLAVE_FILE_ACCESS;
	}
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		urts_log("the enclave file %s is not a regular file: give the path of the signed "
		         "enclave (.signed.so)",
		         file);
		close(fd);
		return SGX_ERROR_ENCLAVE_FILE_ACCESS;
	}
	if (st.st_size <= 0 || (uint64_t)st.st_size > MAX_IMAGE) {
		urts_log(
		    "the enclave file %s is %lld bytes; an enclave image must be 1 to %llu bytes",
		    file, (long long)st.st_size, (unsigned long long)MAX_IMAGE);
		close(fd);
		return SGX_ERROR_INVALID_ENCLAVE;
	}
	size_t n = (size_t)st.st_size, got = 0;
	uint8_t *buf = malloc(n);
	if (!buf) {
		urts_log("out of memory reading the enclave file %s (%zu bytes)", file, n);
		close(fd);
		return SGX_ERROR_OUT_OF_MEMORY;
	}
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			urts_log("cannot read the enclave file %s: %s", file,
			         r < 0 ? strerror(errno) : "it became shorter while being read");
			free(buf);
			close(fd);
			return SGX_ERROR_ENCLAVE_FILE_ACCESS;
		}
		got += (size_t)r;
	}
	close(fd);
	*image = buf;
	*len = n;
	return SGX_SUCCESS;
}

static sgx_status_t connect_service(char *path, size_t len, int *fd)
{
	if (urts_svc_path(path, len)) {
		urts_log("DE_RUNTIME_DIR is too long for a socket path (%zu bytes at most): use a "
		         "shorter runtime directory",
		         len - sizeof("/control.sock"));
		return SGX_ERROR_NO_DEVICE;
	}
	*fd = urts_svc_connect(path);
	if (*fd >= 0)
		return SGX_SUCCESS;
	int e = -*fd;
	if (e == EACCES || e == EPERM)
		urts_log("no permission to use the DE Enclave service at %s (%s): add your user to "
		         "the service's socket_group (/etc/enclave.conf) and log in again",
		         path, strerror(e));
	else
		urts_log("no DE Enclave service at %s (%s): start it with systemctl start "
		         "de_platform_service%s",
		         path, strerror(e),
		         getenv("DE_RUNTIME_DIR") ? ", or fix DE_RUNTIME_DIR"
		                                  : " (or set DE_RUNTIME_DIR to its runtime_dir)");
	return SGX_ERROR_NO_DEVICE;
}

/*
 * One request whose answer is a struct (de_reply_load / de_reply_status):
 * SGX_SUCCESS with *out filled (zero-padded if shorter), or the failure
 * logged as "WHAT: ..." and SGX_ERROR_UNEXPECTED.
 */
static sgx_status_t request(int fd, uint16_t op, const void *const *pieces, const size_t *sizes,
                            int n, int pass_fd, void *out, size_t outlen, size_t *got,
                            const char *what)
{
	struct urts_resp r;
	char why[256];
	if (urts_svc_call(fd, op, pieces, sizes, n, pass_fd, &r, why, sizeof(why))) {
		urts_log("%s: %s: see journalctl -u de_platform_service", what, why);
		return SGX_ERROR_UNEXPECTED;
	}
	if (r.status != DE_CTL_OK) {
		urts_log("%s: the service refused: %s", what, r.payload);
		free(r.payload);
		return SGX_ERROR_UNEXPECTED;
	}
	memset(out, 0, outlen);
	memcpy(out, r.payload, r.len < outlen ? r.len : outlen);
	if (got)
		*got = r.len;
	free(r.payload);
	return SGX_SUCCESS;
}

static sgx_status_t load_refused(const char *file, const struct de_reply_load *rep)
{
	if (rep->sgx_status) {
		const char *reason = rep->reason && rep->reason < DE_R_COUNT
		                         ? de_reason_text((enum de_reason)rep->reason)
		                         : NULL;
		urts_log("the enclave %s was refused: %s%s%s", file, de_sgx_name(rep->sgx_status),
		         reason ? ": " : "", reason ? reason : "");
		return (sgx_status_t)rep->sgx_status;
	}
	switch (rep->status) {
	case DE_ST_ENOMEM:
		urts_log(
		    "not enough memory in the EVM for the enclave %s: destroy enclaves that are "
		    "no longer needed, or give the EVM more (memory_mib in /etc/enclave.conf)",
		    file);
		return SGX_ERROR_OUT_OF_EPC;
	case DE_ST_ENOSPC:
		urts_log(
		    "the EVM already holds 64 enclaves, the most it can: destroy enclaves that "
		    "are no longer needed before loading %s",
		    file);
		return SGX_ERROR_OUT_OF_EPC;
	case DE_ST_ENOEXEC:
		urts_log("%s is not a loadable enclave: build it with de_add_enclave (a static-pie "
		         "ELF signed with de_sign)",
		         file);
		return SGX_ERROR_INVALID_ENCLAVE;
	default:
		urts_log("the EVM refused to load the enclave %s (status %d)", file, rep->status);
		return SGX_ERROR_UNEXPECTED;
	}
}

/* The spin budget from the switchless configuration, then DE_SPIN_US. */
static void wait_config(struct urts_wait *w, const sgx_uswitchless_config_t *sl)
{
	urts_wait_defaults(w);
	if (sl && sl->retries_before_fallback)
		w->spin_ns = urts_pauses_ns(sl->retries_before_fallback);
	if (sl && sl->retries_before_sleep)
		w->yield_ns = urts_pauses_ns(sl->retries_before_sleep);
	const char *v = getenv("DE_SPIN_US");
	if (v && *v) {
		char *end;
		errno = 0;
		unsigned long us = strtoul(v, &end, 10);
		if (errno || v[0] < '0' || v[0] > '9' || *end || us > MAX_SPIN_US)
			urts_log(
			    "DE_SPIN_US=%.20s is not a number of microseconds from 0 to %u; it is "
			    "ignored",
			    v, MAX_SPIN_US);
		else
			w->spin_ns = us * 1000ull;
	}
}

static sgx_status_t create(const char *file, int debug, sgx_enclave_id_t *enclave_id,
                           sgx_misc_attribute_t *misc_attr, const sgx_uswitchless_config_t *sl)
{
	char why[256], path[128], name[DE_ENCLAVE_NAME];
	struct urts_wait wait;
	wait_config(&wait, sl);
	uint64_t wsize = urts_window_size_parse(getenv("DE_WINDOW_SIZE"), why, sizeof(why));
	if (!wsize) {
		urts_log("%s", why);
		return SGX_ERROR_INVALID_PARAMETER;
	}

	uint8_t *image;
	size_t image_len;
	sgx_status_t st = read_image(file, &image, &image_len);
	if (st)
		return st;
	int fd;
	st = connect_service(path, sizeof(path), &fd);
	if (st) {
		free(image);
		return st;
	}

	/* LOAD: the manager verifies the signature and takes the sizes from the
	 * signed metadata; these only have to be valid. */
	struct de_req_load lr = {
	    .owner_pid = (uint64_t)getpid(),
	    .flags = debug ? DE_LOAD_DEBUG : 0,
	    .nr_threads = 1,
	    .heap_size = 0,
	    .stack_size = STACK_SIZE,
	    .image_len = image_len,
	};
	enclave_name(file, name, sizeof(name));
	memcpy(lr.name, name, sizeof(lr.name));
	struct de_reply_load rep;
	size_t got;
	snprintf(why, sizeof(why), "loading %s", file);
	st = request(fd, DE_CTL_LOAD, (const void *[]){&lr, image},
	             (size_t[]){sizeof(lr), image_len}, 2, -1, &rep, sizeof(rep), &got, why);
	free(image);
	if (st) {
		close(fd);
		return st;
	}
	if (rep.status) {
		close(fd);
		return load_refused(file, &rep);
	}
	if (got < sizeof(rep)) {
		urts_log(
		    "the service answered LOAD with %zu bytes instead of %zu: it is older than "
		    "this runtime; update de_platform_service",
		    got, sizeof(rep));
		close(fd);
		return SGX_ERROR_UNEXPECTED;
	}
	if (!rep.tcs_num || rep.tcs_num > DE_WINDOW_MAX_SLOTS) {
		urts_log("the enclave %s has TCSNum %u; DE Enclave supports 1 to %u threads per "
		         "enclave: lower TCSNum in its Enclave.config.xml and sign it again",
		         file, rep.tcs_num, DE_WINDOW_MAX_SLOTS);
		close(fd);
		return SGX_ERROR_INVALID_METADATA;
	}

	/* The window, shared with the enclave at the same address. */
	struct urts_window win;
	uint64_t spin_us = wait.spin_ns / 1000;
	st = urts_window_open(wsize, rep.tcs_num,
	                      spin_us > UINT32_MAX ? UINT32_MAX : (uint32_t)spin_us, &win, why,
	                      sizeof(why));
	if (st) {
		urts_log("%s", why);
		close(fd);
		return st;
	}
	struct de_ctl_window wr = {.id = rep.id, .va = (uintptr_t)win.base, .size = win.size};
	struct de_reply_status rs;
	snprintf(why, sizeof(why), "sharing the window with %s", file);
	st = request(fd, DE_CTL_WINDOW, (const void *[]){&wr}, (size_t[]){sizeof(wr)}, 1, win.fd,
	             &rs, sizeof(rs), NULL, why);
	if (!st && rs.status) {
		urts_log("the EVM could not map the shared window (%llu MiB) into the enclave %s "
		         "(status %d)%s",
		         (unsigned long long)(win.size >> 20), file, rs.status,
		         rs.status == DE_ST_ENOMEM ? ": set a smaller DE_WINDOW_SIZE" : "");
		st = rs.status == DE_ST_ENOMEM ? SGX_ERROR_OUT_OF_EPC : SGX_ERROR_UNEXPECTED;
	}
	if (st) {
		urts_window_close(&win);
		close(fd);
		return st;
	}
	urts_window_close_fd(&win); /* the mapping keeps the memory */

	uintptr_t base = (uintptr_t)win.base; /* win moves into the enclave */
	struct urts_svc *svc = urts_svc_new(fd, rep.id, path);
	struct urts_enclave *enc =
	    svc ? urts_enclave_new(&win, name, &wait, &urts_svc_ops, svc) : NULL;
	if (!enc) {
		if (!svc)
			urts_window_close(&win);
		urts_log("out of memory creating the enclave %s", file);
		return SGX_ERROR_OUT_OF_MEMORY;
	}

	struct de_req_enclave sr = {.id = rep.id, .arg = base};
	snprintf(why, sizeof(why), "starting %s", file);
	st = request(fd, DE_CTL_START, (const void *[]){&sr}, (size_t[]){sizeof(sr)}, 1, -1, &rs,
	             sizeof(rs), NULL, why);
	if (!st && rs.status) {
		urts_log("the EVM could not start the enclave %s (status %d)%s", file, rs.status,
		         rs.status == DE_ST_EIO
		             ? ": the CPU's random number generator failed; try again"
		             : "");
		st = rs.status == DE_ST_ENOMEM ? SGX_ERROR_OUT_OF_EPC : SGX_ERROR_UNEXPECTED;
	}
	if (st) {
		urts_enclave_discard(enc);
		return st;
	}

	char detail[256];
	st = urts_enclave_wait_ready(enc, READY_TIMEOUT_NS, detail, sizeof(detail));
	if (st == SGX_ERROR_ENCLAVE_LOST)
		urts_log(
		    "the enclave %s was lost while starting: %s: start de_platform_service again "
		    "and retry",
		    file, detail);
	else if (st)
		urts_log("the enclave %s %s while starting: it must be built with the DE trusted "
		         "runtime (de_add_enclave); on a debug EVM, dectl console shows its output",
		         file, detail);
	if (!st && !(*enclave_id = urts_enclave_register(enc))) {
		urts_log("out of memory creating the enclave %s", file);
		st = SGX_ERROR_OUT_OF_MEMORY;
	}
	if (st) {
		urts_enclave_discard(enc);
		return st;
	}
	if (misc_attr) {
		memset(misc_attr, 0, sizeof(*misc_attr));
		misc_attr->secs_attr.flags =
		    rep.identity.attributes | SGX_FLAGS_INITTED | (debug ? SGX_FLAGS_DEBUG : 0);
		misc_attr->secs_attr.xfrm = rep.identity.xfrm;
		misc_attr->misc_select = rep.identity.misc_select;
	}
	return SGX_SUCCESS;
}

URTS_API sgx_status_t sgx_create_enclave_ex(const char *file_name, const int debug,
                                            sgx_launch_token_t *launch_token,
                                            int *launch_token_updated, sgx_enclave_id_t *enclave_id,
                                            sgx_misc_attribute_t *misc_attr,
                                            const uint32_t ex_features,
                                            const void *ex_features_p[32])
{
	(void)launch_token; /* no launch tokens on DE Enclave */
	if (launch_token_updated)
		*launch_token_updated = 0;
	if (!file_name || !enclave_id) {
		urts_log("sgx_create_enclave: file_name and enclave_id must not be NULL");
		return SGX_ERROR_INVALID_PARAMETER;
	}
	if (ex_features & ~(uint32_t)_SGX_EX_FEATURES_MASK_) {
		urts_log("sgx_create_enclave_ex: unknown extended features %#x: use only "
		         "SGX_CREATE_ENCLAVE_EX_SWITCHLESS",
		         ex_features & ~(uint32_t)_SGX_EX_FEATURES_MASK_);
		return SGX_ERROR_INVALID_PARAMETER;
	}
	if (ex_features & (SGX_CREATE_ENCLAVE_EX_PCL | SGX_CREATE_ENCLAVE_EX_KSS)) {
		urts_log("sgx_create_enclave_ex: %s is not supported on DE Enclave",
		         ex_features & SGX_CREATE_ENCLAVE_EX_PCL
		             ? "the protected code loader (PCL)"
		             : "key separation and sharing (KSS)");
		return SGX_ERROR_FEATURE_NOT_SUPPORTED;
	}
	const sgx_uswitchless_config_t *sl = NULL;
	if (ex_features & SGX_CREATE_ENCLAVE_EX_SWITCHLESS) {
		if (!ex_features_p || !ex_features_p[SGX_CREATE_ENCLAVE_EX_SWITCHLESS_BIT_IDX]) {
			urts_log("sgx_create_enclave_ex: SGX_CREATE_ENCLAVE_EX_SWITCHLESS needs a "
			         "sgx_uswitchless_config_t in ex_features_p[%d]",
			         SGX_CREATE_ENCLAVE_EX_SWITCHLESS_BIT_IDX);
			return SGX_ERROR_INVALID_PARAMETER;
		}
		sl = ex_features_p[SGX_CREATE_ENCLAVE_EX_SWITCHLESS_BIT_IDX];
	}
	return create(file_name, debug, enclave_id, misc_attr, sl);
}

URTS_API sgx_status_t sgx_create_enclave(const char *file_name, const int debug,
                                         sgx_launch_token_t *launch_token,
                                         int *launch_token_updated, sgx_enclave_id_t *enclave_id,
                                         sgx_misc_attribute_t *misc_attr)
{
	return sgx_create_enclave_ex(file_name, debug, launch_token, launch_token_updated,
	                             enclave_id, misc_attr, 0, NULL);
}
