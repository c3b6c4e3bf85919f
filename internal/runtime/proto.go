package runtime

// #include "ordo_proto.h"
import "C"

// The names of ordo_proto.h, the one description of the command lines,
// environment and messages of the processes ordo starts (see README.md):
// cgo turns each of its string and number macros into a Go constant here.
const (
	cmdExec    = C.ORDO_CMD_EXEC
	cmdSandbox = C.ORDO_CMD_SANDBOX
	cmdShim    = C.ORDO_CMD_SHIM
	cmdEnter   = C.ORDO_CMD_ENTER

	flagEnd          = C.ORDO_FLAG_END
	flagUID          = C.ORDO_FLAG_UID
	flagGID          = C.ORDO_FLAG_GID
	flagGroups       = C.ORDO_FLAG_GROUPS
	flagCaps         = C.ORDO_FLAG_CAPS
	flagNoNewPrivs   = C.ORDO_FLAG_NO_NEW_PRIVS
	flagPID          = C.ORDO_FLAG_PID
	flagSandboxPID   = C.ORDO_FLAG_SANDBOX_PID
	flagWorkdir      = C.ORDO_FLAG_WORKDIR
	flagReadOnlyRoot = C.ORDO_FLAG_READ_ONLY_ROOT
	flagHold         = C.ORDO_FLAG_HOLD
	flagHostIPC      = C.ORDO_FLAG_HOST_IPC
	flagHide         = C.ORDO_FLAG_HIDE
	flagLayer        = C.ORDO_FLAG_LAYER
	flagCgroup       = C.ORDO_FLAG_CGROUP
	flagCopy         = C.ORDO_FLAG_COPY
	flagMount        = C.ORDO_FLAG_MOUNT
	flagStdinFD      = C.ORDO_FLAG_STDIN_FD
	flagConsoleFD    = C.ORDO_FLAG_CONSOLE_FD
	mountRO          = C.ORDO_MOUNT_RO
	mountRW          = C.ORDO_MOUNT_RW

	envShim            = C.ORDO_ENV_SHIM
	envSandboxHostname = C.ORDO_ENV_SANDBOX_HOSTNAME
	envSandboxSysctl   = C.ORDO_ENV_SANDBOX_SYSCTL

	shimVersion  = C.ORDO_SHIM_VERSION
	shimMaxFDs   = C.ORDO_SHIM_MAXFDS
	shimSpawn    = C.ORDO_SHIM_SPAWN
	shimLogPipes = C.ORDO_SHIM_LOG_PIPES
	shimLogTTY   = C.ORDO_SHIM_LOG_TTY
	shimList     = C.ORDO_SHIM_LIST
	shimForget   = C.ORDO_SHIM_FORGET
	shimExit     = C.ORDO_SHIM_EXIT
	shimSpawned  = C.ORDO_SHIM_SPAWNED
	shimFailed   = C.ORDO_SHIM_FAILED
	shimExited   = C.ORDO_SHIM_EXITED
	shimConsole  = C.ORDO_SHIM_CONSOLE
	shimDrained  = C.ORDO_SHIM_DRAINED
	shimChild    = C.ORDO_SHIM_CHILD
	shimEnd      = C.ORDO_SHIM_END
	holdRun      = C.ORDO_HOLD_RUN
	holdKill     = C.ORDO_HOLD_KILL
	holdStarted  = C.ORDO_HOLD_STARTED
	holdFailed   = C.ORDO_HOLD_FAILED
	holdExited   = C.ORDO_HOLD_EXITED
)
