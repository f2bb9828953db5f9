/* Foreign types used by golden.edl. */
#ifndef GOLDEN_TYPES_H
#define GOLDEN_TYPES_H

typedef struct obj {
	int id;
} obj_t;
typedef obj_t *obj_ptr_t;
typedef float vec_t[3];
typedef int handle_t;

#endif
