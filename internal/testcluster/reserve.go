package testcluster

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/ordo-dev/ordo/internal/hostclaim"
)

// A test server's port, pod range and Service range are reserved for the
// server's whole life, across its restarts, not only while its process
// runs: ordo's own claims end with the process, so a test that stops and
// restarts its server (kill -9, an upgrade, an agent sweep) could find
// them taken meanwhile by a server of a test running beside it, whose
// ranges derive from a port taken from the same small space, and its
// restart would fail with "is in use by another ordo". Reservations are
// hostclaim claims in a directory of their own, so they meet only other
// tests' reservations, never ordo's claims.

// reserveAttempts bounds how many ports newServer tries before giving up
// on finding one whose derived ranges are free.
const reserveAttempts = 20

func reservationsDir() string {
	return filepath.Join(filepath.Dir(hostclaim.DefaultDir()), "test-reservations")
}

// reserve claims port and the ranges for this test process. The error
// wraps hostclaim.ErrInUse when another test holds any of them.
func reserve(port int, podCIDR, serviceCIDR string) (*hostclaim.Claims, error) {
	holder := fmt.Sprintf("pid %d, a test server on port %d", os.Getpid(), port)
	return hostclaim.Take(reservationsDir(), holder, []hostclaim.Resource{
		{What: "port", Name: strconv.Itoa(port), Flag: "--listen"},
		{What: "pod CIDR", Name: podCIDR, Flag: "--pod-cidr", CIDR: true},
		{What: "service CIDR", Name: serviceCIDR, Flag: "--service-cidr", CIDR: true},
	})
}

// reserved reports whether err is only that another test holds a
// reservation, so that another port is worth a try.
func reserved(err error) bool { return errors.Is(err, hostclaim.ErrInUse) }
