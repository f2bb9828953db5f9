/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <string.h>

#include "vsock_wire.h"
#include "util/log.h"

static uint32_t chain_copy(const struct virtq_chain *ch, uint64_t off, uint8_t *p, uint32_t len,
                           int to_chain)
{
	uint32_t done = 0;
	for (uint16_t i = 0; i < ch->nr && done < len; i++) {
		const struct virtq_buf *b = &ch->buf[i];
		if (to_chain != b->writable)
			continue;
		if (off >= b->len) {
			off -= b->len;
			continue;
		}
		uint32_t n = b->len - (uint32_t)off;
		if (n > len - done)
			n = len - done;
		if (to_chain)
			memcpy(b->ptr + off, p + done, n);
		else
			memcpy(p + done, b->ptr + off, n);
		done += n;
		off = 0;
	}
	return done;
}

uint32_t vsock_chain_read(const struct virtq_chain *ch, uint64_t off, void *dst, uint32_t len)
{
	return chain_copy(ch, off, dst, len, 0);
}

uint32_t vsock_chain_write(struct virtq_chain *ch, uint64_t off, const void *src, uint32_t len)
{
	return chain_copy(ch, off, (uint8_t *)src, len, 1);
}

int vsock_parse_connect(const char *line, size_t len, uint32_t *port)
{
	static const char verb[] = "CONNECT ";
	const size_t vl = sizeof(verb) - 1;
	uint64_t v = 0;

	if (len < vl + 2 || len > VSOCK_CONNECT_LINE_MAX || memcmp(line, verb, vl) ||
	    line[len - 1] != '\n')
		return -1;
	size_t digits = len - vl - 1;
	if (digits > 10 || (digits > 1 && line[vl] == '0'))
		return -1;
	for (size_t i = vl; i < len - 1; i++) {
		if (line[i] < '0' || line[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(line[i] - '0');
	}
	if (v > UINT32_MAX)
		return -1;
	*port = (uint32_t)v;
	return 0;
}

void log_vsock_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(LOG_LVL_ERR, fmt, ap);
	va_end(ap);
}
