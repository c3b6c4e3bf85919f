package agent

import (
	"errors"
	"net"
	"path/filepath"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// fakeNetwork is a PodNetwork that hands out one address.
type fakeNetwork struct{ setUp, tornDown []string }

func (n *fakeNetwork) Setup(uid string, _ int) (net.IP, error) {
	n.setUp = append(n.setUp, uid)
	return net.ParseIP("10.42.0.7"), nil
}
func (n *fakeNetwork) Teardown(uid string) error   { n.tornDown = append(n.tornDown, uid); return nil }
func (n *fakeNetwork) Sweep(map[string]bool) error { return nil }

func TestSandboxConfigAndShimSocketLiveInThePodDir(t *testing.T) {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web", UID: "u1"}}
	s := &sandboxes{podDir: func(p *corev1.Pod) string { return filepath.Join("/data/pods", string(p.UID)) }}
	cfg := s.config(p)
	if cfg.ShimSocket != "/data/pods/u1/shim.sock" || !cfg.HostNetwork {
		t.Errorf("without pod networking: %+v", cfg)
	}
	s.network = &fakeNetwork{}
	if cfg := s.config(p); cfg.HostNetwork {
		t.Errorf("with pod networking the pod gets its own network namespace: %+v", cfg)
	}
}

func TestSandboxReconnectFindsTheAddressAgain(t *testing.T) {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web", UID: "u1"}}
	s := &sandboxes{}
	if ip, err := s.reconnect(p, nil); ip != "" || err != nil {
		t.Errorf("no pod networking: %q %v", ip, err)
	}
	n := &fakeNetwork{}
	s.network = n
	p.Spec.HostNetwork = true
	if ip, err := s.reconnect(p, nil); ip != "" || err != nil || len(n.setUp) != 0 {
		t.Errorf("host network: %q %v %v", ip, err, n.setUp)
	}
}

func TestSandboxErrorsSayWhatFailedAsTheKubeletDoes(t *testing.T) {
	err := error(&sandboxError{failedNetwork, errors.New("no address left")})
	if err.Error() != "Failed to set up the pod network: no address left" {
		t.Errorf("got %q", err)
	}
}
