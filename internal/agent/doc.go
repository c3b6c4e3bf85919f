// Package agent is ordo's node agent: it registers its Node, renews the
// node's heartbeat Lease, and runs the pods bound to it as processes (package
// runtime), reporting their status through the API like the kubelet does.
//
// Each pod is synced level-triggered from (pod object, what runs, now): plan
// decides, apply acts, and the status is written once at the end.
//
// A container start is split as the controllers are:
//
//	plan.go         which containers to start or stop (pure)
//	startplan.go    what a start needs: argv, env, mounts, user (pure)
//	transitions.go  the container record's changes: cannot start, run
//	                started, start failed, run exited, back-off (pure)
//	launch.go       the I/O around them: sandbox and volumes (setup.go),
//	                env sources, log pipes, cgroups, the runtime, probes,
//	                events
//	exit.go         a run's exit, recorded through runExited
//
// and the helpers live in files named for what they hold: setup.go and
// sandbox.go (the pod's sandbox, /etc files and volumes before its first
// container), stop.go, logfiles.go, cgroups.go, envsources.go. Volumes are
// package volume's (a volume.Manager). README.md maps the files onto the
// flow sync → sandbox → volumes → start plan → runtime.
//
// The container lifecycle, per container:
//
//	            start ok                 process exits
//	(none) ───────────────▶ Running ─────────────────────▶ Terminated
//	  │  ▲                    ▲                               │
//	  │  │ config error:      │ back-off over                 │ restart policy says
//	  │  │ retry              │                               │ restart (Always, or
//	  ▼  │                    │                               │ OnFailure and exit≠0)
//	Waiting                 Waiting  ◀────────────────────────┘
//	(ContainerCreating,     (CrashLoopBackOff: 10 s, doubling to 5 min,
//	 CreateContainerConfigError)   reset after 10 min of running)
//
// And per pod:
//
//	Pending ──▶ (init containers one by one, each to exit 0) ──▶ Running
//	Running ──▶ Succeeded  when every app container exited 0 and none restarts
//	Running ──▶ Failed     when all exited, one non-zero, and none restarts;
//	                       or activeDeadlineSeconds passed (reason DeadlineExceeded)
//	any ──deletionTimestamp──▶ SIGTERM to every container, SIGKILL at the
//	       deadline, then the pod object is removed (grace period 0)
//
// Stop and cleanup are idempotent: a pod whose processes are already gone is
// simply finalized. If the agent dies its pods live on, each in its shim;
// when it starts again it adopts them (adopt.go), and reports as
// terminated (exit 137) only the containers of pods it could not adopt.
package agent
