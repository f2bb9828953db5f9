#include "cpp.h"

#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Read everything from fd into the arena. */
static char *slurp_fd(struct arena *a, int fd, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap), *out;

	if (!buf)
		return NULL;
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			free(buf);
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	out = arena_strndup(a, buf, n);
	free(buf);
	*len = n;
	return out;
}

char *read_file_raw(struct arena *a, const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *s;

	if (!f)
		return NULL;
	s = slurp_fd(a, fileno(f), len);
	fclose(f);
	return s;
}

char *cpp_read(struct arena *a, struct diag *d, const char *path, size_t *len)
{
	const char *cc = getenv("DE_EDGER8R_CPP");
	char *argv[6];
	posix_spawn_file_actions_t fa;
	int pfd[2], status, rc;
	pid_t pid;
	char *text;
	struct loc l = {path, 1, 1};

	if (!cc || !*cc)
		cc = "cc";
	if (access(path, R_OK) != 0)
		diag_error(d, NULL, "cannot read `%s': %s", path, strerror(errno));
	argv[0] = (char *)cc;
	argv[1] = "-x";
	argv[2] = "c";
	argv[3] = "-E";
	argv[4] = (char *)path;
	argv[5] = NULL;
	if (pipe(pfd) != 0)
		diag_error(d, NULL, "cannot create a pipe for the preprocessor: %s",
		           strerror(errno));
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&fa, pfd[0]);
	posix_spawn_file_actions_addclose(&fa, pfd[1]);
	rc = posix_spawnp(&pid, cc, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (rc != 0) {
		close(pfd[0]);
		diag_warning(d, &l,
		             "cannot run the C preprocessor `%s' (%s); reading the file "
		             "without preprocessing",
		             cc, strerror(rc));
		text = read_file_raw(a, path, len);
		if (!text)
			diag_error(d, NULL, "cannot read `%s': %s", path, strerror(errno));
		return text;
	}
	text = slurp_fd(a, pfd[0], len);
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!text)
		diag_error(d, NULL, "cannot read the preprocessor output for `%s'", path);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		diag_error(d, &l, "the C preprocessor (`%s -x c -E') failed on this file", cc);
	return text;
}
