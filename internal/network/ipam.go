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
//
// A symlink by-uid/<pod UID> → <IP> indexes the leases by owner, so that
// finding or freeing a pod's lease reads one link instead of every lease
// file (with a thousand pods starting at once that scan was most of the
// agent's own CPU). The lease file stays the truth: a link is trusted only
// when the file it names holds its UID, and a lease whose link a crash
// never wrote is freed by Sweep's full scan.
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
	if err := os.MkdirAll(filepath.Join(dir, byUIDDir), 0o755); err != nil {
		return nil, err
	}
	return &ipam{dir: dir, subnet: s, next: s.firstPod()}, nil
}

// byUIDDir holds the owner index: one symlink per pod UID, naming its IP.
const byUIDDir = "by-uid"

// allocate returns the pod's existing lease or a new one; fresh says which,
// so a failed setup can give back only what it took.
func (a *ipam) allocate(uid string) (ip net.IP, fresh bool, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ip := a.leaseOf(uid); ip != nil && a.subnet.contains(ip) {
		return ip, false, nil
	}
	ip, err = a.reserveFree(uid)
	if err != nil {
		return nil, false, err
	}
	if err := a.link(uid, ip); err != nil {
		os.Remove(filepath.Join(a.dir, ip.String()))
		return nil, false, err
	}
	return ip, true, nil
}

// leaseOf follows uid's index link; it returns nil unless the lease file it
// names exists and holds uid.
func (a *ipam) leaseOf(uid string) net.IP {
	target, err := os.Readlink(a.linkPath(uid))
	if err != nil {
		return nil
	}
	ip := net.ParseIP(target).To4()
	if ip == nil {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(a.dir, ip.String()))
	if err != nil || strings.TrimSpace(string(b)) != uid {
		return nil
	}
	return ip
}

// link points uid's index entry at ip, replacing a stale one.
func (a *ipam) link(uid string, ip net.IP) error {
	path := a.linkPath(uid)
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Symlink(ip.String(), path); err != nil {
		return fmt.Errorf("index lease %s: %w", ip, err)
	}
	return nil
}

func (a *ipam) linkPath(uid string) string {
	return filepath.Join(a.dir, byUIDDir, filepath.Base(uid))
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

// release frees uid's lease, found through its index link. Freeing nothing
// is not an error; a lease without a link (a crash between the two writes)
// is Sweep's to free.
func (a *ipam) release(uid string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	var errs []error
	if ip := a.leaseOf(uid); ip != nil {
		errs = append(errs, removeIfExists(filepath.Join(a.dir, ip.String())))
	}
	errs = append(errs, removeIfExists(a.linkPath(uid)))
	return errors.Join(errs...)
}

// releaseIf frees every lease whose owner matches, with its index link,
// and drops links whose lease is gone; Sweep uses it to drop leases of pods
// that are gone, including half-written ones with no owner.
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
		errs = append(errs, removeIfExists(filepath.Join(a.dir, ip)))
		if owner != "" {
			errs = append(errs, removeIfExists(a.linkPath(owner)))
		}
	}
	errs = append(errs, a.dropDanglingLinks())
	return errors.Join(errs...)
}

// dropDanglingLinks removes index links whose lease file is gone or held by
// another pod. Callers hold a.mu.
func (a *ipam) dropDanglingLinks() error {
	entries, err := os.ReadDir(filepath.Join(a.dir, byUIDDir))
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		if a.leaseOf(e.Name()) == nil {
			errs = append(errs, removeIfExists(a.linkPath(e.Name())))
		}
	}
	return errors.Join(errs...)
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
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
