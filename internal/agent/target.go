package agent

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/ordo-dev/ordo/internal/runtime"
)

// targetProcess is the running process of the container whose PID
// namespace the ephemeral container name joins (its targetContainerName,
// as kubectl debug --target sets it), or nil for a container that names
// none. A target that is not running is an error: the start is tried
// again later.
func targetProcess(p *corev1.Pod, st *pod, name string) (*runtime.Process, error) {
	for _, ec := range p.Spec.EphemeralContainers {
		if ec.Name != name || ec.TargetContainerName == "" {
			continue
		}
		c := st.containers[ec.TargetContainerName]
		if c == nil || !c.running() {
			return nil, fmt.Errorf("target container %q is not running", ec.TargetContainerName)
		}
		return c.proc, nil
	}
	return nil, nil
}
