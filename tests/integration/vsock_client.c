/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test client for the hybrid vsock socket. Opens N connections to a guest
 * port at once, streams a pseudo-random pattern through each (writing and
 * reading concurrently, as an echo needs), and checks that every byte comes
 * back intact and in order.
 *
 *   vsock_client SOCKET [--port P] [--conns N] [--bytes B] [--abort-after B]
 *                       [--expect-refused]
 *
 * --abort-after closes each connection after B bytes have been sent, without
 * reading the rest (checks that closing mid-stream does not wedge anything).
 * Prints one summary line; exit status 0 means every check passed.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 64

struct conn {
	int fd;
	uint64_t sent, recvd;
	uint32_t seed;
	int done_writing;
};

static uint8_t pattern(uint32_t seed, uint64_t i)
{
	uint64_t x = (i + 1) * 0x9e3779b97f4a7c15ull ^ seed;
	x ^= x >> 29;
	return (uint8_t)(x * 0xbf58476d1ce4e5b9ull >> 56);
}

static int connect_port(const char *path, unsigned port, char *reply, size_t cap)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "vsock_client: connect %s: %s\n", path, strerror(errno));
		exit(1);
	}
	char line[32];
	int n = snprintf(line, sizeof(line), "CONNECT %u\n", port);
	if (write(fd, line, (size_t)n) != n) {
		fprintf(stderr, "vsock_client: write CONNECT: %s\n", strerror(errno));
		exit(1);
	}
	size_t got = 0;
	while (got + 1 < cap) {
		ssize_t r = read(fd, reply + got, 1);
		if (r <= 0)
			break;
		if (reply[got++] == '\n')
			break;
	}
	reply[got] = 0;
	return fd;
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	unsigned port = 1, nconns = 1;
	uint64_t bytes = 1 << 20, abort_after = 0;
	int expect_refused = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--port") && i + 1 < argc)
			port = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--conns") && i + 1 < argc)
			nconns = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--bytes") && i + 1 < argc)
			bytes = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--abort-after") && i + 1 < argc)
			abort_after = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--expect-refused"))
			expect_refused = 1;
		else if (!path)
			path = argv[i];
		else {
			fprintf(stderr, "usage: vsock_client SOCKET [--port P] [--conns N] "
			                "[--bytes B] [--abort-after B] [--expect-refused]\n");
			return 2;
		}
	}
	if (!path || nconns == 0 || nconns > MAX_CONNS)
		return 2;

	struct conn c[MAX_CONNS];
	char reply[64];
	for (unsigned i = 0; i < nconns; i++) {
		c[i] = (struct conn){.seed = 0x1234567u * (i + 1)};
		c[i].fd = connect_port(path, port, reply, sizeof(reply));
		if (expect_refused) {
			if (reply[0] == 0) {
				printf("refused as expected\n");
				return 0;
			}
			fprintf(stderr, "vsock_client: expected refusal, got \"%s\"\n", reply);
			return 1;
		}
		if (strncmp(reply, "OK ", 3)) {
			fprintf(stderr,
			        "vsock_client: connection %u: expected \"OK <port>\", got \"%s\"\n",
			        i, reply);
			return 1;
		}
	}

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	uint64_t limit = abort_after ? abort_after : bytes;
	unsigned open_conns = nconns;
	uint8_t buf[65536];
	while (open_conns) {
		struct pollfd pfd[MAX_CONNS];
		for (unsigned i = 0; i < nconns; i++) {
			pfd[i].fd = c[i].fd;
			pfd[i].events = 0;
			if (c[i].fd < 0)
				continue;
			if (c[i].sent < limit)
				pfd[i].events |= POLLOUT;
			if (!abort_after)
				pfd[i].events |= POLLIN;
		}
		int n = poll(pfd, nconns, 20000);
		if (n <= 0) {
			fprintf(stderr, "vsock_client: no progress for 20 s (stuck)\n");
			for (unsigned i = 0; i < nconns; i++)
				fprintf(stderr, "  conn %u: sent %llu received %llu\n", i,
				        (unsigned long long)c[i].sent,
				        (unsigned long long)c[i].recvd);
			return 1;
		}
		for (unsigned i = 0; i < nconns; i++) {
			struct conn *k = &c[i];
			if (k->fd < 0)
				continue;
			if (pfd[i].revents & POLLOUT) {
				uint64_t todo = limit - k->sent;
				size_t m = todo < sizeof(buf) ? (size_t)todo : sizeof(buf);
				for (size_t j = 0; j < m; j++)
					buf[j] = pattern(k->seed, k->sent + j);
				ssize_t w = write(k->fd, buf, m);
				if (w > 0)
					k->sent += (uint64_t)w;
				if (abort_after && k->sent >= abort_after) {
					close(k->fd);
					k->fd = -1;
					open_conns--;
					continue;
				}
				if (k->sent == bytes && !k->done_writing) {
					shutdown(k->fd, SHUT_WR);
					k->done_writing = 1;
				}
			}
			if (pfd[i].revents & (POLLIN | POLLHUP)) {
				ssize_t r = read(k->fd, buf, sizeof(buf));
				if (r <= 0) {
					if (k->recvd != bytes) {
						fprintf(stderr,
						        "vsock_client: conn %u closed after %llu "
						        "of %llu bytes\n",
						        i, (unsigned long long)k->recvd,
						        (unsigned long long)bytes);
						return 1;
					}
					close(k->fd);
					k->fd = -1;
					open_conns--;
					continue;
				}
				for (ssize_t j = 0; j < r; j++) {
					if (buf[j] != pattern(k->seed, k->recvd + (uint64_t)j)) {
						fprintf(
						    stderr,
						    "vsock_client: conn %u: byte %llu differs\n", i,
						    (unsigned long long)(k->recvd + (uint64_t)j));
						return 1;
					}
				}
				k->recvd += (uint64_t)r;
				if (k->recvd > bytes) {
					fprintf(stderr,
					        "vsock_client: conn %u: received more than sent\n",
					        i);
					return 1;
				}
			}
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (abort_after)
		printf("%u connection(s) closed after %llu bytes each\n", nconns,
		       (unsigned long long)abort_after);
	else
		printf("%u connection(s) x %llu bytes echoed intact in %.3f s\n", nconns,
		       (unsigned long long)bytes, s);
	return 0;
}
