/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The checked copies that code built with _FORTIFY_SOURCE calls (Debian's
 * libbearssl.a is). musl does not provide them; an overflow they catch is
 * a bug in the manager, and fatal.
 */
#include <string.h>

#include "manager.h"
#include "de/platform_dev.h"

#define FATAL_FORTIFY DE_FATAL_ASSERT

void *__memcpy_chk(void *dst, const void *src, size_t n, size_t dst_len);
void *__memmove_chk(void *dst, const void *src, size_t n, size_t dst_len);
void *__memset_chk(void *dst, int c, size_t n, size_t dst_len);

void *__memcpy_chk(void *dst, const void *src, size_t n, size_t dst_len)
{
	if (n > dst_len)
		platform_fatal(FATAL_FORTIFY, n);
	return memcpy(dst, src, n);
}

void *__memmove_chk(void *dst, const void *src, size_t n, size_t dst_len)
{
	if (n > dst_len)
		platform_fatal(FATAL_FORTIFY, n);
	return memmove(dst, src, n);
}

void *__memset_chk(void *dst, int c, size_t n, size_t dst_len)
{
	if (n > dst_len)
		platform_fatal(FATAL_FORTIFY, n);
	return memset(dst, c, n);
}
