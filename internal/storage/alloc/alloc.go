// Package alloc hands out unique values from a range — Service cluster IPs
// and node ports — by creating one etcd key per value in a transaction that
// succeeds only if the key is absent. The key is the lock: two servers can
// never hand out the same value, and allocations survive restarts.
package alloc

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"net"
	"strconv"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// ErrAllocated means the value is already taken.
var ErrAllocated = errors.New("provided value is already allocated")

// ErrFull means no value in the range is free.
var ErrFull = errors.New("range is full")

// Range maps offsets 0..Size-1 to values and back.
type Range interface {
	Size() int
	Value(offset int) string
	Offset(value string) (int, bool)
}

// Allocator allocates the values of one Range under one etcd prefix.
type Allocator struct {
	kv     clientv3.KV
	prefix string
	r      Range
}

// New returns an allocator storing its keys under prefix.
func New(kv clientv3.KV, prefix string, r Range) *Allocator {
	return &Allocator{kv: kv, prefix: prefix, r: r}
}

// Contains reports whether value is in the range.
func (a *Allocator) Contains(value string) bool {
	_, ok := a.r.Offset(value)
	return ok
}

// Allocate reserves value for owner, or returns ErrAllocated.
func (a *Allocator) Allocate(ctx context.Context, value, owner string) error {
	if !a.Contains(value) {
		return fmt.Errorf("%s is not in the range", value)
	}
	key := a.prefix + value
	resp, err := a.kv.Txn(ctx).
		If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, owner)).
		Commit()
	if err != nil {
		return err
	}
	if !resp.Succeeded {
		return ErrAllocated
	}
	return nil
}

// AllocateNext reserves a free value, probing from a random offset so
// concurrent servers rarely collide.
func (a *Allocator) AllocateNext(ctx context.Context, owner string) (string, error) {
	n := a.r.Size()
	start := rand.IntN(n)
	for i := 0; i < n; i++ {
		v := a.r.Value((start + i) % n)
		err := a.Allocate(ctx, v, owner)
		if err == nil {
			return v, nil
		}
		if !errors.Is(err, ErrAllocated) {
			return "", err
		}
	}
	return "", ErrFull
}

// Release frees value; freeing a free value is not an error.
func (a *Allocator) Release(ctx context.Context, value string) error {
	_, err := a.kv.Delete(ctx, a.prefix+value)
	return err
}

// PortRange is the inclusive range [First, Last] of ports.
type PortRange struct{ First, Last int }

func (p PortRange) Size() int { return p.Last - p.First + 1 }

func (p PortRange) Value(offset int) string { return strconv.Itoa(p.First + offset) }

func (p PortRange) Offset(value string) (int, bool) {
	n, err := strconv.Atoi(value)
	if err != nil || n < p.First || n > p.Last {
		return 0, false
	}
	return n - p.First, true
}

// CIDRRange is the usable IPv4 addresses of a CIDR: without the network
// address, and without the first host, which Kubernetes keeps for the
// "kubernetes" Service.
type CIDRRange struct {
	base *big.Int
	size int
	net  *net.IPNet
}

// NewCIDRRange parses an IPv4 CIDR such as 10.43.0.0/16.
func NewCIDRRange(cidr string) (*CIDRRange, error) {
	_, n, err := net.ParseCIDR(cidr)
	if err != nil {
		return nil, err
	}
	if n.IP.To4() == nil {
		return nil, fmt.Errorf("%s: only IPv4 service ranges are supported", cidr)
	}
	ones, bits := n.Mask.Size()
	total := 1 << (bits - ones)
	if total < 8 {
		return nil, fmt.Errorf("%s is too small", cidr)
	}
	// Skip the network address and the reserved first host; drop broadcast.
	base := new(big.Int).Add(new(big.Int).SetBytes(n.IP.To4()), big.NewInt(2))
	return &CIDRRange{base: base, size: total - 3, net: n}, nil
}

// First is the address reserved for the "kubernetes" Service.
func (c *CIDRRange) First() string {
	return c.Value(-1)
}

func (c *CIDRRange) Size() int { return c.size }

func (c *CIDRRange) Value(offset int) string {
	v := new(big.Int).Add(c.base, big.NewInt(int64(offset)))
	b := v.Bytes()
	ip := make(net.IP, 4)
	copy(ip[4-len(b):], b)
	return ip.String()
}

func (c *CIDRRange) Offset(value string) (int, bool) {
	ip := net.ParseIP(value).To4()
	if ip == nil || !c.net.Contains(ip) {
		return 0, false
	}
	off := new(big.Int).Sub(new(big.Int).SetBytes(ip), c.base).Int64()
	if off < -1 || off >= int64(c.size) {
		return 0, false
	}
	return int(off), true
}
