/* Arena allocator: every allocation of one compiler run lives in one arena
 * and is released at once, so error paths (which unwind with longjmp) never
 * leak. */
#ifndef DE_E8_ARENA_H
#define DE_E8_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head;
};

/* Zeroed memory of n bytes; aborts the process when the host is out of memory. */
void *arena_alloc(struct arena *a, size_t n);
/* Copy of the first n bytes of s, NUL-terminated. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/* printf into the arena. */
char *arena_printf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Grow an array of elem-sized items to hold at least want items (doubling). */
void *arena_grow(struct arena *a, void *old, size_t elem, size_t have, size_t *cap, size_t want);
void arena_free(struct arena *a);

#endif
