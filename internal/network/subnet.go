package network

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
)

// subnet is the IPv4 pod range a node hands out. Offset 0 is the network
// address, offset 1 the gateway on the bridge, the last offset the broadcast
// address; pods get everything in between.
type subnet struct {
	prefix netip.Prefix
	base   uint32
	size   uint64
}

// parseSubnet accepts an IPv4 CIDR with room for a gateway and at least one
// pod (at most /30). Host bits are ignored: "10.42.0.7/16" means 10.42.0.0/16.
func parseSubnet(cidr string) (subnet, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return subnet{}, fmt.Errorf("pod CIDR: %w", err)
	}
	if !p.Addr().Is4() {
		return subnet{}, fmt.Errorf("pod CIDR %s: only IPv4 is supported", cidr)
	}
	if p.Bits() > 30 {
		return subnet{}, fmt.Errorf("pod CIDR %s: too small, need at least a /30", cidr)
	}
	p = p.Masked()
	a := p.Addr().As4()
	return subnet{prefix: p, base: binary.BigEndian.Uint32(a[:]), size: 1 << (32 - p.Bits())}, nil
}

// ip returns the address at offset off from the network address.
func (s subnet) ip(off uint64) net.IP {
	ip := make(net.IP, 4)
	binary.BigEndian.PutUint32(ip, s.base+uint32(off))
	return ip
}

// gateway is the first address, which the bridge holds.
func (s subnet) gateway() net.IP { return s.ip(1) }

// firstPod and lastPod bound the offsets pods may be given.
func (s subnet) firstPod() uint64 { return 2 }
func (s subnet) lastPod() uint64  { return s.size - 2 }

// ipNet is ip with the subnet's mask, as an interface address.
func (s subnet) ipNet(ip net.IP) *net.IPNet {
	return &net.IPNet{IP: ip, Mask: net.CIDRMask(s.prefix.Bits(), 32)}
}

// contains reports whether ip lies in the subnet.
func (s subnet) contains(ip net.IP) bool {
	a, ok := netip.AddrFromSlice(ip.To4())
	return ok && s.prefix.Contains(a)
}

func (s subnet) String() string { return s.prefix.String() }
