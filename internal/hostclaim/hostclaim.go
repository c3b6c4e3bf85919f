// Package hostclaim lets one ordo process at a time own each host-wide
// resource it is about to touch: a pod bridge, an address range, a service
// interface, a cgroup tree, a data directory.
//
// Two ordo servers started with the same defaults on one machine used to
// share the bridge ordo0, the range 10.42.0.0/16 with its DNS address
// 10.42.0.1:53, the service interface ordo-svc0 and the cgroups of the
// host's node name; the second swept the first's cgroups (killing its
// containers), rebuilt its service interface, and removed both on exit.
// Now each process claims its resources before touching any of them, and a
// resource another live ordo holds is refused with an error that names it
// and the flag that chooses another.
//
// A claim is an flock(2) on a file in the claims directory (/run/ordo/claims
// for root): the kernel drops it when its process exits, kill -9 included,
// so a crashed ordo never blocks the next start, and "held" always means
// "held by a live process" (or, for a moment, by a child it was starting:
// see awaitOrphan). The file's text says who holds it, for the
// error. Address ranges conflict when they overlap, not only when equal,
// so ranges are compared against every live claim of the same group.
package hostclaim

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Resource is one thing to claim.
type Resource struct {
	// What names the resource in errors: "bridge", "pod CIDR".
	What string
	// Name is its value: "ordo0", "10.42.0.0/16".
	Name string
	// Flag chooses another value: "--bridge".
	Flag string
	// Detail, when set, is more about it for errors: "cluster DNS 10.42.0.1:53".
	Detail string
	// CIDR marks an address range: it conflicts with any live claimed
	// range it overlaps, whatever that range's What.
	CIDR bool
}

// Claims are the resources one process holds; Release gives them back.
type Claims struct {
	files []*os.File
}

// DefaultDir is where root's claims live; others use a per-user directory
// under the temporary directory.
func DefaultDir() string {
	if os.Geteuid() == 0 {
		return "/run/ordo/claims"
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("ordo-claims-%d", os.Geteuid()))
}

// Take claims every resource or none; its error names each one held. holder describes this process in
// other processes' errors ("pid 12, data dir /var/lib/ordo").
func Take(dir, holder string, rs []Resource) (*Claims, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("claims directory: %w", err)
	}
	// One claimer at a time, so two starting at once cannot both find a
	// range free.
	guard, err := lockFile(filepath.Join(dir, ".lock"), unix.LOCK_EX)
	if err != nil {
		return nil, err
	}
	defer guard.Close()
	sweepStale(dir)
	// Every resource is tried, so that one error names every conflict
	// (a second server with default flags shares them all).
	c := &Claims{}
	var errs []error
	for _, r := range rs {
		f, err := take(dir, holder, r)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		c.files = append(c.files, f)
	}
	if len(errs) > 0 {
		c.Release()
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// Release gives every claim back. Safe on nil and twice.
func (c *Claims) Release() {
	if c == nil {
		return
	}
	for _, f := range c.files {
		_ = os.Remove(f.Name())
		f.Close()
	}
	c.files = nil
}

func take(dir, holder string, r Resource) (*os.File, error) {
	if r.CIDR {
		if err := checkOverlaps(dir, r); err != nil {
			return nil, err
		}
	}
	path := filepath.Join(dir, fileName(r))
	f, err := lockFile(path, unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) && holderGone(readHolder(path)) {
		f, err = awaitOrphan(path)
	}
	if errors.Is(err, unix.EWOULDBLOCK) {
		return nil, inUse(r, r.Name, readHolder(path))
	}
	if err != nil {
		return nil, err
	}
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt([]byte(rangeHeader(r)+holder+"\n"), 0)
	}
	return f, err
}

// sweepStale removes the claim files of processes that died without
// releasing them (kill -9): nobody holds their lock. It runs under the
// guard, so no claim is being taken meanwhile.
func sweepStale(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.Name() == ".lock" || e.IsDir() {
			continue
		}
		path := filepath.Join(dir, e.Name())
		if f, err := lockFile(path, unix.LOCK_EX|unix.LOCK_NB); err == nil {
			_ = os.Remove(path)
			f.Close()
		}
	}
}

// checkOverlaps refuses r when a live claim elsewhere holds a range that
// overlaps it.
func checkOverlaps(dir string, r Resource) error {
	_, mine, err := net.ParseCIDR(r.Name)
	if err != nil {
		return fmt.Errorf("%s %q: %w", r.What, r.Name, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "range-") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		text, live := liveHolder(path)
		if live && holderGone(text) {
			if f, err := awaitOrphan(path); err == nil {
				f.Close() // released: the claim of a process that died
				continue
			}
		}
		if !live {
			continue
		}
		other, holder, _ := strings.Cut(text, "\n")
		_, theirs, err := net.ParseCIDR(other)
		if err == nil && (theirs.Contains(mine.IP) || mine.Contains(theirs.IP)) {
			return inUse(r, other, strings.TrimSpace(holder))
		}
	}
	return nil
}

// rangeHeader starts a range claim's text with the range, which overlap
// checks read back.
func rangeHeader(r Resource) string {
	if r.CIDR {
		return r.Name + "\n"
	}
	return ""
}

func fileName(r Resource) string {
	kind := strings.ReplaceAll(r.What, " ", "-")
	if r.CIDR {
		kind = "range"
	}
	return kind + "-" + strings.NewReplacer("/", "_", " ", "_").Replace(r.Name)
}

// liveHolder reads a claim file and says whether a live process holds it.
func liveHolder(path string) (string, bool) {
	f, err := lockFile(path, unix.LOCK_SH|unix.LOCK_NB)
	if err == nil {
		f.Close() // nobody holds it: the claim of a process that died
		return "", false
	}
	data, _ := os.ReadFile(path)
	return string(data), errors.Is(err, unix.EWOULDBLOCK)
}

func readHolder(path string) string {
	data, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	return lines[len(lines)-1]
}

// lockFile opens (creating) path and flocks it with how.
func lockFile(path string, how int) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		err = unix.Flock(int(f.Fd()), how)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// orphanWait bounds how long a claim whose holder is gone may stay locked
// before it counts as held (see awaitOrphan).
const orphanWait = 5 * time.Second

// awaitOrphan waits, up to orphanWait, for the lock on a claim whose
// holder is gone, and returns it locked. A claim can outlive its holder
// for a moment: the claim's descriptor is O_CLOEXEC, but a child the
// holder was starting (a pod shim, an exec) shares every descriptor
// from fork until it executes its program, and keeps the lock alive
// meanwhile; a holder killed with -9 in that window leaves the lock to
// that child for as long as it takes to reach exec (or die), which under
// heavy load is long enough for the holder's restart to find its data
// directory still claimed.
func awaitOrphan(path string) (*os.File, error) {
	deadline := time.Now().Add(orphanWait)
	for {
		f, err := lockFile(path, unix.LOCK_EX|unix.LOCK_NB)
		if !errors.Is(err, unix.EWOULDBLOCK) || time.Now().After(deadline) {
			return f, err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// holderPID finds the process a claim's text names ("pid 12, data dir
// /var/lib/ordo", as ordo's holders say).
var holderPID = regexp.MustCompile(`(?m)^pid (\d+)\b`)

// holderGone says whether the process a claim's text names has exited.
// Unknown (no pid named) counts as alive.
func holderGone(text string) bool {
	m := holderPID.FindStringSubmatch(text)
	if m == nil {
		return false
	}
	pid, err := strconv.Atoi(m[1])
	if err != nil || pid <= 0 {
		return false
	}
	return errors.Is(unix.Kill(pid, 0), unix.ESRCH)
}

// ErrInUse is wrapped by every error for a resource another ordo holds.
var ErrInUse = errors.New("is in use by another ordo")

func inUse(r Resource, theirs, holder string) error {
	what := fmt.Sprintf("%s %s", r.What, r.Name)
	if r.Detail != "" {
		what += " (" + r.Detail + ")"
	}
	if theirs != r.Name {
		what += " overlaps " + theirs + ", which"
	}
	if holder == "" {
		holder = "holder unknown"
	}
	return fmt.Errorf("%s %w (%s); choose another with %s", what, ErrInUse, holder, r.Flag)
}
