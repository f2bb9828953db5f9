/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime.h"

#define PID_FILE "de_platform_service.pid"

static int lookup_group(const char *name, gid_t *gid, char *err, size_t errlen)
{
	struct group gr, *res = NULL;
	char buf[4096];
	if (getgrnam_r(name, &gr, buf, sizeof(buf), &res) || !res) {
		snprintf(err, errlen,
		         "socket_group \"%s\" does not exist; create it (groupadd %s) or set "
		         "socket_group to an existing group",
		         name, name);
		return -1;
	}
	*gid = res->gr_gid;
	return 0;
}

int runtime_open(struct runtime *rt, const char *dir, const char *group, char *err, size_t errlen)
{
	memset(rt, 0, sizeof(*rt));
	rt->lock_fd = -1;
	if (lookup_group(group, &rt->gid, err, errlen))
		return -1;
	snprintf(rt->dir, sizeof(rt->dir), "%s", dir);
	snprintf(rt->pid_path, sizeof(rt->pid_path), "%s/" PID_FILE, dir);
	snprintf(rt->control_path, sizeof(rt->control_path), "%s/control.sock", dir);
	snprintf(rt->vsock_path, sizeof(rt->vsock_path), "%s/vsock.sock", dir);

	if (mkdir(dir, 0750) == 0) {
		rt->created_dir = true;
	} else if (errno != EEXIST) {
		snprintf(err, errlen,
		         "cannot create runtime_dir %s: %s; create its parent or choose another "
		         "runtime_dir",
		         dir, strerror(errno));
		return -1;
	}
	struct stat st;
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen,
		         "runtime_dir %s is not a directory; choose another runtime_dir", dir);
		return -1;
	}
	if (rt->created_dir && chown(dir, 0, rt->gid) && geteuid() == 0) {
		snprintf(err, errlen, "cannot give runtime_dir %s to group %s: %s", dir, group,
		         strerror(errno));
		goto fail;
	}

	rt->lock_fd = open(rt->pid_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (rt->lock_fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", rt->pid_path, strerror(errno));
		goto fail;
	}
	if (flock(rt->lock_fd, LOCK_EX | LOCK_NB)) {
		char buf[32] = {0};
		ssize_t n = pread(rt->lock_fd, buf, sizeof(buf) - 1, 0);
		long pid = n > 0 ? strtol(buf, NULL, 10) : 0;
		snprintf(err, errlen,
		         "another de_platform_service (pid %ld) owns runtime_dir %s and runs the "
		         "EVM (one per host); stop it (systemctl stop de_platform_service or dectl "
		         "stop) or give this instance another runtime_dir",
		         pid, dir);
		close(rt->lock_fd);
		rt->lock_fd = -1;
		rt->created_dir = false; /* it belongs to the other instance */
		return -1;
	}
	char pid[32];
	int len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(rt->lock_fd, 0) || pwrite(rt->lock_fd, pid, (size_t)len, 0) != len) {
		snprintf(err, errlen, "cannot write %s: %s", rt->pid_path, strerror(errno));
		goto fail;
	}
	/* Sockets left by an instance that died without cleaning up. */
	unlink(rt->control_path);
	unlink(rt->vsock_path);
	return 0;
fail:
	runtime_close(rt);
	return -1;
}

void runtime_close(struct runtime *rt)
{
	if (rt->lock_fd >= 0) {
		unlink(rt->control_path);
		unlink(rt->vsock_path);
		unlink(rt->pid_path);
		close(rt->lock_fd);
		rt->lock_fd = -1;
	}
	if (rt->created_dir) {
		rmdir(rt->dir);
		rt->created_dir = false;
	}
}
