/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "image.h"
#include "de/boot.h"

#define REMEDY "; rebuild it or point `image` in the config at a valid image.bin"

int image_check(const uint8_t *buf, size_t len, uint64_t memory_mib, char *err, size_t errlen)
{
	struct de_image_header h;

	if (len < sizeof(h)) {
		snprintf(err, errlen, "file is %zu bytes, too small for an EVM image" REMEDY, len);
		return -1;
	}
	memcpy(&h, buf, sizeof(h));
	if (memcmp(h.magic, DE_IMAGE_MAGIC, sizeof(h.magic))) {
		snprintf(err, errlen, "not an EVM image (bad magic)" REMEDY);
		return -1;
	}
	if (h.version != DE_IMAGE_VERSION || h.header_size != sizeof(h)) {
		snprintf(err, errlen,
		         "image format version %u is not supported (this service reads version "
		         "%u)" REMEDY,
		         h.version, DE_IMAGE_VERSION);
		return -1;
	}
	if (h.file_size != len) {
		snprintf(
		    err, errlen,
		    "image is truncated or padded: header says %llu bytes, file has %zu" REMEDY,
		    (unsigned long long)h.file_size, len);
		return -1;
	}
	if (h.load_paddr != DE_IMAGE_LOAD || h.flags != 0 || h.mem_size < h.file_size ||
	    h.mem_size > DE_IMAGE_MAX_SIZE || h.entry_paddr < h.load_paddr ||
	    h.entry_paddr >= h.load_paddr + h.file_size) {
		snprintf(err, errlen,
		         "image header is inconsistent (load address, sizes or entry)" REMEDY);
		return -1;
	}
	if (h.manager.nr_segments == 0 || h.manager.nr_segments > DE_IMAGE_MAX_SEGMENTS ||
	    h.manager.offset % 4096 || h.manager.offset > h.mem_size ||
	    h.manager.size > h.mem_size - h.manager.offset) {
		snprintf(err, errlen, "image header describes no valid manager" REMEDY);
		return -1;
	}
	for (uint32_t i = 0; i < h.manager.nr_segments; i++) {
		const struct de_image_segment *s = &h.manager.segments[i];
		if ((uint64_t)s->first_page + s->nr_pages > h.manager.size / 4096 ||
		    ((s->prot & DE_PROT_W) && (s->prot & DE_PROT_X))) {
			snprintf(err, errlen, "image manager segment %u is invalid" REMEDY, i);
			return -1;
		}
	}
	uint8_t want[32], got[32];
	memcpy(want, h.sha256, sizeof(want));
	static const uint8_t zero[32];
	size_t off = offsetof(struct de_image_header, sha256);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	         EVP_DigestUpdate(ctx, buf, off) && EVP_DigestUpdate(ctx, zero, sizeof(zero)) &&
	         EVP_DigestUpdate(ctx, buf + off + sizeof(zero), len - off - sizeof(zero)) &&
	         EVP_DigestFinal_ex(ctx, got, NULL);
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		snprintf(err, errlen, "cannot compute SHA-256 (OpenSSL failure)");
		return -1;
	}
	if (memcmp(want, got, sizeof(got))) {
		snprintf(err, errlen, "image checksum mismatch: the file is corrupted" REMEDY);
		return -1;
	}
	if (h.min_memory_mib > memory_mib) {
		snprintf(err, errlen,
		         "the image needs at least %u MiB of EVM memory but memory_mib is %llu; "
		         "raise memory_mib",
		         h.min_memory_mib, (unsigned long long)memory_mib);
		return -1;
	}
	return 0;
}

int image_read(const char *path, uint64_t memory_mib, uint8_t **out, size_t *outlen, char *err,
               size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	uint8_t *buf = NULL;
	int rc = -1;

	if (fd < 0) {
		snprintf(err, errlen,
		         "cannot open image %s: %s; build it (cmake --build build) or set `image` "
		         "in the config",
		         path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > (off_t)DE_IMAGE_MAX_SIZE) {
		snprintf(err, errlen, "image %s is not a regular file of at most %llu MiB", path,
		         (unsigned long long)(DE_IMAGE_MAX_SIZE >> 20));
		goto out;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		snprintf(err, errlen, "out of memory reading %s", path);
		goto out;
	}
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n <= 0) {
			snprintf(err, errlen, "cannot read image %s: %s", path,
			         n < 0 ? strerror(errno) : "unexpected end of file");
			goto out;
		}
		got += (size_t)n;
	}
	char why[256];
	if (image_check(buf, got, memory_mib, why, sizeof(why))) {
		snprintf(err, errlen, "invalid EVM image %s: %s", path, why);
		goto out;
	}
	*out = buf;
	*outlen = got;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	close(fd);
	return rc;
}
