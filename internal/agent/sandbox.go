package agent

import (
	"context"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"

	"github.com/ordo-dev/ordo/internal/network/hostport"
	"github.com/ordo-dev/ordo/internal/runtime"
)

// prepareMounts prepares the pod's volumes (package volume) and /etc files
// once; each container's volumeMounts are then mapped onto them
// (volume.ContainerMounts, in planStart).
func (a *Agent) prepareMounts(ctx context.Context, p *corev1.Pod, st *pod) error {
	if st.volumes != nil {
		return nil
	}
	vols, err := a.volumes.Prepare(ctx, p)
	if err != nil {
		return err
	}
	etc, err := a.writeEtcFiles(p, a.podIP(p, st))
	if err != nil {
		return err
	}
	st.volumes, st.etcMounts = vols, etc
	return nil
}

// podIP is the pod's own IP, the node's on the host network, or "" while a
// pod with its own network has no sandbox yet.
func (a *Agent) podIP(p *corev1.Pod, st *pod) string {
	switch {
	case st.ip != "":
		return st.ip
	case p.Spec.HostNetwork || a.cfg.Network == nil:
		return a.cfg.NodeIP
	}
	return ""
}

// startSandbox starts the pod's sandbox and, unless the pod uses the host
// network, gives its network namespace an IP. A node without pod networking
// runs the pod on the host network and says so in a warning event.
func (a *Agent) startSandbox(p *corev1.Pod, st *pod) bool {
	cfg := a.sandboxConfigOf(p)
	hostNet := cfg.HostNetwork
	if err := os.MkdirAll(filepath.Dir(cfg.ShimSocket), 0o755); err != nil {
		a.event(p, corev1.EventTypeWarning, "FailedCreatePodSandBox", "Failed to create pod sandbox: %v", err)
		return false
	}
	sb, err := a.cfg.Runtime.StartSandbox(cfg)
	if err != nil {
		a.event(p, corev1.EventTypeWarning, "FailedCreatePodSandBox", "Failed to create pod sandbox: %v", err)
		return false
	}
	if !hostNet {
		ip, err := a.cfg.Network.Setup(string(p.UID), sb.PID())
		if err != nil {
			sb.Stop()
			a.event(p, corev1.EventTypeWarning, "FailedCreatePodSandBox", "Failed to set up the pod network: %v", err)
			return false
		}
		st.ip = ip.String()
		if err := a.publishHostPorts(p, st.ip); err != nil {
			sb.Stop()
			a.teardownNetwork(string(p.UID))
			st.ip = ""
			a.event(p, corev1.EventTypeWarning, "FailedCreatePodSandBox", "Failed to publish host ports: %v", err)
			return false
		}
	}
	st.sandbox = sb
	if !st.warnedFields {
		st.warnedFields = true
		a.warnUnsupported(p)
	}
	if a.cfg.Network == nil && !p.Spec.HostNetwork && !st.warnedNetwork {
		st.warnedNetwork = true
		a.event(p, corev1.EventTypeWarning, "HostNetworkFallback",
			"this node has no pod networking (not root, or the bridge could not be set up): the pod shares the host's network")
	}
	return true
}

// sandboxConfigOf is the pod's sandbox, with its shim's socket in the pod's
// directory, where a restarted agent looks for it (adopt.go).
func (a *Agent) sandboxConfigOf(p *corev1.Pod) runtime.SandboxConfig {
	cfg := sandboxConfig(p, a.cfg.Network != nil)
	cfg.ShimSocket = a.shimSocket(p)
	return cfg
}

func (a *Agent) shimSocket(p *corev1.Pod) string { return filepath.Join(a.podDir(p), shimSocketName) }

// shimSocketName is the pod's shim's socket in the pod's directory.
const shimSocketName = "shim.sock"

// stopSandbox stops the sandbox and frees the pod's address.
func (a *Agent) stopSandbox(st *pod) {
	if st.sandbox == nil {
		return
	}
	st.sandbox.Stop()
	st.sandbox = nil
	if a.cfg.HostPorts != nil {
		a.cfg.HostPorts.Unpublish(st.uid)
	}
	if st.ip != "" {
		a.teardownNetwork(st.uid)
	}
}

func (a *Agent) teardownNetwork(uid string) {
	if a.cfg.Network == nil {
		return
	}
	if err := a.cfg.Network.Teardown(uid); err != nil {
		a.log("tear down network of pod %s: %v", uid, err)
	}
}

// publishHostPorts opens the pod's hostPorts towards its IP. A pod on the
// host network needs nothing: its container ports are the host's.
func (a *Agent) publishHostPorts(p *corev1.Pod, ip string) error {
	ports := hostport.Of(p)
	if len(ports) == 0 || a.cfg.HostPorts == nil {
		return nil
	}
	return a.cfg.HostPorts.Publish(string(p.UID), ip, ports)
}
