/* Whole-file reads and writes for de_sign. */
#ifndef DE_SIGN_FILEIO_H
#define DE_SIGN_FILEIO_H

#include <stddef.h>
#include <stdint.h>

/* Read a whole file (at most max bytes). Returns 0 or -1 after printing why. */
int de_read_file(const char *path, size_t max, uint8_t **data, size_t *size);

/* Write a whole file with the given mode (atomically: temp file + rename). */
int de_write_file(const char *path, const void *data, size_t size, unsigned mode);

/* Permission bits of an existing file (0755 if it cannot be read). */
unsigned de_file_mode(const char *path);

#endif /* DE_SIGN_FILEIO_H */
