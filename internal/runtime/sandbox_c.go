package runtime

/*
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	int sig;
	sigwait(&set, &sig);
	_exit(0);
}
*/
import "C"

// sandboxEnv is the variable that makes an ordo process a sandbox (see the
// C constructor above).
const sandboxEnv = "ORDO_SANDBOX_HOSTNAME"
