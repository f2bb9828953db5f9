/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SampleMath application: creates the enclave, asks it for the distance
 * between three pairs of points, prints them, destroys the enclave. The
 * enclave file is looked up next to this program, then in ../Enclave.
 */
#define _GNU_SOURCE /* readlink, PATH_MAX */
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "Enclave_u.h"
#include "sgx_urts.h"

static int find_enclave(char *path, size_t n)
{
	char self[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0)
		return -1;
	self[len] = 0;
	const char *dir = dirname(self);
	snprintf(path, n, "%s/enclave.signed.so", dir);
	if (access(path, R_OK) == 0)
		return 0;
	snprintf(path, n, "%s/../Enclave/enclave.signed.so", dir);
	return access(path, R_OK);
}

int main(void)
{
	static const struct point_t pts[3][2] = {
	    {{3, 4}, {1, 8}},
	    {{6, 9}, {6, 2}},
	    {{3, 3}, {7, 5}},
	};
	char path[PATH_MAX + 64];
	if (find_enclave(path, sizeof(path))) {
		fprintf(stderr,
		        "app: enclave.signed.so not found next to the program or in ../Enclave\n");
		return 1;
	}
	sgx_enclave_id_t eid = 0;
	sgx_status_t st = sgx_create_enclave(path, 1, NULL, NULL, &eid, NULL);
	if (st != SGX_SUCCESS) {
		fprintf(stderr, "app: sgx_create_enclave(%s) failed: %#x\n", path, st);
		return 1;
	}
	int rc = 0;
	for (int i = 0; i < 3; i++) {
		double d = 0;
		st = ecall_distance(eid, &d, pts[i][0], pts[i][1]);
		if (st != SGX_SUCCESS) {
			fprintf(stderr, "app: ecall_distance failed: %#x\n", st);
			rc = 1;
			break;
		}
		printf("A(%g,%g) -> B(%g,%g) -> %g\n", pts[i][0].x, pts[i][0].y, pts[i][1].x,
		       pts[i][1].y, d);
	}
	sgx_destroy_enclave(eid);
	return rc;
}
