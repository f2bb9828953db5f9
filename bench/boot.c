/* SPDX-License-Identifier: Apache-2.0 */
/*
 * EVM boot time and the VMM's memory: de_platform_service (from de_bench's
 * own directory, or --service) is started several times with a private
 * configuration and runtime directory, so it never meets the service being
 * measured; each time from fork() until STATUS on its control socket says
 * "running", then its resident memory beyond guest memory, then SIGTERM.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "clock.h"
#include "machine.h"
#include "report.h"
#include "stats.h"
#include "svc.h"

#define MAX_RUNS       16
#define READY_LIMIT_NS (20ull * 1000000000u)
#define POLL_NS        200000u /* 0.2 ms between STATUS attempts */
#define SMALL_MIB      64u

struct boot_run {
	char dir[64]; /* private directory: config, log, runtime dir */
	pid_t pid;
	double sock_ms;    /* fork() to vsock.sock existing: the VMM is set up */
	double ready_ms;   /* fork() to STATUS "running" */
	double service_ms; /* the service's own boot_ms */
	double rss_mib, anon_mib, file_mib, shmem_mib;
	double stop_ms;
};

static void sleep_ns(uint64_t ns)
{
	struct timespec d = {.tv_sec = (time_t)(ns / 1000000000u),
	                     .tv_nsec = (long)(ns % 1000000000u)};
	nanosleep(&d, NULL);
}

/* "VmRSS:  1234 kB" and the like from /proc/PID/status, in MiB; -1 if absent. */
static double proc_kb(pid_t pid, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	double v = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			v = strtod(line + klen + 1, NULL) / 1024.0;
			break;
		}
	fclose(f);
	return v;
}

/* The last lines of the service's log, for a failure message. */
static void show_log(const char *dir)
{
	char path[96], line[512];
	snprintf(path, sizeof(path), "%s/service.log", dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char tail[8][512];
	int n = 0;
	while (fgets(line, sizeof(line), f))
		snprintf(tail[n++ % 8], sizeof(tail[0]), "%s", line);
	fclose(f);
	for (int i = n > 8 ? n - 8 : 0; i < n; i++)
		fprintf(stderr, "  | %s", tail[i % 8]);
}

static int write_config(const struct boot_run *b, const char *image, unsigned mib, unsigned cpus)
{
	char path[96];
	snprintf(path, sizeof(path), "%.63s/enclave.conf", b->dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(
	    f,
	    "# de_bench: a private EVM for the boot-time measurement\n"
	    "image = %s\ncpu_count = %u\nmemory_mib = %u\ndebug = false\nruntime_dir = %s/run\n",
	    image, cpus, mib, b->dir);
	return fclose(f);
}

static pid_t spawn(const struct bench_opts *o, const struct boot_run *b)
{
	char conf[96], log[96];
	snprintf(conf, sizeof(conf), "%.63s/enclave.conf", b->dir);
	snprintf(log, sizeof(log), "%.63s/service.log", b->dir);
	pid_t pid = fork();
	if (pid)
		return pid;
	/* The private configuration decides: no runtime dir from the
	 * environment, no systemd, all CPUs. If de_bench dies, so does this
	 * EVM. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	unsetenv("DE_RUNTIME_DIR");
	unsetenv("NOTIFY_SOCKET");
	machine_unpin();
	int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	execl(o->service, o->service, "--config", conf, (char *)NULL);
	fprintf(stderr, "exec %s: %s\n", o->service, strerror(errno));
	_exit(127);
}

/* Waits until the service's STATUS says running; 0, or -1 (it exited or
 * took too long). */
static int wait_running(struct boot_run *b, uint64_t t0)
{
	char rundir[96], sock[112], why[256];
	snprintf(rundir, sizeof(rundir), "%.63s/run", b->dir);
	snprintf(sock, sizeof(sock), "%s/vsock.sock", rundir);
	b->sock_ms = -1;
	for (;;) {
		int status;
		if (b->sock_ms < 0 && access(sock, F_OK) == 0)
			b->sock_ms = (double)(mono_ns() - t0) / 1e6;
		json_t *j = svc_status(rundir, 2000, why, sizeof(why));
		if (j) {
			const char *state = json_string_value(json_object_get(j, "state"));
			json_t *bm = json_object_get(j, "boot_ms");
			int running = state && !strcmp(state, "running");
			b->service_ms = json_is_number(bm) ? json_number_value(bm) : -1;
			json_decref(j);
			if (running) {
				b->ready_ms = (double)(mono_ns() - t0) / 1e6;
				return 0;
			}
		}
		if (waitpid(b->pid, &status, WNOHANG) == b->pid) {
			b->pid = 0;
			bench_say("the private de_platform_service exited before it was ready:");
			show_log(b->dir);
			return -1;
		}
		if (mono_ns() - t0 > READY_LIMIT_NS) {
			bench_say("the private de_platform_service was not ready within 20 s:");
			show_log(b->dir);
			return -1;
		}
		sleep_ns(POLL_NS);
	}
}

static void stop(struct boot_run *b)
{
	if (b->pid <= 0)
		return;
	uint64_t t0 = mono_ns();
	kill(b->pid, SIGTERM);
	int status;
	while (waitpid(b->pid, &status, 0) < 0 && errno == EINTR)
		;
	b->stop_ms = (double)(mono_ns() - t0) / 1e6;
	b->pid = 0;
}

/* Removes the private directory (the service cleans its runtime
 * directory itself when it stops; what a failed start left goes too). */
static void cleanup(const struct boot_run *b)
{
	static const char *const files[] = {"enclave.conf", "service.log", "run/control.sock",
	                                    "run/vsock.sock", "run/de_platform_service.pid"};
	char path[128];
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%.63s/%s", b->dir, files[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%.63s/run", b->dir);
	rmdir(path);
	rmdir(b->dir);
}

static int one_boot(const struct bench_opts *o, struct boot_run *b, const char *image, unsigned mib,
                    unsigned cpus)
{
	snprintf(b->dir, sizeof(b->dir), "/tmp/de-bench.XXXXXX");
	if (!mkdtemp(b->dir)) {
		bench_say("mkdtemp: %s", strerror(errno));
		return -1;
	}
	if (write_config(b, image, mib, cpus)) {
		bench_say("cannot write %s/enclave.conf", b->dir);
		cleanup(b);
		return -1;
	}
	uint64_t t0 = mono_ns();
	b->pid = spawn(o, b);
	if (b->pid < 0) {
		bench_say("fork: %s", strerror(errno));
		cleanup(b);
		return -1;
	}
	int rc = wait_running(b, t0);
	if (!rc) {
		/* What the VMM holds once it is ready, guest memory included. */
		b->rss_mib = proc_kb(b->pid, "VmRSS");
		b->anon_mib = proc_kb(b->pid, "RssAnon");
		b->file_mib = proc_kb(b->pid, "RssFile");
		b->shmem_mib = proc_kb(b->pid, "RssShmem");
	}
	stop(b);
	cleanup(b);
	return rc;
}

/*
 * What the VMM does first with guest memory, done here alone: a memfd of
 * mib MiB mapped with MAP_POPULATE and locked (src/vmm/guest_mem.c), then
 * released. Milliseconds, or -1.
 */
static double populate_ms(unsigned mib)
{
	size_t bytes = (size_t)mib << 20;
	uint64_t t0 = mono_ns();
	int fd = memfd_create("de-bench-ram", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	void *p = MAP_FAILED;
	if (!ftruncate(fd, (off_t)bytes))
		p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	double ms = -1;
	if (p != MAP_FAILED) {
		if (!syscall(SYS_mlock, p, bytes))
			ms = (double)(mono_ns() - t0) / 1e6;
		munmap(p, bytes);
	}
	close(fd);
	return ms;
}

struct series {
	double ready, sock, service, stop, rss, anon, file, shmem; /* medians */
	double ready_first, ready_max;
};

/* runs boots of an EVM of mib MiB and cpus vCPUs, one after the other;
 * 0, or -1 if one failed. */
static int boot_series(const struct bench_opts *o, unsigned runs, unsigned mib, unsigned cpus,
                       struct series *s)
{
	struct boot_run b;
	double ready[MAX_RUNS], sock[MAX_RUNS], svc[MAX_RUNS], stop_ms[MAX_RUNS];
	double rss[MAX_RUNS], anon[MAX_RUNS], file[MAX_RUNS], shmem[MAX_RUNS];
	for (unsigned i = 0; i < runs; i++) {
		memset(&b, 0, sizeof(b));
		if (one_boot(o, &b, o->image, mib, cpus))
			return -1;
		ready[i] = b.ready_ms;
		sock[i] = b.sock_ms;
		svc[i] = b.service_ms;
		stop_ms[i] = b.stop_ms;
		rss[i] = b.rss_mib;
		anon[i] = b.anon_mib;
		file[i] = b.file_mib;
		shmem[i] = b.shmem_mib;
	}
	s->ready_first = ready[0];
	s->ready = stats_median_d(ready, runs);
	s->ready_max = stats_pct_d(ready, runs, 100);
	s->sock = stats_median_d(sock, runs);
	s->service = stats_median_d(svc, runs);
	s->stop = stats_median_d(stop_ms, runs);
	s->rss = stats_median_d(rss, runs);
	s->anon = stats_median_d(anon, runs);
	s->file = stats_median_d(file, runs);
	s->shmem = stats_median_d(shmem, runs);
	return 0;
}

int bench_boot(const struct bench_opts *o, unsigned live_mib, unsigned live_cpus)
{
	unsigned mib = o->boot_memory_mib ? o->boot_memory_mib : live_mib ? live_mib : 256;
	unsigned cpus = o->boot_cpus ? o->boot_cpus : live_cpus ? live_cpus : 1;
	unsigned runs = o->boot_runs < MAX_RUNS ? o->boot_runs : MAX_RUNS;
	const char *why = NULL;
	if (!strcmp(machine_kvm_kind(), "none"))
		why = "no /dev/kvm on this machine";
	else if (access(o->service, X_OK))
		why = "de_platform_service not found next to de_bench (pass --service)";
	else if (!o->image || access(o->image, R_OK))
		why = "no readable image.bin (pass --image)";
	if (why || !runs) {
		why = why ? why : "skipped (--boot-runs 0)";
		bench_say("EVM boot not measured: %s", why);
		report_note("evm_boot_ms", "not measured: %s", why);
		report_note("vmm_rss_mib", "not measured: %s", why);
		return runs ? -1 : 0;
	}
	bench_say("EVM boot: %u private service starts (%u MiB, %u vCPU%s)", runs, mib, cpus,
	          cpus == 1 ? "" : "s");

	struct series s;
	if (boot_series(o, runs, mib, cpus, &s)) {
		report_note("evm_boot_ms", "not measured: the private service did not start "
		                           "(de_bench's messages say why)");
		report_note("vmm_rss_mib", "not measured: the private service did not start");
		return -1;
	}
	report_set("evm_boot_ms", s.ready);
	report_note("evm_boot_ms",
	            "median of %u starts, one after the other, of a private service (%u MiB, %u "
	            "vCPU%s, debug off): fork() to STATUS \"running\" on its control socket; the "
	            "first start %.1f ms, the slowest %.1f ms",
	            runs, mib, cpus, cpus == 1 ? "" : "s", s.ready_first, s.ready_max);
	report_detail("evm_boot_memory_mib", mib, "MiB", "guest memory of the private EVM");
	report_detail("evm_boot_first_ms", s.ready_first, "ms", "EVM boot, the first start");
	report_detail("evm_boot_service_ms", s.service, "ms",
	              "EVM boot as the service reports it (boot_ms), median");
	report_detail("evm_boot_host_ms", s.sock, "ms",
	              "  fork() to vsock.sock: start-up checks, guest memory, image, vCPUs");
	report_detail("evm_boot_guest_ms", s.ready - s.sock, "ms",
	              "  vsock.sock to running: the trusted OS boots, readiness, control socket");
	double pop = populate_ms(mib);
	if (pop >= 0)
		report_detail("host_populate_ms", pop, "ms",
		              "  compare: memfd + MAP_POPULATE + mlock of that memory alone");
	report_detail("evm_stop_ms", s.stop, "ms", "SIGTERM to exit (memory zeroed), median");
	report_set("vmm_rss_mib", s.rss - mib);
	report_note("vmm_rss_mib",
	            "the private service once ready: VmRSS %.1f MiB less memory_mib %u", s.rss,
	            mib);
	report_detail("vmm_rss_total_mib", s.rss, "MiB",
	              "VMM VmRSS once ready (guest memory included)");
	report_detail("vmm_rss_anon_mib", s.anon, "MiB", "  of which RssAnon");
	report_detail("vmm_rss_file_mib", s.file, "MiB", "  of which RssFile (program, libraries)");
	report_detail("vmm_rss_shmem_mib", s.shmem, "MiB", "  of which RssShmem (guest memory)");

	/* How boot time depends on guest memory: a small EVM. */
	if (!o->quick && mib > SMALL_MIB) {
		struct series m;
		if (!boot_series(o, 3, SMALL_MIB, cpus, &m)) {
			report_detail("evm_boot_small_mib", SMALL_MIB, "MiB",
			              "a small EVM for comparison: guest memory");
			report_detail("evm_boot_small_ms", m.ready, "ms", "  boot, median of 3");
			report_detail("evm_boot_small_host_ms", m.sock, "ms",
			              "  of which host part");
			report_detail("evm_boot_small_guest_ms", m.ready - m.sock, "ms",
			              "  of which guest part");
			pop = populate_ms(SMALL_MIB);
			if (pop >= 0)
				report_detail(
				    "host_populate_small_ms", pop, "ms",
				    "  compare: memfd + MAP_POPULATE + mlock of it alone");
		}
	}
	return 0;
}
