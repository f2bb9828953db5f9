/* Whole-file reads and atomic writes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

int de_read_file(const char *path, size_t max, uint8_t **data, size_t *size)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t done = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret = -1;

	if (fd < 0) {
		fprintf(stderr, "de_sign: cannot open \"%s\": %s\n", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "de_sign: \"%s\" is not a regular file\n", path);
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		fprintf(stderr, "de_sign: \"%s\" is too large (%lld bytes, at most %zu)\n", path,
		        (long long)st.st_size, max);
		goto out;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (buf == NULL) {
		fprintf(stderr, "de_sign: out of memory reading \"%s\"\n", path);
		goto out;
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, (size_t)st.st_size - done);
		if (n <= 0) {
			fprintf(stderr, "de_sign: cannot read \"%s\": %s\n", path,
			        n < 0 ? strerror(errno) : "file shrank while reading");
			goto out;
		}
		done += (size_t)n;
	}
	*data = buf;
	*size = done;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	close(fd);
	return ret;
}

int de_write_file(const char *path, const void *data, size_t size, unsigned mode)
{
	size_t len = strlen(path) + 16;
	char *tmp = malloc(len);
	const uint8_t *p = data;
	size_t done = 0;
	int fd = -1, ret = -1;

	if (tmp == NULL)
		return -1;
	snprintf(tmp, len, "%s.tmpXXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		fprintf(stderr, "de_sign: cannot create \"%s\": %s\n", path, strerror(errno));
		goto out;
	}
	while (done < size) {
		ssize_t n = write(fd, p + done, size - done);
		if (n <= 0) {
			fprintf(stderr, "de_sign: cannot write \"%s\": %s\n", path,
			        strerror(errno));
			goto out;
		}
		done += (size_t)n;
	}
	if (fchmod(fd, mode & 07777) != 0 || close(fd) != 0) {
		fd = -1;
		fprintf(stderr, "de_sign: cannot finish \"%s\": %s\n", path, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		fprintf(stderr, "de_sign: cannot write \"%s\": %s\n", path, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (ret != 0)
		unlink(tmp);
	free(tmp);
	return ret;
}

unsigned de_file_mode(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return 0755;
	return (unsigned)st.st_mode & 0777;
}
