/* SPDX-License-Identifier: Apache-2.0 */
/* SampleMath enclave: runs inside the Enclave VM. */
#include <math.h>

#include "Enclave_t.h"

double ecall_distance(struct point_t a, struct point_t b)
{
	double dx = a.x - b.x, dy = a.y - b.y;
	return sqrt(dx * dx + dy * dy);
}
