package proxy

import (
	"fmt"
	"net"
	"strconv"
	"sync"

	corev1 "k8s.io/api/core/v1"

	"github.com/ordo-dev/ordo/internal/network/hostport"
)

// HostPorts publishes pods' hostPorts on the node: a listener on
// hostIP:hostPort (every address when hostIP is empty) per port, whose
// connections and datagrams go to podIP:containerPort, as the CNI portmap
// plugin's DNAT does, in userspace like the Service proxy (see the package
// doc for why).
type HostPorts struct {
	mu    sync.Mutex
	pods  map[string][]func() // pod UID → closers of its listeners
	conns *connSet
}

// NewHostPorts returns an empty publisher.
func NewHostPorts() *HostPorts {
	return &HostPorts{pods: map[string][]func(){}, conns: newConnSet()}
}

// Publish opens the pod's host ports towards podIP, replacing what the pod
// had. On an error nothing of the pod stays published.
func (h *HostPorts) Publish(podUID, podIP string, ports []hostport.Port) error {
	h.Unpublish(podUID)
	var closers []func()
	for _, p := range ports {
		closeFn, err := h.listen(p, podIP)
		if err != nil {
			for _, c := range closers {
				c()
			}
			return err
		}
		closers = append(closers, closeFn)
	}
	h.mu.Lock()
	h.pods[podUID] = closers
	h.mu.Unlock()
	return nil
}

func (h *HostPorts) listen(p hostport.Port, podIP string) (func(), error) {
	ip := p.HostIP
	if ip == "" {
		ip = "0.0.0.0"
	}
	addr := net.JoinHostPort(ip, strconv.Itoa(int(p.HostPort)))
	rr := &roundRobin{}
	rr.set([]string{net.JoinHostPort(podIP, strconv.Itoa(int(p.ContainerPort)))}, 0)
	switch p.Protocol {
	case corev1.ProtocolTCP:
		l, err := listenTCP(addr, rr, h.conns)
		if err != nil {
			return nil, fmt.Errorf("hostPort %s/TCP: %w", addr, err)
		}
		return l.close, nil
	case corev1.ProtocolUDP:
		l, err := listenUDP(addr, rr)
		if err != nil {
			return nil, fmt.Errorf("hostPort %s/UDP: %w", addr, err)
		}
		return l.close, nil
	}
	return nil, fmt.Errorf("hostPort %s: protocol %s is not supported", addr, p.Protocol)
}

// Unpublish closes the pod's listeners.
func (h *HostPorts) Unpublish(podUID string) {
	h.mu.Lock()
	closers := h.pods[podUID]
	delete(h.pods, podUID)
	h.mu.Unlock()
	for _, c := range closers {
		c()
	}
}
