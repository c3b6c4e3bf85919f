package node

import (
	"fmt"
	"net"
	"os"

	"github.com/ordo-dev/ordo/internal/hostclaim"
)

// Claims lists the host-wide things a node touches, each with the flag
// that chooses another: two nodes on one machine must not share any of
// them (see hostclaim). dir is the node's data directory as AbsDir gives
// it, name its Node's name; the cgroup tree is named after the node
// ("ordo-<node>").
// Without --pod-cidr the range is the Node's, claimed once known (Run).
func (o Options) Claims(dir, name string) []hostclaim.Resource {
	rs := []hostclaim.Resource{
		{What: "data directory", Name: dir, Flag: "--data-dir"},
		{What: "node", Name: name, Flag: "--node-name", Detail: "cgroups ordo-" + name},
		{What: "bridge", Name: o.Bridge, Flag: "--bridge"},
		{What: "service interface", Name: o.ServiceInterface, Flag: "--service-interface"},
	}
	if o.PodCIDR != "" {
		rs = append(rs, podCIDRClaim(o.PodCIDR))
	}
	return rs
}

// podCIDRClaim is the claim on a node's pod range (and the cluster DNS
// address on its gateway).
func podCIDRClaim(cidr string) hostclaim.Resource {
	dns := "cluster DNS " + net.JoinHostPort(firstHost(cidr), "53")
	return hostclaim.Resource{What: "pod CIDR", Name: cidr, Flag: "--pod-cidr", Detail: dns, CIDR: true}
}

// TakeClaims claims rs for this process, which uses the data directory
// dir (as AbsDir gives it), before it touches any of them.
func TakeClaims(dir string, rs []hostclaim.Resource) (*hostclaim.Claims, error) {
	return hostclaim.Take(hostclaim.DefaultDir(), holder(dir), rs)
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
