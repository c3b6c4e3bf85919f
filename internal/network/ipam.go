package network

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// ipam leases pod addresses from a directory with one file per allocated
// IP, named after the IP and holding the pod UID. The directory is the only
// state: nothing is cached, so a restarted agent (or a second ipam on the
// same directory) sees every lease. The mutex orders allocations within this
// process; O_EXCL on the lease file is what makes a lease exclusive.
type ipam struct {
	dir    string
	subnet subnet

	mu   sync.Mutex
	next uint64 // offset to try first, so a freed IP is not reused at once
}

func newIPAM(dir string, s subnet) (*ipam, error) {
	if dir == "" {
		return nil, errors.New("state directory is required")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return &ipam{dir: dir, subnet: s, next: s.firstPod()}, nil
}

// allocate returns the pod's existing lease or a new one; fresh says which,
// so a failed setup can give back only what it took.
func (a *ipam) allocate(uid string) (ip net.IP, fresh bool, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	leases, err := a.leases()
	if err != nil {
		return nil, false, err
	}
	for ip, owner := range leases {
		if owner == uid && a.subnet.contains(net.ParseIP(ip)) {
			return net.ParseIP(ip).To4(), false, nil
		}
	}
	ip, err = a.reserveFree(uid)
	return ip, err == nil, err
}

// reserveFree walks the pod range once, starting at the cursor, and takes
// the first address whose lease file it can create exclusively.
func (a *ipam) reserveFree(uid string) (net.IP, error) {
	first, last := a.subnet.firstPod(), a.subnet.lastPod()
	n := last - first + 1
	for i := uint64(0); i < n; i++ {
		off := first + (a.next-first+i)%n
		ip := a.subnet.ip(off)
		err := a.reserve(ip, uid)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		a.next = off + 1
		return ip, nil
	}
	return nil, fmt.Errorf("pod CIDR %s is exhausted", a.subnet)
}

// reserve creates ip's lease file; it fails with fs.ErrExist if taken.
func (a *ipam) reserve(ip net.IP, uid string) error {
	path := filepath.Join(a.dir, ip.String())
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteString(uid)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("write lease %s: %w", path, err)
	}
	return nil
}

// release frees every lease held by uid (normally one). Freeing nothing is
// not an error.
func (a *ipam) release(uid string) error {
	return a.releaseIf(func(owner string) bool { return owner == uid })
}

// releaseIf frees every lease whose owner matches; Sweep uses it to drop
// leases of pods that are gone, including half-written ones with no owner.
func (a *ipam) releaseIf(match func(owner string) bool) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	leases, err := a.leases()
	if err != nil {
		return err
	}
	var errs []error
	for ip, owner := range leases {
		if !match(owner) {
			continue
		}
		err := os.Remove(filepath.Join(a.dir, ip))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// owners returns the set of pod UIDs holding a lease.
func (a *ipam) owners() (map[string]bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	leases, err := a.leases()
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(leases))
	for _, owner := range leases {
		out[owner] = true
	}
	return out, nil
}

// leases reads the directory: IP string → owner UID. Files whose name is
// not an IP are not leases and are left alone. Callers hold a.mu.
func (a *ipam) leases() (map[string]string, error) {
	entries, err := os.ReadDir(a.dir)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(entries))
	for _, e := range entries {
		if e.IsDir() || net.ParseIP(e.Name()) == nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join(a.dir, e.Name()))
		if errors.Is(err, fs.ErrNotExist) {
			continue // released by another process meanwhile
		}
		if err != nil {
			return nil, err
		}
		out[e.Name()] = strings.TrimSpace(string(b))
	}
	return out, nil
}
