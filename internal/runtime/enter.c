// A command in a running container: ordo internal-enter (ORDO_CMD_ENTER
// in ordo_proto.h), for kubectl exec, exec probes and hooks. It runs on
// the host's root, so the container's root needs nothing of the host's
// (an image root with a static busybox only is enough): it joins the
// namespaces and cgroups of the container's process, takes the container's
// credentials (ordo_apply_creds, as the container's own start does), forks
// into the PID namespace and execs the command, and passes its exit
// status back, as runc exec does.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ordo.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

// The namespaces entered, in nsenter's order; mnt last, since after it
// the host's /proc is gone. (A container has no cgroup namespace of its
// own; its user namespace is the host's.)
static const char *ordo_enter_ns[] = {"ipc", "uts", "net", "pid", "mnt"};
#define ORDO_ENTER_NNS (sizeof ordo_enter_ns / sizeof *ordo_enter_ns)

// ordo_enter_open opens /proc/PID/name, failing the exec if it cannot.
static int ordo_enter_open(const char *pid, const char *name, int flags) {
	char path[128];
	snprintf(path, sizeof path, "/proc/%s/%s", pid, name);
	int fd = open(path, flags | O_CLOEXEC);
	if (fd < 0) ordo_fail("enter the container: open %s: %s", path, strerror(errno));
	return fd;
}

// ordo_enter_cgroup_line finds the line of hierarchy id in a
// /proc/PID/cgroup file ("ID:CONTROLLERS:PATH"), copied to line.
static int ordo_enter_cgroup_line(const char *file, const char *id, char *line, size_t len) {
	FILE *f = fopen(file, "re");
	if (!f) return 0;
	size_t n = strlen(id);
	int found = 0;
	while (!found && fgets(line, (int)len, f))
		found = strncmp(line, id, n) == 0 && line[n] == ':';
	fclose(f);
	if (found) line[strcspn(line, "\n")] = 0;
	return found;
}

// ordo_enter_cgroups moves the process into the cgroups of process pid
// that differ from its own (the container run's, with its limits), on
// cgroup v2 or v1, as runc exec does. Best effort: a command exec'd in a
// container whose cgroups are gone still runs, as one did before ordo
// joined them.
static void ordo_enter_cgroups(const char *pid) {
	char file[64], theirs[4096], ours[4096], procs[4200], self[32];
	snprintf(file, sizeof file, "/proc/%s/cgroup", pid);
	snprintf(self, sizeof self, "%d", getpid());
	FILE *f = fopen(file, "re");
	if (!f) return;
	while (fgets(theirs, sizeof theirs, f)) {
		theirs[strcspn(theirs, "\n")] = 0;
		char *ctl = strchr(theirs, ':'), *path = ctl ? strchr(ctl + 1, ':') : NULL;
		if (!path) continue;
		*ctl++ = 0;
		*path++ = 0;
		if (ordo_enter_cgroup_line("/proc/self/cgroup", theirs, ours, sizeof ours)) {
			char *p = strchr(ours, ':');
			p = p ? strchr(p + 1, ':') : NULL;
			if (p && strcmp(p + 1, path) == 0) continue; // the same cgroup
		}
		if (*ctl == 0) snprintf(procs, sizeof procs, "/sys/fs/cgroup%s/cgroup.procs", path);
		else if (strncmp(ctl, "name=", 5) == 0) continue;
		else snprintf(procs, sizeof procs, "/sys/fs/cgroup/%s%s/cgroup.procs", ctl, path);
		int fd = open(procs, O_WRONLY | O_CLOEXEC);
		if (fd < 0) continue;
		(void)!write(fd, self, strlen(self));
		close(fd);
	}
	fclose(f);
}

// ordo_enter_child is the forked command, in the container's PID
// namespace: a terminal's session leader with it as its controlling
// terminal when stdin is one (so a shell can run job control, as with a
// runtime's exec -t), then the container's credentials, then the exec.
static void ordo_enter_child(struct ordo_spec *s, char **envp, pid_t parent) {
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (isatty(0)) {
		if (setsid() < 0 || ioctl(0, TIOCSCTTY, 0) != 0)
			ordo_fail("set the controlling terminal: %s%s", strerror(errno), "");
		// The terminal is its user's, as a runtime gives an exec's
		// console to the process's user, so a program that reopens it by
		// name ($(tty)) may. Best effort, while the process may chown.
		if (s->uid) (void)!fchown(0, (uid_t)atol(s->uid), (gid_t)-1);
	}
	ordo_apply_creds(s);
	// Re-armed after the change of user, which clears it: the command
	// dies with the ordo that waits for it (a probe's timeout kills that).
	// That parent is outside the container's PID namespace (getppid says
	// 0) unless the container has the host's; once it is gone, the
	// namespace's init is the parent.
	pid_t ppid;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ((ppid = getppid()) != 0 && ppid != parent)) _exit(137);
	char buf[4096];
	const char *path = ordo_exec_path(s->argv[0], buf, sizeof buf);
	ordo_no_new_privs(s);
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	execve(path, s->argv, envp);
	ordo_fail("exec %s: %s", s->argv[0], strerror(errno));
}

// ordo_enter_wait waits for the command, forwarding the signals a caller
// sends (kill, or a terminal's), and exits as it did: its code, or
// 128+signal, the code Kubernetes gives a command a signal ended.
static void ordo_enter_wait(pid_t child, const sigset_t *forward) {
	for (;;) {
		siginfo_t info;
		int sig = sigwaitinfo(forward, &info);
		if (sig < 0 && errno != EINTR) _exit(126);
		if (sig > 0 && sig != SIGCHLD) kill(child, sig);
		int status;
		pid_t pid = waitpid(child, &status, WNOHANG);
		if (pid == child && WIFEXITED(status)) _exit(WEXITSTATUS(status));
		if (pid == child && WIFSIGNALED(status)) _exit(128 + WTERMSIG(status));
	}
}

__attribute__((constructor)) static void ordo_enter(int argc, char **argv, char **envp) {
	if (argc < 2 || strcmp(argv[1], ORDO_CMD_ENTER) != 0) return;
	struct ordo_spec s;
	ordo_parse(argc, argv, &s);
	if (!s.enter_pid) ordo_fail("%s: %s is needed", ORDO_CMD_ENTER, ORDO_FLAG_PID);
	int ns[ORDO_ENTER_NNS];
	for (size_t i = 0; i < ORDO_ENTER_NNS; i++) {
		char name[16];
		snprintf(name, sizeof name, "ns/%s", ordo_enter_ns[i]);
		ns[i] = ordo_enter_open(s.enter_pid, name, O_RDONLY);
	}
	int root = ordo_enter_open(s.enter_pid, "root", O_RDONLY | O_DIRECTORY);
	int cwd = ordo_enter_open(s.enter_pid, "cwd", O_RDONLY | O_DIRECTORY);
	ordo_enter_cgroups(s.enter_pid);
	for (size_t i = 0; i < ORDO_ENTER_NNS; i++) {
		if (setns(ns[i], 0) != 0) ordo_fail("enter the container's %s namespace: %s", ordo_enter_ns[i], strerror(errno));
		close(ns[i]);
	}
	// The root and working directory of the container's process, as
	// nsenter's -r and -w take them.
	if (fchdir(root) != 0 || chroot(".") != 0) ordo_fail("enter the container's root: %s%s", strerror(errno), "");
	if (fchdir(cwd) != 0 && chdir("/") != 0) ordo_fail("enter the container's working directory: %s%s", strerror(errno), "");
	close(root);
	close(cwd);
	sigset_t forward;
	sigemptyset(&forward);
	int sigs[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
	for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) sigaddset(&forward, sigs[i]);
	sigprocmask(SIG_BLOCK, &forward, NULL);
	pid_t parent = getpid();
	pid_t child = fork();
	if (child < 0) ordo_fail("fork into the container: %s%s", strerror(errno), "");
	if (child == 0) ordo_enter_child(&s, envp, parent);
	ordo_enter_wait(child, &forward);
}
