/* SPDX-License-Identifier: Apache-2.0 */
/* image.bin validation: a good image passes, every kind of damage is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "image.h"
#include "de/boot.h"

#define SIZE 16384

static uint8_t img[SIZE];
static char err[512];

static void seal(void)
{
	struct de_image_header *h = (struct de_image_header *)img;
	memset(h->sha256, 0, sizeof(h->sha256));
	EVP_Digest(img, SIZE, h->sha256, NULL, EVP_sha256(), NULL);
}

static struct de_image_header *make(void)
{
	memset(img, 0x5a, sizeof(img));
	struct de_image_header *h = (struct de_image_header *)img;
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, DE_IMAGE_MAGIC, 8);
	h->version = DE_IMAGE_VERSION;
	h->header_size = sizeof(*h);
	h->load_paddr = DE_IMAGE_LOAD;
	h->file_size = SIZE;
	h->mem_size = SIZE + 8192;
	h->entry_paddr = DE_IMAGE_LOAD + 256;
	h->min_memory_mib = 16;
	h->manager.offset = 8192;
	h->manager.size = 16384;
	h->manager.nr_segments = 1;
	h->manager.segments[0] = (struct de_image_segment){0, 4, DE_PROT_R | DE_PROT_X, 0};
	seal();
	return h;
}

static void refused(const char *what)
{
	if (image_check(img, SIZE, 64, err, sizeof(err)) != -1)
		fail_msg("accepted: %s", what);
	if (!strstr(err, what))
		fail_msg("\"%s\" does not mention \"%s\"", err, what);
}

static void good(void **state)
{
	(void)state;
	make();
	assert_int_equal(image_check(img, SIZE, 64, err, sizeof(err)), 0);
}

static void damaged(void **state)
{
	(void)state;
	struct de_image_header *h;

	make();
	img[SIZE - 1] ^= 1;
	refused("checksum mismatch");

	make();
	assert_int_equal(image_check(img, SIZE - 1, 64, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "truncated"));
	assert_int_equal(image_check(img, 10, 64, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too small"));

	h = make();
	h->magic[0] = 'X';
	refused("bad magic");

	h = make();
	h->version = 2;
	seal();
	refused("version 2 is not supported");

	h = make();
	h->entry_paddr = DE_IMAGE_LOAD + SIZE;
	seal();
	refused("inconsistent");

	h = make();
	h->load_paddr = 0;
	seal();
	refused("inconsistent");

	h = make();
	h->mem_size = SIZE - 1;
	seal();
	refused("inconsistent");

	h = make();
	h->manager.nr_segments = DE_IMAGE_MAX_SEGMENTS + 1;
	seal();
	refused("no valid manager");

	h = make();
	h->manager.size = UINT64_MAX - 4095;
	seal();
	refused("no valid manager");

	h = make();
	h->manager.segments[0].nr_pages = 5;
	seal();
	refused("segment 0 is invalid");

	h = make();
	h->manager.segments[0].prot = DE_PROT_W | DE_PROT_X;
	seal();
	refused("segment 0 is invalid");

	h = make();
	h->min_memory_mib = 65;
	seal();
	refused("needs at least 65 MiB");
}

/* The image the build produced, when ctest passes its path. */
static const char *built_image;

static void built(void **state)
{
	(void)state;
	uint8_t *buf;
	size_t len;
	if (!built_image)
		skip();
	assert_int_equal(image_read(built_image, 64, &buf, &len, err, sizeof(err)), 0);
	free(buf);
	assert_int_equal(image_read("/nonexistent/image.bin", 64, &buf, &len, err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "cannot open image"));
}

int main(int argc, char **argv)
{
	built_image = argc > 1 ? argv[1] : NULL;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(good),
	    cmocka_unit_test(damaged),
	    cmocka_unit_test(built),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
