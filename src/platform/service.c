/* SPDX-License-Identifier: Apache-2.0 */
/*
 * de_platform_service: boots the Enclave VM and serves the control socket.
 *
 * Start-up checks every input before touching KVM and refuses with one
 * sentence that says what is wrong and how to fix it. The service is ready
 * (systemd Type=notify) only when the trusted OS reports ready over vsock.
 * SIGTERM or "dectl stop" stops the EVM, zeroes its memory, cleans the
 * runtime directory and exits 0.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "service.h"
#include "config.h"
#include "control.h"
#include "cpus.h"
#include "evm.h"
#include "runtime.h"
#include "util/log.h"

double ms_since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) * 1e3 + (double)(now.tv_nsec - t0->tv_nsec) / 1e6;
}

static void poke(struct service *s)
{
	uint64_t one = 1;
	(void)!write(s->evfd, &one, sizeof(one));
}

/* ---- VMM callbacks (other threads) --------------------------------------- */

static void on_console(void *ctx, const char *buf, size_t len)
{
	struct service *s = ctx;
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];
		s->console[s->console_head++ % CONSOLE_RING] = c;
		if (c == '\n' || s->line_len == sizeof(s->line) - 1) {
			s->line[s->line_len] = 0;
			log_msg(LOG_LVL_INFO, "console: %s", s->line);
			s->line_len = 0;
		} else if (c != '\r') {
			s->line[s->line_len++] = c;
		}
	}
	pthread_mutex_unlock(&s->lock);
	poke(s);
}

static void on_ready(void *ctx)
{
	struct service *s = ctx;
	pthread_mutex_lock(&s->lock);
	s->ready = true;
	pthread_mutex_unlock(&s->lock);
	poke(s);
}

static void on_stopped(void *ctx, const char *reason)
{
	struct service *s = ctx;
	pthread_mutex_lock(&s->lock);
	if (!s->stopped) {
		s->stopped = true;
		snprintf(s->stop_reason, sizeof(s->stop_reason), "%s", reason);
	}
	pthread_mutex_unlock(&s->lock);
	poke(s);
}

/* ---- start-up checks ------------------------------------------------------ */

static int check_memory(uint64_t want_mib, char *err, size_t errlen)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	unsigned long long total = 0, avail = 0;
	if (!f) {
		snprintf(err, errlen, "cannot read /proc/meminfo: %s", strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "MemTotal: %llu kB", &total);
		sscanf(line, "MemAvailable: %llu kB", &avail);
	}
	fclose(f);
	unsigned long long avail_mib = avail / 1024, reserve = total / 1024 / 16;
	if (reserve < MEM_RESERVE_MIB)
		reserve = MEM_RESERVE_MIB;
	if (want_mib + reserve > avail_mib) {
		snprintf(
		    err, errlen,
		    "memory_mib = %llu is more than this host can give: %llu MiB available, less "
		    "a %llu MiB reserve for the host, leaves %llu MiB; lower memory_mib",
		    (unsigned long long)want_mib, avail_mib, reserve,
		    avail_mib > reserve ? avail_mib - reserve : 0);
		return -1;
	}
	return 0;
}

static int listen_unix(const char *path, gid_t gid, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path %s is too long; use a shorter runtime_dir",
		         path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 16) ||
	    chmod(path, 0660) || (geteuid() == 0 && chown(path, 0, gid))) {
		snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* ---- control clients ------------------------------------------------------- */

/* ---- main ------------------------------------------------------------------ */

static void usage(FILE *out)
{
	fputs("Usage: de_platform_service [--config FILE]\n"
	      "       de_platform_service --check [--config FILE]\n"
	      "\n"
	      "Boots the DE Enclave VM (EVM) on KVM and serves it until stopped.\n"
	      "\n"
	      "The EVM gets the vCPUs, memory and image named in the configuration file\n"
	      "(default " DE_DEFAULT_CONFIG "; see enclave.conf(5) in docs/configuration.md).\n"
	      "Each vCPU is pinned to its own host CPU; guest memory is locked and never\n"
	      "dumped. The service is ready when the trusted OS reports ready over vsock;\n"
	      "under systemd (Type=notify) it then signals READY=1.\n"
	      "\n"
	      "Options:\n"
	      "  -c, --config FILE  read FILE instead of " DE_DEFAULT_CONFIG "\n"
	      "      --check        check the configuration, CPUs, memory and image, then exit\n"
	      "  -h, --help         show this help\n"
	      "  -V, --version      show the version\n"
	      "\n"
	      "Files (in runtime_dir, default " DE_DEFAULT_RUNTIME_DIR "):\n"
	      "  control.sock  control socket used by dectl\n"
	      "  vsock.sock    hybrid vsock: connect, write \"CONNECT <port>\\n\", read \"OK "
	      "<n>\\n\"\n"
	      "  de_platform_service.pid  instance lock (one EVM per host)\n"
	      "\n"
	      "Environment:\n"
	      "  DE_RUNTIME_DIR  overrides runtime_dir\n"
	      "\n"
	      "Signals: SIGTERM or SIGINT stop the EVM, zero its memory and exit 0.\n"
	      "Exit status: 0 after a clean stop; 1 when start-up is refused or the EVM\n"
	      "fails to boot; 2 for a command-line error.\n",
	      out);
}

static int setup_loop(struct service *s, char *err, size_t errlen)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigdelset(&set, SIGPIPE);
	s->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	s->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	s->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (s->sigfd < 0 || s->epfd < 0 || s->evfd < 0 || s->timerfd < 0) {
		snprintf(err, errlen, "cannot set up the event loop: %s", strerror(errno));
		return -1;
	}
	struct itimerspec its = {.it_value.tv_sec = READY_TIMEOUT_S};
	timerfd_settime(s->timerfd, 0, &its, NULL);
	struct epoll_event e1 = {.events = EPOLLIN, .data.u64 = EP_SIGNAL};
	struct epoll_event e2 = {.events = EPOLLIN, .data.u64 = EP_EVENT};
	struct epoll_event e3 = {.events = EPOLLIN, .data.u64 = EP_TIMER};
	epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->sigfd, &e1);
	epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->evfd, &e2);
	epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->timerfd, &e3);
	return 0;
}

/* Handles VMM events; returns 1 to stop cleanly, -1 to fail, 0 to go on. */
/* The link to the manager is gone: fail what waits on it. */
static void mgr_down(struct service *s)
{
	if (!s->mgr_up)
		return;
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->mgr.fd, NULL);
	mgr_link_close(&s->mgr);
	s->mgr_up = false;
	relay_fail_all(s);
}

static void arm_timer(struct service *s, long ms)
{
	struct itimerspec its = {
	    .it_value = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000}};
	timerfd_settime(s->timerfd, 0, &its, NULL);
}

/* (Re)opens the link to the manager's control port; 0 on success. */
static int mgr_connect(struct service *s, char *err, size_t errlen)
{
	if (mgr_link_open(&s->mgr, s->evm, err, errlen))
		return -1;
	struct epoll_event m = {.events = mgr_link_events(&s->mgr), .data.u64 = EP_MGR};
	epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->mgr.fd, &m);
	s->mgr_up = true;
	return 0;
}

/*
 * The timer: before readiness it is the boot deadline; after, it retries
 * the manager link (it breaks only when the manager closed it on a framing
 * error; the enclaves live on in the EVM). Returns non-zero to stop.
 */
static int on_timer(struct service *s)
{
	uint64_t v;
	char err[256];
	(void)!read(s->timerfd, &v, sizeof(v));
	if (!s->ready_seen) {
		log_msg(LOG_LVL_ERR,
		        "the trusted OS did not report ready within %d s; set debug = true in the "
		        "config to see its console",
		        READY_TIMEOUT_S);
		return -1;
	}
	if (!evm_running(s->evm))
		return 0;
	if (s->mgr_up) {
		if (!s->reconciled) { /* the reconcile request was lost: again */
			relay_reconcile(s);
			arm_timer(s, 1000);
		}
		return 0;
	}
	if (mgr_connect(s, err, sizeof(err)) == 0) {
		/* Confirmed (and the backoff reset) when the manager answers this. */
		relay_reconcile(s);
		arm_timer(s, 1000); /* checks that the answer came */
		return 0;
	}
	s->relink_ms = s->relink_ms ? (s->relink_ms < 2500 ? s->relink_ms * 2 : 5000) : 100;
	log_msg(LOG_LVL_WARN, "cannot reach the EVM's control port (%s); retrying in %ld ms", err,
	        s->relink_ms);
	arm_timer(s, s->relink_ms);
	return 0;
}

static int on_event(struct service *s)
{
	uint64_t v;
	char err[512];
	(void)!read(s->evfd, &v, sizeof(v));

	pthread_mutex_lock(&s->lock);
	bool ready = s->ready && !s->ready_seen, stopped = s->stopped && !s->stop_reported;
	if (ready)
		s->ready_seen = true;
	if (stopped)
		s->stop_reported = true;
	pthread_mutex_unlock(&s->lock);

	if (ready) {
		s->boot_ms = ms_since(&s->start);
		struct itimerspec off = {0};
		timerfd_settime(s->timerfd, 0, &off, NULL);
		s->ctl_fd = listen_unix(s->rt.control_path, s->rt.gid, err, sizeof(err));
		if (s->ctl_fd < 0) {
			log_msg(LOG_LVL_ERR, "%s", err);
			return -1;
		}
		struct epoll_event e = {.events = EPOLLIN, .data.u64 = EP_CONTROL};
		epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->ctl_fd, &e);
		if (mgr_connect(s, err, sizeof(err))) {
			log_msg(LOG_LVL_ERR, "cannot reach the EVM's control port: %s", err);
			return -1;
		}
		log_msg(LOG_LVL_INFO,
		        "EVM ready in %.1f ms: %u vCPU(s), %llu MiB, control socket %s", s->boot_ms,
		        s->ecfg.nr_vcpus, (unsigned long long)s->cfg.memory_mib,
		        s->rt.control_path);
		sd_notifyf(0, "READY=1\nSTATUS=EVM running (%u vCPUs, %llu MiB)\nMAINPID=%ld",
		           s->ecfg.nr_vcpus, (unsigned long long)s->cfg.memory_mib, (long)getpid());
	}
	if (stopped) {
		if (!s->ready_seen) {
			log_msg(LOG_LVL_ERR, "the EVM stopped before it was ready: %s",
			        s->stop_reason);
			return -1;
		}
		mgr_down(s); /* nothing will answer: fail what waits */
		log_msg(LOG_LVL_ERR,
		        "the EVM has stopped; the service keeps reporting its state. Restart it "
		        "with: systemctl restart de_platform_service");
		sd_notifyf(0, "STATUS=EVM stopped: %s", s->stop_reason);
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (s->clients[i].fd >= 0 && s->clients[i].console)
			console_push(s, &s->clients[i]);
	return 0;
}

static int run(struct service *s)
{
	struct epoll_event evs[16];
	for (;;) {
		int n = epoll_wait(s->epfd, evs, 16, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_msg(LOG_LVL_ERR, "epoll_wait: %s", strerror(errno));
			return -1;
		}
		for (int i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;
			if (tag == EP_SIGNAL) {
				struct signalfd_siginfo si;
				if (read(s->sigfd, &si, sizeof(si)) == sizeof(si)) {
					log_msg(LOG_LVL_INFO, "%s received, stopping the EVM",
					        strsignal((int)si.ssi_signo));
					return 1;
				}
			} else if (tag == EP_EVENT) {
				int r = on_event(s);
				if (r)
					return r;
			} else if (tag == EP_TIMER) {
				if (on_timer(s))
					return -1;
			} else if (tag == EP_CONTROL) {
				client_accept(s);
			} else if (tag >= EP_CLIENT && tag < EP_CLIENT + MAX_CLIENTS) {
				struct client *c = &s->clients[tag - EP_CLIENT];
				if (c->fd >= 0 && client_io(s, c))
					return 1;
			} else if (tag == EP_MGR) {
				char err[256];
				if (mgr_link_io(&s->mgr, evs[i].events, relay_from_manager, s, err,
				                sizeof(err))) {
					log_msg(LOG_LVL_ERR, "EVM control link: %s", err);
					mgr_down(s);
					if (evm_running(s->evm))
						arm_timer(s, 100); /* connect again */
				} else {
					struct epoll_event ev = {.events = mgr_link_events(&s->mgr),
					                         .data.u64 = EP_MGR};
					epoll_ctl(s->epfd, EPOLL_CTL_MOD, s->mgr.fd, &ev);
				}
			}
		}
	}
}

int main(int argc, char **argv)
{
	static struct service svc;
	struct service *s = &svc;
	const char *config_path = NULL;
	bool check_only = false;
	char err[1024];
	int rc = 1;

	static const struct option opts[] = {
	    {"config", required_argument, 0, 'c'},
	    {"check", no_argument, 0, 'k'},
	    {"help", no_argument, 0, 'h'},
	    {"version", no_argument, 0, 'V'},
	    {0, 0, 0, 0},
	};
	int o;
	while ((o = getopt_long(argc, argv, "c:hV", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			config_path = optarg;
			break;
		case 'k':
			check_only = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("de_platform_service %s\n", DE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "de_platform_service: unexpected argument \"%s\"; see --help\n",
		        argv[optind]);
		return 2;
	}

	log_init("de_platform_service");
	clock_gettime(CLOCK_MONOTONIC, &s->start);
	pthread_mutex_init(&s->lock, NULL);
	s->epfd = s->sigfd = s->evfd = s->timerfd = s->ctl_fd = s->stop_fd = -1;
	s->mgr.fd = -1;
	s->rt.lock_fd = -1;
	for (int i = 0; i < MAX_CLIENTS; i++)
		s->clients[i].fd = -1;
	windows_init(s);

	config_defaults(&s->cfg);
	if (config_path) {
		if (config_load(config_path, &s->cfg, err, sizeof(err)))
			goto refuse;
	} else if (access(DE_DEFAULT_CONFIG, F_OK) == 0) {
		config_path = DE_DEFAULT_CONFIG;
		if (config_load(config_path, &s->cfg, err, sizeof(err)))
			goto refuse;
	} else {
		log_msg(LOG_LVL_INFO, "%s does not exist; using the defaults", DE_DEFAULT_CONFIG);
	}
	config_apply_env(&s->cfg);

	struct cpu_topology *topo = calloc(1, sizeof(*topo));
	const char *sysfs = getenv("DE_SYSFS_CPU_DIR");
	if (!topo ||
	    topology_read(sysfs ? sysfs : "/sys/devices/system/cpu", topo, err, sizeof(err)))
		goto refuse;
	rc = cpus_choose(topo, s->cfg.cpu_list_set ? s->cfg.cpu_list : NULL, s->cfg.cpu_count,
	                 s->ecfg.host_cpus, DE_MAX_VCPUS, &s->ecfg.nr_vcpus, err, sizeof(err));
	free(topo);
	rc = rc ? 1 : 0;
	if (rc || check_memory(s->cfg.memory_mib, err, sizeof(err))) {
		rc = 1;
		goto refuse;
	}
	if (check_only) {
		if (evm_image_check(s->cfg.image, s->cfg.memory_mib, err, sizeof(err)))
			goto refuse;
		printf("configuration OK: %u vCPU(s), %llu MiB, image %s\n", s->ecfg.nr_vcpus,
		       (unsigned long long)s->cfg.memory_mib, s->cfg.image);
		return 0;
	}
	if (runtime_open(&s->rt, s->cfg.runtime_dir, s->cfg.socket_group, err, sizeof(err)))
		goto refuse;

	s->ecfg.image_path = s->cfg.image;
	s->ecfg.memory_mib = s->cfg.memory_mib;
	s->ecfg.debug = s->cfg.debug;
	s->ecfg.vsock_path = s->rt.vsock_path;
	s->ecfg.socket_gid = geteuid() == 0 ? (int)s->rt.gid : -1;
	struct evm_callbacks cb = {
	    .ctx = s, .console = on_console, .ready = on_ready, .stopped = on_stopped};
	if (setup_loop(s, err, sizeof(err)) ||
	    evm_create(&s->ecfg, &cb, &s->evm, err, sizeof(err)) ||
	    evm_start(s->evm, err, sizeof(err))) {
		log_msg(LOG_LVL_ERR, "%s", err);
		rc = 1;
		goto out;
	}
	log_msg(LOG_LVL_INFO, "EVM booting: image %s, %u vCPU(s), %llu MiB%s", s->cfg.image,
	        s->ecfg.nr_vcpus, (unsigned long long)s->cfg.memory_mib,
	        s->cfg.debug ? ", debug console on" : "");

	int r = run(s);
	rc = r > 0 ? 0 : 1;
	sd_notify(0, "STOPPING=1");
out:
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (s->clients[i].fd >= 0)
			client_close(s, &s->clients[i]);
	if (s->ctl_fd >= 0)
		close(s->ctl_fd);
	if (s->mgr_up)
		mgr_link_close(&s->mgr);
	if (s->evm) {
		evm_destroy(s->evm); /* stops vCPUs, zeroes guest memory */
		s->evm = NULL;
		log_msg(LOG_LVL_INFO, "EVM stopped, guest memory zeroed");
	}
	windows_cleanup(s);
	runtime_close(&s->rt);
	if (s->stop_fd >= 0)
		close(s->stop_fd); /* tells `dectl stop` that everything is done */
	return rc;
refuse:
	log_msg(LOG_LVL_ERR, "refusing to start: %s", err);
	return 1;
}
