package probe

import (
	"fmt"
	"net"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// resolvePort turns a probe's port (a number, or the name of one of the
// container's ports) into a number. Like the kubelet, a name that matches no
// port is tried as a number written as a string.
func resolvePort(port intstr.IntOrString, c *corev1.Container) (int, error) {
	n := int(port.IntVal)
	if port.Type == intstr.String {
		var ok bool
		if n, ok = namedPort(port.StrVal, c); !ok {
			v, err := strconv.Atoi(port.StrVal)
			if err != nil {
				return 0, fmt.Errorf("couldn't find port %q in the container's ports", port.StrVal)
			}
			n = v
		}
	}
	if n <= 0 || n > 65535 {
		return 0, fmt.Errorf("invalid port number: %d", n)
	}
	return n, nil
}

// namedPort looks a port up by name among the container's ports.
func namedPort(name string, c *corev1.Container) (int, bool) {
	if c == nil {
		return 0, false
	}
	for _, p := range c.Ports {
		if p.Name == name {
			return int(p.ContainerPort), true
		}
	}
	return 0, false
}

// hostPort joins a probe's host (the pod IP when empty) and resolved port.
func hostPort(host string, port intstr.IntOrString, t Target) (string, error) {
	n, err := resolvePort(port, t.Container)
	if err != nil {
		return "", err
	}
	if host == "" {
		host = t.PodIP
	}
	if host == "" {
		return "", fmt.Errorf("no host to probe: the pod has no IP yet")
	}
	return net.JoinHostPort(host, strconv.Itoa(n)), nil
}
