/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Debug console on the serial port. On non-debug EVMs the VMM does not wire
 * the port, so the kernel does not write at all (every write is a VM exit).
 */
#include <stdarg.h>

#include "kernel.h"

static int console_on;

void console_init(const struct de_bootinfo *bi)
{
	console_on = (bi->flags & DE_BOOT_DEBUG) != 0;
}

void console_write(const char *s, size_t n)
{
	if (!console_on || n == 0)
		return;
	/* One string I/O exit per call instead of one per byte. */
	__asm__ volatile("rep outsb" : "+S"(s), "+c"(n) : "d"((uint16_t)DE_SERIAL_PORT) : "memory");
}

static size_t fmt_u64(char *out, uint64_t v, unsigned base, int width)
{
	char tmp[24];
	size_t n = 0;
	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while ((int)n < width)
		tmp[n++] = '0';
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

/* A tiny printf: %s %d %u %x %lx %lu %p, optional zero-pad width. */
void kprintf(const char *fmt, ...)
{
	char buf[256];
	size_t n = 0;
	va_list ap;

	if (!console_on)
		return;
	va_start(ap, fmt);
	for (const char *p = fmt; *p && n < sizeof(buf) - 24; p++) {
		if (*p != '%') {
			buf[n++] = *p;
			continue;
		}
		p++;
		int width = 0;
		while (*p >= '0' && *p <= '9')
			width = width * 10 + (*p++ - '0');
		int is_long = 0;
		while (*p == 'l') {
			is_long = 1;
			p++;
		}
		switch (*p) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			while (*s && n < sizeof(buf) - 24)
				buf[n++] = *s++;
			break;
		}
		case 'd': {
			int64_t v = is_long ? va_arg(ap, int64_t) : va_arg(ap, int);
			if (v < 0) {
				buf[n++] = '-';
				v = -v;
			}
			n += fmt_u64(buf + n, (uint64_t)v, 10, width);
			break;
		}
		case 'u':
			n += fmt_u64(buf + n, is_long ? va_arg(ap, uint64_t) : va_arg(ap, unsigned),
			             10, width);
			break;
		case 'x':
			n += fmt_u64(buf + n, is_long ? va_arg(ap, uint64_t) : va_arg(ap, unsigned),
			             16, width);
			break;
		case 'p':
			buf[n++] = '0';
			buf[n++] = 'x';
			n += fmt_u64(buf + n, (uint64_t)va_arg(ap, void *), 16, 0);
			break;
		case '%':
			buf[n++] = '%';
			break;
		default:
			buf[n++] = '?';
			break;
		}
	}
	va_end(ap);
	console_write(buf, n);
}
