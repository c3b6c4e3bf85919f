// A pod's sandbox: ordo internal-sandbox (ORDO_CMD_SANDBOX in
// ordo_proto.h) holds the pod's namespaces.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ordo.h"

// ordo_sandbox_wait sleeps until SIGTERM or SIGINT, reaping children on
// SIGCHLD meanwhile. The sandbox has children of its own only as PID 1 of a
// pod-wide PID namespace (shareProcessNamespace), where the kernel hands it
// every orphan of the pod, as the pause container gets them; without the
// reaping they would stay zombies until the pod ends. As PID 1 it also
// ignores SIGTERM and SIGINT sent from inside the pod (a sender in the pod's
// namespace has a non-zero si_pid): the pod's processes live only as long as
// the sandbox, so one `kill 1` in a container must not end them all. The
// agent stops sandboxes with SIGKILL.
static void ordo_sandbox_wait(int exec) {
	if (exec) ordo_drop_clean_pages();
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	int init = getpid() == 1;
	for (;;) {
		while (waitpid(-1, NULL, WNOHANG) > 0) {
		}
		siginfo_t info;
		int sig = sigwaitinfo(&set, &info);
		if (sig == SIGCHLD || sig < 0 || (init && info.si_pid != 0)) {
			continue;
		}
		_exit(0);
	}
}

extern char **environ;

static void ordo_sandbox_fail(const char *what, const char *detail) {
	const char *reason = strerror(errno);
	(void)!write(3, what, strlen(what));
	(void)!write(3, detail, strlen(detail));
	(void)!write(3, ": ", 2);
	(void)!write(3, reason, strlen(reason));
	_exit(1);
}

// ordo_sandbox_sysctls writes the pod's sysctls, one variable
// ORDO_SANDBOX_SYSCTL_<n>=<path under /proc/sys>=<value> each. The sandbox
// is already in the pod's new network, IPC and UTS namespaces, and
// /proc/sys/net, kernel.shm* and the like are those of the writer's
// namespaces, so the host's values stay as they are. The agent has
// checked the names (namespaced, allowed) and that no path climbs out.
static void ordo_sandbox_sysctls(void) {
	static const char prefix[] = ORDO_ENV_SANDBOX_SYSCTL;
	for (char **e = environ; *e != NULL; e++) {
		if (strncmp(*e, prefix, sizeof prefix - 1) != 0) {
			continue;
		}
		char *spec = strchr(*e, '=');
		char *value = spec == NULL ? NULL : strchr(spec + 1, '=');
		if (value == NULL) {
			continue;
		}
		char path[512];
		int n = snprintf(path, sizeof path, "/proc/sys/%.*s", (int)(value - spec - 1), spec + 1);
		value++;
		if (n <= 0 || (size_t)n >= sizeof path) {
			errno = ENAMETOOLONG;
			ordo_sandbox_fail("set sysctl ", spec + 1);
		}
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, value, strlen(value)) < 0) {
			ordo_sandbox_fail("set sysctl ", path + strlen("/proc/sys/"));
		}
		close(fd);
	}
}

// ordo_sandbox_main makes the process the pod's sandbox, with hostname
// name: it sets the hostname in the sandbox's new UTS namespace and the
// pod's sysctls, reports on the status pipe (fd 3: an error message, or a
// clean close, made here since nothing execs), and sleeps until
// SIGTERM/SIGINT (or SIGKILL). The pod's shim calls it in the child it
// cloned (ordo_shim_child), so a sandbox costs a fork of the small shim,
// not an exec of the whole ordo binary; the constructor below still
// serves a shim of another build that execs it.
void ordo_sandbox_main(const char *name, int exec) {
	if (sethostname(name, strlen(name)) != 0) {
		ordo_sandbox_fail("set hostname", "");
	}
	ordo_sandbox_sysctls();
	close(3);
	ordo_sandbox_wait(exec);
}

// ordo_sandbox is `ordo internal-sandbox` exec'd (ORDO_SANDBOX_HOSTNAME
// set), as a shim of a different ordo binary starts it: the same sandbox,
// before the Go runtime starts. It needs the command as well as the
// variable: a container's or a shell's environment may carry
// ORDO_SANDBOX_HOSTNAME, and any other ordo command run with it (an
// exec'd container run, `ordo kubectl` as root) must not set the hostname
// and turn into a sandbox.
__attribute__((constructor)) static void ordo_sandbox(int argc, char **argv, char **envp) {
	(void)envp;
	if (argc < 2 || strcmp(argv[1], ORDO_CMD_SANDBOX) != 0) {
		return;
	}
	const char *name = getenv(ORDO_ENV_SANDBOX_HOSTNAME);
	if (name == NULL) {
		return;
	}
	ordo_sandbox_main(name, 1);
}
