package server

import (
	"fmt"
	"net"
	"os"

	"github.com/ordo-dev/ordo/internal/hostclaim"
)

// nodeResources are the host-wide things a node's agent touches: two
// agents on one machine must not share any of them (see hostclaim).
type nodeResources struct {
	dataDir, nodeName, bridge, podCIDR, serviceInterface string
}

// claims lists what to claim for a node, with the flags that choose
// others. The cgroup tree is named after the node ("ordo-<node>").
func (n nodeResources) claims() []hostclaim.Resource {
	dns := "cluster DNS " + net.JoinHostPort(firstHost(n.podCIDR), "53")
	return []hostclaim.Resource{
		{What: "data directory", Name: n.dataDir, Flag: "--data-dir"},
		{What: "node", Name: n.nodeName, Flag: "--node-name", Detail: "cgroups ordo-" + n.nodeName},
		{What: "bridge", Name: n.bridge, Flag: "--bridge"},
		{What: "pod CIDR", Name: n.podCIDR, Flag: "--pod-cidr", Detail: dns, CIDR: true},
		{What: "service interface", Name: n.serviceInterface, Flag: "--service-interface"},
	}
}

// claimServer claims what `ordo server` will touch before it touches
// anything: its data directory, and with a local agent the node's
// resources and the Service range its proxy puts on this host.
func claimServer(o Options, dir, nodeName string) (*hostclaim.Claims, error) {
	rs := []hostclaim.Resource{{What: "data directory", Name: dir, Flag: "--data-dir"}}
	if !o.NoAgent {
		node := nodeResources{dataDir: dir, nodeName: nodeName, bridge: o.Bridge, podCIDR: o.PodCIDR, serviceInterface: o.ServiceInterface}
		rs = append(node.claims(), hostclaim.Resource{What: "service CIDR", Name: o.ServiceCIDR, Flag: "--service-cidr", CIDR: true})
	}
	return hostclaim.Take(hostclaim.DefaultDir(), holder(dir), rs)
}

// claimAgent claims what `ordo agent` will touch.
func claimAgent(o AgentOptions, dir, nodeName string) (*hostclaim.Claims, error) {
	node := nodeResources{dataDir: dir, nodeName: nodeName, bridge: o.Bridge, podCIDR: o.PodCIDR, serviceInterface: o.ServiceInterface}
	return hostclaim.Take(hostclaim.DefaultDir(), holder(dir), node.claims())
}

func holder(dir string) string { return fmt.Sprintf("pid %d, data dir %s", os.Getpid(), dir) }

// firstHost is a range's first address, the pod network's gateway.
func firstHost(cidr string) string {
	_, n, err := net.ParseCIDR(cidr)
	if err != nil || n.IP.To4() == nil {
		return "?"
	}
	ip := n.IP.To4()
	return net.IPv4(ip[0], ip[1], ip[2], ip[3]+1).String()
}
