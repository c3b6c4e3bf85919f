// A warm runner's hold (ORDO_FLAG_HOLD and ORDO_HOLD_* in ordo_proto.h),
// and ordo_drop_clean_pages, which long-lived waiting processes share.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ordo.h"

// ordo_drop_clean_pages gives back the process's resident pages of
// read-only file mappings that are still clean copies of the page cache
// (the ordo binary's code and constants, libc's): a long-lived process
// that only waits (a sandbox, a hold) needs a handful of them, which fault
// back in when used. A mapping with anonymous pages (RELRO data the
// loader relocated, then made read-only) or a writable one is left alone:
// dropping its pages would lose what was written. Without this, each such
// process keeps the ~1.4 MiB that exec and the container set-up touched.
void ordo_drop_clean_pages(void) {
	FILE *f = fopen("/proc/self/smaps", "re");
	if (f == NULL) return;
	char line[512];
	unsigned long lo = 0, hi = 0;
	int candidate = 0;
	while (fgets(line, sizeof line, f)) {
		unsigned long a, b;
		char perms[8];
		long kb;
		if (sscanf(line, "%lx-%lx %7s", &a, &b, perms) == 3) {

			lo = a;
			hi = b;
			candidate = perms[1] != 'w' && perms[3] == 'p' && strchr(line, '/') != NULL;
		} else if (candidate && sscanf(line, "Anonymous: %ld kB", &kb) == 1) {
			if (kb == 0) madvise((void *)lo, hi - lo, MADV_DONTNEED);
			candidate = 0;
		}
	}
	fclose(f);
}

// ordo_hold_send writes one message to the agent; a lost agent ends the
// hold (its container goes with it, as every container does).
static void ordo_hold_send(int fd, const char *msg) {
	if (send(fd, msg, strlen(msg), MSG_NOSIGNAL) < 0) _exit(0);
}

// ordo_hold_run forks one run of the command: in its own process group
// (so that a kill reaches what it forks), with the given stdout and
// stderr and ORDO_SCHEDULED_TIME set; it returns the pid, or -errno.
static int ordo_hold_run(const char *path, char **argv, char **envp, const char *slot, int out, int err) {
	int n = 0;
	while (envp[n]) n++;
	char **env = calloc((size_t)n + 2, sizeof *env);
	if (env == NULL) return -ENOMEM;
	int k = 0;
	for (int i = 0; i < n; i++)
		if (strncmp(envp[i], ORDO_ENV_SCHEDULED_TIME "=", sizeof ORDO_ENV_SCHEDULED_TIME) != 0) env[k++] = envp[i];
	char *when = malloc(strlen(slot) + sizeof ORDO_ENV_SCHEDULED_TIME + 1);
	if (when == NULL) { free(env); return -ENOMEM; }
	sprintf(when, ORDO_ENV_SCHEDULED_TIME "=%s", slot);
	env[k++] = when;
	env[k] = NULL;
	pid_t pid = fork();
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		setpgid(0, 0);
		dup2(out, 1);
		dup2(err, 2);
		for (int fd = 3; fd < 1024; fd++) close(fd);
		execve(path, argv, env);
		dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	free(when);
	free(env);
	return pid < 0 ? -errno : pid;
}

// ordo_hold_request handles one message from the agent (ORDO_HOLD_RUN,
// ORDO_HOLD_KILL).
static void ordo_hold_request(int fd, const char *path, char **argv, char **envp) {
	char buf[512];
	char ctl[CMSG_SPACE(2 * sizeof(int))];
	struct iovec iov = {buf, sizeof buf - 1};
	struct msghdr m = {0};
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = ctl;
	m.msg_controllen = sizeof ctl;
	ssize_t n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
	if (n <= 0) _exit(0); // the agent is gone
	buf[n] = 0;
	int fds[2] = {-1, -1};
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(2 * sizeof(int)))
			memcpy(fds, CMSG_DATA(c), sizeof fds);
	char reply[128], slot[128];
	long id, pid;
	if (sscanf(buf, ORDO_HOLD_RUN " %ld %127s", &id, slot) == 2 && fds[0] >= 0) {
		int r = ordo_hold_run(path, argv, envp, slot, fds[0], fds[1]);
		snprintf(reply, sizeof reply, r > 0 ? ORDO_HOLD_STARTED " %ld %d" : ORDO_HOLD_FAILED " %ld %d", id, r > 0 ? r : -r);
		ordo_hold_send(fd, reply);
	} else if (sscanf(buf, ORDO_HOLD_KILL " %ld", &pid) == 1 && pid > 1) {
		kill((pid_t)-pid, SIGKILL);
	}
	if (fds[0] >= 0) close(fds[0]);
	if (fds[1] >= 0) close(fds[1]);
}

// ordo_hold is a warm runner's hold process, in place of its command: it
// sits in the container (its namespaces, root, user, cgroups and
// environment), forks a run of the command whenever the agent asks on fd,
// and reports each run's start and exit (ORDO_HOLD_STARTED, _FAILED,
// _EXITED). As the container's PID 1 it also reaps orphans. SIGTERM ends
// it.
void ordo_hold(int fd, const char *path, char **argv, char **envp) {
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	int sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0) _exit(126);
	ordo_drop_clean_pages();
	for (;;) {
		struct pollfd p[2] = {{fd, POLLIN, 0}, {sfd, POLLIN, 0}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR) continue;
			_exit(126);
		}
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof si) == sizeof si && (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)) _exit(0);
			int status;
			pid_t pid;
			while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
				char msg[64];
				int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
				snprintf(msg, sizeof msg, ORDO_HOLD_EXITED " %d %d", pid, code);
				ordo_hold_send(fd, msg);
			}
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) ordo_hold_request(fd, path, argv, envp);
	}
}
