package agent

import (
	"fmt"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"

	"github.com/ordo-dev/ordo/internal/network/hostport"
	"github.com/ordo-dev/ordo/internal/runtime"
)

// sandboxes starts, adopts and stops pods' sandboxes: the shim and the
// namespaces it holds (namespaces.go), the pod's address on the bridge and
// its host ports, and the pod's /etc files (etcfiles.go). It knows nothing
// of containers or volumes: pod sync decides when a pod needs its sandbox
// (setup.go, apply.go, stop.go) and adoption hands it back (adopt.go).
type sandboxes struct {
	runtime *runtime.Runtime
	// network is nil on a node without pod networking: every pod then
	// shares the host's network.
	network PodNetwork
	// hostPorts is nil on a node that publishes no host ports.
	hostPorts  HostPortPublisher
	clusterDNS []string
	resolvConf string
	podDir     func(p *corev1.Pod) string
	log        func(format string, args ...interface{})
}

// sandboxError is a sandbox that could not be started: what failed, in the
// kubelet's FailedCreatePodSandBox wording, and why.
type sandboxError struct {
	// what is one of the failures below.
	what string
	err  error
}

const (
	failedSandbox   = "Failed to create pod sandbox"
	failedNetwork   = "Failed to set up the pod network"
	failedHostPorts = "Failed to publish host ports"
)

func (e *sandboxError) Error() string { return fmt.Sprintf("%s: %v", e.what, e.err) }

// start starts the pod's sandbox and, unless the pod uses the host network,
// gives its network namespace an IP and publishes its host ports. It
// returns the sandbox and the pod's IP ("" on the host network); an error
// is a *sandboxError, with nothing left behind.
func (s *sandboxes) start(p *corev1.Pod) (*runtime.Sandbox, string, error) {
	cfg := s.config(p)
	if err := os.MkdirAll(filepath.Dir(cfg.ShimSocket), 0o755); err != nil {
		return nil, "", &sandboxError{failedSandbox, err}
	}
	sb, err := s.runtime.StartSandbox(cfg)
	if err != nil {
		return nil, "", &sandboxError{failedSandbox, err}
	}
	if cfg.HostNetwork {
		return sb, "", nil
	}
	ip, err := s.network.Setup(string(p.UID), sb.PID())
	if err != nil {
		sb.Stop()
		return nil, "", &sandboxError{failedNetwork, err}
	}
	if err := s.publishHostPorts(p, ip.String()); err != nil {
		sb.Stop()
		s.teardownNetwork(string(p.UID))
		return nil, "", &sandboxError{failedHostPorts, err}
	}
	return sb, ip.String(), nil
}

// find connects to the shim an earlier agent left running for the pod, if
// it answers: its sandbox and the container runs it holds.
func (s *sandboxes) find(p *corev1.Pod) (*runtime.Sandbox, []runtime.Child, error) {
	return s.runtime.AdoptSandbox(s.config(p))
}

// reconnect finds an adopted sandbox's address again and republishes its
// host ports (a failure there is only logged: the pod runs on). It returns
// the pod's IP, "" on the host network.
func (s *sandboxes) reconnect(p *corev1.Pod, sb *runtime.Sandbox) (string, error) {
	if p.Spec.HostNetwork || s.network == nil {
		return "", nil
	}
	ip, err := s.network.Setup(string(p.UID), sb.PID())
	if err != nil {
		return "", err
	}
	if err := s.publishHostPorts(p, ip.String()); err != nil {
		s.log("pod %s/%s: host ports: %v", p.Namespace, p.Name, err)
	}
	return ip.String(), nil
}

// stop stops the pod's sandbox (and with it whatever still runs in it),
// closes its host ports and, if it had an address, frees it.
func (s *sandboxes) stop(uid string, sb *runtime.Sandbox, ip string) {
	sb.Stop()
	if s.hostPorts != nil {
		s.hostPorts.Unpublish(uid)
	}
	if ip != "" {
		s.teardownNetwork(uid)
	}
}

// sweepNetwork frees the veths and addresses of every pod but keep's (by
// UID): they belonged to sandboxes that are gone.
func (s *sandboxes) sweepNetwork(keep map[string]bool) {
	if s.network == nil {
		return
	}
	if err := s.network.Sweep(keep); err != nil {
		s.log("sweep pod network: %v", err)
	}
}

// config is the pod's sandbox, with its shim's socket in the pod's
// directory, where a restarted agent looks for it (adopt.go).
func (s *sandboxes) config(p *corev1.Pod) runtime.SandboxConfig {
	cfg := sandboxConfig(p, s.network != nil)
	cfg.ShimSocket = filepath.Join(s.podDir(p), shimSocketName)
	return cfg
}

// shimSocketName is the pod's shim's socket in the pod's directory.
const shimSocketName = "shim.sock"

func (s *sandboxes) teardownNetwork(uid string) {
	if s.network == nil {
		return
	}
	if err := s.network.Teardown(uid); err != nil {
		s.log("tear down network of pod %s: %v", uid, err)
	}
}

// publishHostPorts opens the pod's hostPorts towards its IP. A pod on the
// host network needs nothing: its container ports are the host's.
func (s *sandboxes) publishHostPorts(p *corev1.Pod, ip string) error {
	ports := hostport.Of(p)
	if len(ports) == 0 || s.hostPorts == nil {
		return nil
	}
	return s.hostPorts.Publish(string(p.UID), ip, ports)
}
