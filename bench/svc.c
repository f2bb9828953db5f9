/* SPDX-License-Identifier: Apache-2.0 */
/* control.sock's STATUS and Unix socket helpers (svc.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "de/control.h"
#include "svc.h"

int svc_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(path);
	if (n >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, n + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

void svc_timeout(int fd, int ms)
{
	struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

int svc_read_full(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int svc_write_full(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

json_t *svc_query(const char *rundir, uint16_t op, int timeout_ms, char *why, size_t len)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/control.sock", rundir);
	int fd = svc_connect(path);
	if (fd < 0) {
		snprintf(why, len, "cannot connect to %s: %s", path, strerror(-fd));
		return NULL;
	}
	struct de_ctl_req req = {.magic = DE_CTL_MAGIC, .version = DE_CTL_VERSION, .op = op};
	struct de_ctl_resp resp;
	json_t *j = NULL;
	char *payload = NULL;
	svc_timeout(fd, timeout_ms);
	if (svc_write_full(fd, &req, sizeof(req)) || svc_read_full(fd, &resp, sizeof(resp))) {
		snprintf(why, len, "no answer from %s", path);
		goto out;
	}
	if (resp.magic != DE_CTL_MAGIC || resp.len > DE_CTL_MAX_PAYLOAD) {
		snprintf(why, len, "a malformed answer from %s", path);
		goto out;
	}
	payload = malloc((size_t)resp.len + 1);
	if (!payload || svc_read_full(fd, payload, resp.len)) {
		snprintf(why, len, "a truncated answer from %s", path);
		goto out;
	}
	payload[resp.len] = 0;
	if (resp.status != DE_CTL_OK) {
		snprintf(why, len, "the service refused: %s", payload);
		goto out;
	}
	json_error_t err;
	j = json_loads(payload, 0, &err);
	if (!j || !json_is_object(j)) {
		json_decref(j);
		j = NULL;
		snprintf(why, len, "the answer is not a JSON object: %s", err.text);
	}
out:
	free(payload);
	close(fd);
	return j;
}

json_t *svc_status(const char *rundir, int timeout_ms, char *why, size_t len)
{
	return svc_query(rundir, DE_CTL_STATUS, timeout_ms, why, len);
}

long svc_free_pages(const char *rundir)
{
	char why[256];
	json_t *j = svc_query(rundir, DE_CTL_STATS, 5000, why, sizeof(why));
	json_t *v = json_object_get(j, "free_pages");
	long n = json_is_integer(v) ? (long)json_integer_value(v) : -1;
	json_decref(j);
	return n;
}

int svc_vcpu_cpus(json_t *status, int *cpus, int max)
{
	json_t *v = json_object_get(status, "vcpus"), *e;
	size_t i;
	int n = 0;
	json_array_foreach(v, i, e)
	{
		json_t *c = json_object_get(e, "host_cpu");
		if (json_is_integer(c) && n < max)
			cpus[n++] = (int)json_integer_value(c);
	}
	return n;
}
