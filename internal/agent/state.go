package agent

import (
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/ordo-dev/ordo/internal/agent/warm"
	"github.com/ordo-dev/ordo/internal/runtime"
)

// container is what the agent knows of one container of a pod.
type container struct {
	name     string
	proc     *runtime.Process // nil when not running
	started  time.Time        // when the current or last run started
	exited   bool             // has a last termination
	last     termination
	restarts int32
	runs     int       // how many times a process was started (or failed to start)
	crashes  int       // consecutive crashes, for back-off
	notUntil time.Time // back-off: do not start before
	// mountRetry is the wait after the last failed volume mount; it doubles
	// on each failure and is cleared once the volumes mount.
	mountRetry time.Duration
	cgroup     string          // this run's cgroup id, when limits are enforced
	cgroupDirs []string        // and its directories, one per hierarchy
	termLog    string          // this run's terminationMessagePath file on the host
	env        []string        // this run's environment, for exec
	stdin      *containerStdin // this run's stdin pipe (stdin: true), for attach
	// creds are who this run's process runs as, for exec.
	creds runtime.Credentials
	// imageID is this run's status imageID (see runMeta.ImageID).
	imageID string
	// pulling: the container waits for its image's pull, which wakes it.
	pulling bool
	ready   bool    // readiness (true when there is no readiness probe)
	probes  *probes // this run's probe workers
	// waiting is a reason to report while not running (for example
	// CreateContainerConfigError), with its message.
	waiting, waitingMsg string
}

// termination is how a run ended.
type termination struct {
	code              int32
	reason, message   string
	started, finished time.Time
}

// running reports whether the container has a live process.
func (c *container) running() bool { return c.proc != nil }

// pod is the agent's record of one pod it runs.
type pod struct {
	// mu guards every field of the record and of its containers. It is
	// taken before a.mu, never while holding it, so pods start in parallel.
	mu         sync.Mutex
	uid        string
	sandbox    *runtime.Sandbox
	containers map[string]*container
	startTime  time.Time
	// failedReason/Message make the pod Failed for good (DeadlineExceeded,
	// a failed init container with restartPolicy Never).
	failedReason, failedMessage string
	killSent                    bool      // SIGTERM sent for the current stop
	sidecarsKillSent            bool      // and to the sidecars, once the others were gone
	killAt                      time.Time // when SIGKILL follows
	restartPolicy               corev1.RestartPolicy
	initNames                   map[string]bool // the pod's init containers
	sidecarNames                map[string]bool // those with restartPolicy Always
	ephemeralNames              map[string]bool // ephemeral containers (never restarted)
	warnedNetwork               bool
	warnedFields                bool
	// lostToRestart: the status showed containers running when this agent
	// started, so the previous agent's exit killed them; the next sandbox
	// says so in an event (lostIP is the address the pod had).
	lostToRestart  bool
	lostIP         string
	ip             string            // the pod's own IP; empty on the host network
	volumes        map[string]string // volume name → host path, once prepared
	etcMounts      []runtime.Mount   // the pod's /etc/hosts, hostname, resolv.conf
	memoryReleased bool              // tmpfs volumes unmounted: the pod has finished
	// warm is a warm runner pod's slot loop (warmrunner.go).
	warm          *warm.Handle
	warmHold      *runtime.Hold // its container's hold (runtime.Hold)
	warmContainer string
	// reported is the status the agent last wrote, nil until it has. The
	// informer's copy can be older than that write (see statuswrite.go).
	reported *corev1.PodStatus
	// reportedVersion is the pod's resourceVersion after that write.
	reportedVersion string
	// latest is the status the last sync computed, written or still
	// waiting in the status queue: the previous status of the next one
	// (transition times), as the kubelet's status manager keeps its own.
	latest *corev1.PodStatus
	// writeMu serializes the pod's status writes (statusqueue.go); it is
	// taken before mu, never while holding it.
	writeMu sync.Mutex
}

func (p *pod) container(name string) *container {
	c, ok := p.containers[name]
	if !ok {
		c = &container{name: name}
		p.containers[name] = c
	}
	return c
}

// runningBesidesSidecars: a container other than a sidecar runs.
func (p *pod) runningBesidesSidecars() bool {
	for _, c := range p.containers {
		if c.running() && !p.sidecarNames[c.name] {
			return true
		}
	}
	return false
}

func (p *pod) anyRunning() bool {
	for _, c := range p.containers {
		if c.running() {
			return true
		}
	}
	return false
}

// policyFor is the restart policy of container name (restartPolicyOf).
func (p *pod) policyFor(name string) corev1.RestartPolicy {
	if p.ephemeralNames[name] {
		return corev1.RestartPolicyNever
	}
	if p.sidecarNames[name] {
		return corev1.RestartPolicyAlways
	}
	if p.initNames[name] {
		return initPolicy(p.restartPolicy)
	}
	return p.restartPolicy
}
