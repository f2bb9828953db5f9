/* SPDX-License-Identifier: Apache-2.0 */
/* Foreign (C-defined) types that attributes.edl uses: a pointer typedef for
 * [isptr], a const pointer typedef for [isptr, readonly] and an array
 * typedef for [isary]. Included by both the enclave and the application. */
#ifndef ATTRIBUTES_TYPES_H
#define ATTRIBUTES_TYPES_H

#include <stddef.h>
#include <stdint.h>

typedef struct point3 {
	int32_t x, y, z;
} point3_t;
typedef point3_t *point3_ptr_t;
typedef const point3_t *cpoint3_ptr_t;
typedef int32_t int4_t[4];

/* The values the application passes to ecall_scalars, one per type. */
#define SC_A   'A'
#define SC_B   ((int8_t)-5)
#define SC_C   ((unsigned char)250)
#define SC_D   ((short)-30000)
#define SC_E   ((unsigned short)65000)
#define SC_F   (-2000000000)
#define SC_G   4000000000u
#define SC_H   (-9000000000000000000L)
#define SC_I   18000000000000000000UL
#define SC_J   (-1234567890123LL)
#define SC_K   0xfedcba9876543210ULL
#define SC_L   ((int8_t)-128)
#define SC_M   ((int16_t)-32768)
#define SC_N   ((int32_t)-2147483647)
#define SC_O   ((int64_t)-77777777777LL)
#define SC_P   ((uint8_t)255)
#define SC_Q   ((uint16_t)65535)
#define SC_R   ((uint32_t)0xdeadbeefu)
#define SC_S   ((uint64_t)0xcafef00dd00dfeedULL)
#define SC_T   ((size_t)0x123456789abcULL)
#define SC_U   3.25f
#define SC_V   (-1.0e300)
#define SC_W   1.5e-4000L
#define SC_X   ((wchar_t)0x1F600)
#define SC_Z_D 2.5
#define SC_LI  (-123456789L)
#define SC_ULI 987654321UL
#define SC_SI  ((short)-7)

#endif
