package agent

import (
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/ordo-dev/ordo/internal/agent/portforward"
	"k8s.io/apimachinery/pkg/types"
)

// portForwardHandler serves kubectl port-forward for a pod of this node, as
// the kubelet's /portForward/{namespace}/{pod} does: every forwarded
// connection reaches localhost in the pod's network namespace.
func (a *Agent) portForwardHandler(w http.ResponseWriter, r *http.Request) {
	ns, name := r.PathValue("namespace"), r.PathValue("pod")
	p, err := a.pods.Pods(ns).Get(name)
	if err != nil {
		http.Error(w, "pod does not exist", http.StatusNotFound)
		return
	}
	dial, release, err := a.podDialer(ns+"/"+name, p.UID)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	defer release()
	portforward.Serve(w, r, portforward.Config{
		Pod: name, UID: p.UID, Dial: dial,
		IdleTimeout: 4 * time.Hour, StreamCreationTimeout: 30 * time.Second,
	})
}

// podDialer reaches the pod's localhost: inside its network namespace, opened
// while the agent's lock guarantees the sandbox lives and held until release,
// so later dials cannot land elsewhere if the sandbox's PID is reused; or the
// host's, for a pod on the host network.
func (a *Agent) podDialer(key string, uid types.UID) (dial portforward.DialFunc, release func(), err error) {
	st := a.lockPod(key)
	if st != nil {
		defer st.mu.Unlock()
	}
	if st == nil || st.uid != string(uid) || st.sandbox == nil {
		return nil, nil, fmt.Errorf("unable to forward port because pod %s is not running on this node", key)
	}
	if st.ip == "" {
		return portforward.HostDialer, func() {}, nil
	}
	netns, err := os.Open(fmt.Sprintf("/proc/%d/ns/net", st.sandbox.PID()))
	if err != nil {
		return nil, nil, fmt.Errorf("pod %s: open its network namespace: %w", key, err)
	}
	return portforward.NetnsDialer(netns), func() { _ = netns.Close() }, nil
}
