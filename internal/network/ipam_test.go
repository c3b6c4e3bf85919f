package network

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// These tests need no privileges: the allocator is files in a temp dir.

func newTestIPAM(t *testing.T, cidr string) *ipam {
	t.Helper()
	s, err := parseSubnet(cidr)
	if err != nil {
		t.Fatal(err)
	}
	a, err := newIPAM(t.TempDir(), s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestParseSubnet(t *testing.T) {
	for _, tc := range []struct {
		cidr, gateway, first, last string
		bad                        bool
	}{
		{cidr: "10.42.0.0/16", gateway: "10.42.0.1", first: "10.42.0.2", last: "10.42.255.254"},
		{cidr: "10.42.7.9/24", gateway: "10.42.7.1", first: "10.42.7.2", last: "10.42.7.254"},
		{cidr: "192.168.5.0/30", gateway: "192.168.5.1", first: "192.168.5.2", last: "192.168.5.2"},
		{cidr: "10.0.0.0/31", bad: true},
		{cidr: "fd00::/64", bad: true},
		{cidr: "10.42.0.0", bad: true},
	} {
		s, err := parseSubnet(tc.cidr)
		if tc.bad {
			if err == nil {
				t.Errorf("%s: accepted", tc.cidr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.cidr, err)
			continue
		}
		got := []string{s.gateway().String(), s.ip(s.firstPod()).String(), s.ip(s.lastPod()).String()}
		want := []string{tc.gateway, tc.first, tc.last}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: gateway, first, last = %v, want %v", tc.cidr, got, want)
		}
	}
}

func TestAllocateIsIdempotentAndDistinct(t *testing.T) {
	a := newTestIPAM(t, "10.42.0.0/16")
	ip1, fresh1, err := a.allocate("a")
	if err != nil || !fresh1 || ip1.String() != "10.42.0.2" {
		t.Fatalf("first: %s fresh=%v %v", ip1, fresh1, err)
	}
	again, fresh, err := a.allocate("a")
	if err != nil || !again.Equal(ip1) || fresh {
		t.Errorf("again: %s fresh=%v %v, want %s not fresh", again, fresh, err, ip1)
	}
	ip2, _, err := a.allocate("b")
	if err != nil {
		t.Fatalf("b: %v", err)
	}
	if ip2.Equal(ip1) {
		t.Errorf("b got a's %s", ip2)
	}
	b, err := os.ReadFile(filepath.Join(a.dir, ip1.String()))
	if err != nil || string(b) != "a" {
		t.Errorf("lease file: %q %v", b, err)
	}
}

func TestLeasesSurviveRestart(t *testing.T) {
	a := newTestIPAM(t, "10.42.0.0/16")
	ip, _, err := a.allocate("a")
	if err != nil {
		t.Fatal(err)
	}
	restarted, err := newIPAM(a.dir, a.subnet)
	if err != nil {
		t.Fatal(err)
	}
	if got, fresh, err := restarted.allocate("a"); err != nil || !got.Equal(ip) || fresh {
		t.Errorf("after restart a got %s fresh=%v %v, want %s", got, fresh, err, ip)
	}
	got, _, err := restarted.allocate("b")
	if err != nil {
		t.Fatalf("after restart b: %v", err)
	}
	if got.Equal(ip) {
		t.Errorf("after restart b got a's %s", got)
	}
}

func TestReleaseAndExhaustion(t *testing.T) {
	a := newTestIPAM(t, "10.42.0.0/30") // room for one pod
	if _, _, err := a.allocate("a"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := a.allocate("b"); err == nil {
		t.Fatal("allocated past the end of a /30")
	}
	for range 2 {
		if err := a.release("a"); err != nil {
			t.Fatal(err)
		}
	}
	if ip, _, err := a.allocate("b"); err != nil || ip.String() != "10.42.0.2" {
		t.Errorf("after release b got %s, %v", ip, err)
	}
}

func TestNonLeaseFilesAreIgnored(t *testing.T) {
	a := newTestIPAM(t, "10.42.0.0/16")
	if err := os.WriteFile(filepath.Join(a.dir, "README"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := a.releaseIf(func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(a.dir, "README")); err != nil {
		t.Errorf("a non-lease file was removed: %v", err)
	}
}

func TestConcurrentAllocatorsNeverShareAnIP(t *testing.T) {
	// Two allocators on one directory stand for two processes: only O_EXCL
	// keeps them apart.
	a := newTestIPAM(t, "10.42.0.0/24")
	b, err := newIPAM(a.dir, a.subnet)
	if err != nil {
		t.Fatal(err)
	}
	const n = 100
	ips := make([]string, 2*n)
	var wg sync.WaitGroup
	for i := range 2 * n {
		alloc := []*ipam{a, b}[i%2]
		wg.Go(func() {
			ip, _, err := alloc.allocate(fmt.Sprintf("pod-%d", i))
			if err != nil {
				t.Error(err)
				return
			}
			ips[i] = ip.String()
		})
	}
	wg.Wait()
	seen := map[string]int{}
	for i, ip := range ips {
		if j, dup := seen[ip]; dup {
			t.Fatalf("pods %d and %d both got %s", j, i, ip)
		}
		seen[ip] = i
	}
}

func TestVethName(t *testing.T) {
	n := vethName("0b5a8c7e-3f1d-4e2a-9c6b-1d2e3f4a5b6c")
	if len(n) != 12 || n[:4] != "veth" || n != vethName("0b5a8c7e-3f1d-4e2a-9c6b-1d2e3f4a5b6c") {
		t.Errorf("vethName = %q: want stable veth + 8 hex", n)
	}
	if n == vethName("another") {
		t.Error("different pods share a veth name")
	}
}

func TestLeaseWithoutIndexLinkIsFreedBySweepNotReused(t *testing.T) {
	// A crash between writing the lease and its by-uid link leaves a lease
	// nobody can find by owner: the pod gets a fresh address, and the
	// sweep's full scan frees the orphan.
	a := newTestIPAM(t, "10.42.0.0/24")
	orphan, _, err := a.allocate("a")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(a.linkPath("a")); err != nil {
		t.Fatal(err)
	}
	again, fresh, err := a.allocate("a")
	if err != nil || !fresh || again.Equal(orphan) {
		t.Fatalf("allocate after a lost link = %v fresh=%v err=%v; want a new address, not %v", again, fresh, err, orphan)
	}
	if err := a.releaseIf(func(owner string) bool { return false }); err != nil {
		t.Fatal(err)
	}
	if err := a.release("a"); err != nil {
		t.Fatal(err)
	}
	owners, err := a.owners()
	if err != nil {
		t.Fatal(err)
	}
	if !owners["a"] {
		t.Fatalf("release freed only the linked lease, so the orphan %v must remain; owners %v", orphan, owners)
	}
	if err := a.releaseIf(func(owner string) bool { return owner == "a" }); err != nil {
		t.Fatal(err)
	}
	if owners, err := a.owners(); err != nil || len(owners) != 0 {
		t.Fatalf("sweep left leases: %v %v", owners, err)
	}
}

func TestSweepDropsLinksOfFreedLeases(t *testing.T) {
	a := newTestIPAM(t, "10.42.0.0/24")
	ip, _, err := a.allocate("a")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(a.dir, ip.String())); err != nil {
		t.Fatal(err)
	}
	if err := a.releaseIf(func(string) bool { return false }); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(a.linkPath("a")); !os.IsNotExist(err) {
		t.Fatalf("a link to a lease that is gone survived the sweep: %v", err)
	}
}
