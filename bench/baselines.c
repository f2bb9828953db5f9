/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Baselines measured in the same run, to read the call path's numbers
 * against: a plain function call, a request/response between two host
 * processes over a Unix socket, and a round trip that exits the VM (the
 * EVM's vsock echo service, guest port 1, through the service's hybrid
 * vsock socket: docs/vsock.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "clock.h"
#include "machine.h"
#include "report.h"
#include "stats.h"
#include "svc.h"

#define MSG_LEN 64 /* bytes each way, about an ECALL's marshalling struct */

static volatile int sink; /* keeps the calls' result alive */

__attribute__((noinline)) int bench_empty_function(int x);
__attribute__((noinline)) int bench_empty_function(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 1;
}

static void func_call(const struct bench_opts *o)
{
	uint64_t n = BENCH_N(o, 100000000ull, 1000000ull);
	int x = 0;
	for (int i = 0; i < 100000; i++)
		x = bench_empty_function(x);
	uint64_t t0 = clk_start();
	for (uint64_t i = 0; i < n; i++)
		x = bench_empty_function(x);
	uint64_t t1 = clk_stop();
	sink = x;
	report_set("baseline_func_call_us", clk_us(t1 - t0) / (double)n);
	report_note("baseline_func_call_us",
	            "a direct call of an empty noinline function, %llu calls "
	            "timed together",
	            (unsigned long long)n);
}

/* One request and its answer: write MSG_LEN bytes, read MSG_LEN back.
 * Cycles taken (timing cost subtracted), or UINT64_MAX on failure. */
static uint64_t round_trip(int fd)
{
	char msg[MSG_LEN] = "request", back[MSG_LEN];
	uint64_t t0 = clk_start();
	if (svc_write_full(fd, msg, sizeof(msg)) || svc_read_full(fd, back, sizeof(back)))
		return UINT64_MAX;
	uint64_t d = clk_stop() - t0;
	return d > clk_overhead() ? d - clk_overhead() : 0;
}

/* The echo peer: reads MSG_LEN bytes, writes them back, until EOF. */
static void uds_peer(int fd)
{
	char buf[MSG_LEN];
	while (!svc_read_full(fd, buf, sizeof(buf)))
		if (svc_write_full(fd, buf, sizeof(buf)))
			break;
	_exit(0);
}

/* Round trips to an echo peer process on peer_cpu (this thread on
 * my_cpu); the p50 and p99 in microseconds, or -1. */
static double uds_rtt(const struct bench_opts *o, int my_cpu, int peer_cpu, double *p99)
{
	size_t warm = BENCH_N(o, 2000, 100), n = BENCH_N(o, 50000, 1000);
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		bench_say("socketpair: %s", strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		bench_say("fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		machine_pin_cpu(peer_cpu);
		uds_peer(sv[1]);
	}
	close(sv[1]);
	machine_pin_cpu(my_cpu);
	uint64_t *v = malloc(n * sizeof(*v));
	int rc = v ? 0 : -1;
	svc_timeout(sv[0], 5000);
	for (size_t i = 0; !rc && i < warm + n; i++) {
		uint64_t d = round_trip(sv[0]);
		rc = d == UINT64_MAX ? -1 : 0;
		if (i >= warm)
			v[i - warm] = d;
	}
	close(sv[0]);
	waitpid(pid, NULL, 0);
	machine_repin();
	double p50 = -1;
	if (!rc) {
		p50 = clk_us(stats_pct(v, n, 50));
		*p99 = clk_us(stats_pct(v, n, 99));
	} else {
		bench_say("the Unix socket round trips failed");
	}
	free(v);
	return p50;
}

static int uds_baselines(const struct bench_opts *o)
{
	int me = machine_first_cpu(), other = machine_other_cpu(me);
	double p99 = 0, p50 = uds_rtt(o, me, me, &p99);
	if (p50 < 0)
		return -1;
	report_set("baseline_uds_rtt_p50_us", p50);
	report_note("baseline_uds_rtt_p50_us",
	            "%d bytes each way between two processes over a socketpair, both on CPU %d "
	            "(blocking read/write), %zu round trips",
	            MSG_LEN, me, (size_t)BENCH_N(o, 50000, 1000));
	report_detail("baseline_uds_rtt_p99_us", p99, "us",
	              "baseline: Unix socket round trip, p99");
	if (other >= 0) {
		char label[96];
		p50 = uds_rtt(o, me, other, &p99);
		snprintf(label, sizeof(label),
		         "baseline: Unix socket round trip, peer on CPU %d, p50", other);
		if (p50 >= 0)
			report_detail("baseline_uds_rtt_cross_cpu_p50_us", p50, "us", label);
	}
	return 0;
}

int bench_baselines_local(const struct bench_opts *o)
{
	bench_say("baselines: function call, Unix socket");
	func_call(o);
	return uds_baselines(o);
}

/* Opens a connection to the EVM's echo port; the descriptor or -1. */
static int vsock_echo_open(const struct bench_opts *o)
{
	char path[4200], line[64];
	snprintf(path, sizeof(path), "%s/vsock.sock", o->runtime_dir);
	int fd = svc_connect(path);
	if (fd < 0) {
		bench_say("cannot connect to %s: %s", path, strerror(-fd));
		return -1;
	}
	static const char hello[] = "CONNECT 1\n";
	svc_timeout(fd, 5000);
	if (svc_write_full(fd, hello, sizeof(hello) - 1))
		goto fail;
	size_t n = 0;
	while (n + 1 < sizeof(line)) { /* the "OK <port>\n" line */
		if (svc_read_full(fd, line + n, 1))
			goto fail;
		if (line[n++] == '\n')
			break;
	}
	line[n] = 0;
	if (strncmp(line, "OK ", 3)) {
		bench_say("the EVM's echo port refused the connection: %s",
		          n ? line : "(no answer)");
		close(fd);
		return -1;
	}
	return fd;
fail:
	bench_say("no answer from the EVM's echo port on %s", path);
	close(fd);
	return -1;
}

int bench_baseline_vsock(const struct bench_opts *o)
{
	size_t warm = BENCH_N(o, 100, 10), n = BENCH_N(o, 2000, 100);
	bench_say("baseline: vsock echo round trips");
	int fd = vsock_echo_open(o);
	if (fd < 0) {
		report_note("baseline_exit_rtt_p50_us",
		            "not measured: no echo connection to the EVM");
		return -1;
	}
	uint64_t *v = malloc(n * sizeof(*v));
	int rc = v ? 0 : -1;
	svc_timeout(fd, 5000);
	for (size_t i = 0; !rc && i < warm + n; i++) {
		uint64_t d = round_trip(fd);
		rc = d == UINT64_MAX ? -1 : 0;
		if (i >= warm)
			v[i - warm] = d;
	}
	shutdown(fd, SHUT_WR);
	close(fd);
	if (rc) {
		bench_say("the vsock echo round trips failed");
		free(v);
		return -1;
	}
	report_set("baseline_exit_rtt_p50_us", clk_us(stats_pct(v, n, 50)));
	report_note("baseline_exit_rtt_p50_us",
	            "%d bytes each way to the EVM's echo port through vsock.sock, %zu round trips",
	            MSG_LEN, n);
	report_detail("baseline_exit_rtt_p99_us", clk_us(stats_pct(v, n, 99)), "us",
	              "baseline: vsock echo round trip, p99");
	free(v);
	return 0;
}
