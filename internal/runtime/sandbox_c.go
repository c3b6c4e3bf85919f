package runtime

/*
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

// ordo_sandbox_wait sleeps until SIGTERM or SIGINT, reaping children on
// SIGCHLD meanwhile. The sandbox has children of its own only as PID 1 of a
// pod-wide PID namespace (shareProcessNamespace), where the kernel hands it
// every orphan of the pod, as the pause container gets them; without the
// reaping they would stay zombies until the pod ends. As PID 1 it also
// ignores SIGTERM and SIGINT sent from inside the pod (a sender in the pod's
// namespace has a non-zero si_pid): the pod's processes live only as long as
// the sandbox, so one `kill 1` in a container must not end them all. The
// agent stops sandboxes with SIGKILL.
void ordo_drop_clean_pages(void); // hold_c.go

static void ordo_sandbox_wait(void) {
	ordo_drop_clean_pages();
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

// ordo_sandbox turns the process into a pod sandbox before the Go runtime
// starts, when the agent asked for one (ORDO_SANDBOX_HOSTNAME set): it sets
// the hostname in the sandbox's new UTS namespace, reports on the status
// pipe (fd 3: an error message, or a clean close), and sleeps until
// SIGTERM/SIGINT (or SIGKILL). Done in C, a sandbox costs a few hundred KB
// and about a millisecond instead of the whole ordo binary's initialisation
// (about 250 ms and 14 MB of private memory per pod).
__attribute__((constructor)) static void ordo_sandbox(void) {
	const char *name = getenv("ORDO_SANDBOX_HOSTNAME");
	if (name == NULL) {
		return;
	}
	if (sethostname(name, strlen(name)) != 0) {
		const char *prefix = "set hostname: ";
		const char *reason = strerror(errno);
		(void)!write(3, prefix, strlen(prefix));
		(void)!write(3, reason, strlen(reason));
		_exit(1);
	}
	close(3);
	ordo_sandbox_wait();
}
*/
import "C"

// sandboxEnv is the variable that makes an ordo process a sandbox (see the
// C constructor above).
const sandboxEnv = "ORDO_SANDBOX_HOSTNAME"
