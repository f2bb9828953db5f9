/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The runtime directory (/run/de by default): the instance lock, the pid
 * file and the sockets. One EVM per host: a second service refuses to start
 * while another one holds the lock.
 */
#ifndef DE_PLATFORM_RUNTIME_H
#define DE_PLATFORM_RUNTIME_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct runtime {
	char dir[PATH_MAX];
	char pid_path[PATH_MAX];
	char control_path[PATH_MAX];
	char vsock_path[PATH_MAX];
	int lock_fd;
	bool created_dir;
	gid_t gid;
};

int runtime_open(struct runtime *rt, const char *dir, const char *group, char *err, size_t errlen);
/* Removes the sockets, the pid file and (if this instance made it) the directory. */
void runtime_close(struct runtime *rt);

#endif
