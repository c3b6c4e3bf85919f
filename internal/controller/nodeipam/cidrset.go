package nodeipam

import (
	"errors"
	"fmt"
	"net/netip"
)

// errFull is returned when every block of the cluster range is in use.
var errFull = errors.New("no free pod CIDR blocks left in the cluster CIDR")

// cidrSet hands out the blocks of a cluster range. Like Kubernetes'
// cidrset it searches from just after the last block it handed out, so a
// block freed by a deleted Node is reused last (the other nodes' routes to
// it have time to go).
type cidrSet struct {
	cluster  netip.Prefix
	maskSize int
	used     []bool
	next     int
}

// newCIDRSet splits an IPv4 cluster range into blocks of maskSize bits.
func newCIDRSet(cluster string, maskSize int) (*cidrSet, error) {
	p, err := netip.ParsePrefix(cluster)
	if err != nil {
		return nil, fmt.Errorf("--cluster-cidr: invalid CIDR %q: %w", cluster, err)
	}
	if !p.Addr().Is4() {
		return nil, fmt.Errorf("--cluster-cidr: %s: only IPv4 is supported", cluster)
	}
	if maskSize < p.Bits() || maskSize > 30 {
		return nil, fmt.Errorf("--node-cidr-mask-size: %d must be between the cluster CIDR's prefix length (%d) and 30", maskSize, p.Bits())
	}
	if maskSize-p.Bits() > 16 {
		return nil, fmt.Errorf("--node-cidr-mask-size: %d leaves more than 65536 node blocks in %s", maskSize, p)
	}
	return &cidrSet{cluster: p.Masked(), maskSize: maskSize, used: make([]bool, 1<<(maskSize-p.Bits()))}, nil
}

// block is the i-th block of the range.
func (s *cidrSet) block(i int) netip.Prefix {
	a := s.cluster.Addr().As4()
	base := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v := base + uint32(i)<<(32-s.maskSize)
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), s.maskSize)
}

// index is the block number of cidr, or false when cidr is not exactly
// one block of the range (another size, or outside it).
func (s *cidrSet) index(cidr string) (int, bool) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || p.Bits() != s.maskSize || !s.cluster.Contains(p.Addr()) || p.Masked() != p {
		return 0, false
	}
	a, c := p.Addr().As4(), s.cluster.Addr().As4()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	base := uint32(c[0])<<24 | uint32(c[1])<<16 | uint32(c[2])<<8 | uint32(c[3])
	return int((v - base) >> (32 - s.maskSize)), true
}

// allocate takes the next free block.
func (s *cidrSet) allocate() (netip.Prefix, error) {
	for k := 0; k < len(s.used); k++ {
		i := (s.next + k) % len(s.used)
		if !s.used[i] {
			s.used[i] = true
			s.next = (i + 1) % len(s.used)
			return s.block(i), nil
		}
	}
	return netip.Prefix{}, errFull
}

// occupy marks cidr used; false when it is not a block of the range (a
// Node given a range by hand outside it, which the set ignores).
func (s *cidrSet) occupy(cidr string) bool {
	i, ok := s.index(cidr)
	if ok {
		s.used[i] = true
	}
	return ok
}

// undo gives back the block allocate just returned (its Node could not be
// updated), so the next allocation is that block again.
func (s *cidrSet) undo(p netip.Prefix) {
	if i, ok := s.index(p.String()); ok {
		s.used[i] = false
		s.next = i
	}
}

// release frees cidr; one not in the range is ignored.
func (s *cidrSet) release(cidr string) {
	if i, ok := s.index(cidr); ok {
		s.used[i] = false
	}
}
