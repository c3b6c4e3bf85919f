package server

import (
	"github.com/ordo-dev/ordo/internal/hostclaim"
	"github.com/ordo-dev/ordo/internal/node"
)

// claimServer claims what `ordo server` will touch before it touches
// anything: its data directory (dir, as node.AbsDir gives it), and with a
// local agent the node's resources and the Service range its proxy puts on
// this host.
func claimServer(o Options, dir, nodeName string) (*hostclaim.Claims, error) {
	rs := []hostclaim.Resource{{What: "data directory", Name: dir, Flag: "--data-dir"}}
	if !o.NoAgent {
		rs = append(o.Node.Claims(dir, nodeName), hostclaim.Resource{What: "service CIDR", Name: o.ServiceCIDR, Flag: "--service-cidr", CIDR: true})
	}
	return node.TakeClaims(dir, rs)
}
