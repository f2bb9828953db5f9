/* SPDX-License-Identifier: Apache-2.0 */
/*
 * memcpy_s, memmove_s, memset_s (mbusafecrt.h), with the SGX SDK's
 * semantics. Pure code: the host unit tests compile it too.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "mbusafecrt.h"

#define RSIZE_MAX_ (SIZE_MAX >> 1)

/* Zeroes dest on a failed copy, so that no stale data is taken for a result. */
static int copy_failed(void *dest, size_t destsz, int err)
{
	if (dest && destsz <= RSIZE_MAX_)
		memset(dest, 0, destsz);
	return err;
}

int memmove_s(void *dest, size_t destsz, const void *src, size_t count)
{
	if (count == 0)
		return 0;
	if (!dest)
		return EINVAL;
	if (!src)
		return copy_failed(dest, destsz, EINVAL);
	if (count > destsz)
		return copy_failed(dest, destsz, ERANGE);
	memmove(dest, src, count);
	return 0;
}

/* The same checks and errors; overlapping buffers, undefined for memcpy_s, are simply handled. */
int memcpy_s(void *dest, size_t destsz, const void *src, size_t count)
{
	return memmove_s(dest, destsz, src, count);
}

/* Called through a volatile pointer: the compiler cannot drop the store
 * even when s is never read again (clearing keys). */
static void *(*const volatile memset_vp)(void *, int, size_t) = memset;

int memset_s(void *s, size_t smax, int c, size_t n)
{
	int err = 0;
	if (!s) {
		err = EINVAL;
		goto out;
	}
	if (smax > RSIZE_MAX_) {
		err = E2BIG;
		goto out;
	}
	if (n > RSIZE_MAX_) {
		err = E2BIG;
		n = smax;
	}
	if (n > smax) {
		err = EOVERFLOW;
		n = smax;
	}
	(*memset_vp)(s, c, n);
out:
	if (err)
		errno = err;
	return err;
}
