/* C types that the legal corpus EDL files use as foreign types. */
#ifndef USER_TYPES_H
#define USER_TYPES_H

#include <stddef.h>
#include <stdint.h>

typedef struct point {
	int x, y;
} point_t;
typedef point_t *point_ptr_t;
typedef const point_t *cpoint_ptr_t;
typedef int int4_t[4];
typedef unsigned long handle_t;

#endif
