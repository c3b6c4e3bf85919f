package nodeipam

import (
	"errors"
	"testing"
)

func TestCIDRSetHandsOutBlocksInOrderAndReusesFreedOnesLast(t *testing.T) {
	s, err := newCIDRSet("10.42.0.0/16", 24)
	if err != nil {
		t.Fatal(err)
	}
	if !s.occupy("10.42.1.0/24") {
		t.Fatal("10.42.1.0/24 is a block of the range")
	}
	var got []string
	for i := 0; i < 3; i++ {
		b, err := s.allocate()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, b.String())
	}
	want := []string{"10.42.0.0/24", "10.42.2.0/24", "10.42.3.0/24"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("allocated %v, want %v", got, want)
		}
	}
	s.release("10.42.0.0/24")
	if b, _ := s.allocate(); b.String() != "10.42.4.0/24" {
		t.Errorf("after a release got %s, want 10.42.4.0/24 (a freed block is reused last)", b)
	}
}

func TestCIDRSetFull(t *testing.T) {
	s, err := newCIDRSet("10.9.0.0/23", 24)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if _, err := s.allocate(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.allocate(); !errors.Is(err, errFull) {
		t.Fatalf("third allocation of a /23 in /24s: %v, want errFull", err)
	}
	s.release("10.9.1.0/24")
	if b, err := s.allocate(); err != nil || b.String() != "10.9.1.0/24" {
		t.Fatalf("after release: %v %v", b, err)
	}
}

func TestCIDRSetIgnoresForeignRanges(t *testing.T) {
	s, _ := newCIDRSet("10.42.0.0/16", 24)
	for _, c := range []string{"10.43.0.0/24", "10.42.0.0/16", "10.42.0.0/25", "10.42.0.7/24", "bogus", ""} {
		if s.occupy(c) {
			t.Errorf("occupy(%q) = true, want false (not a block of the range)", c)
		}
	}
	if b, _ := s.allocate(); b.String() != "10.42.0.0/24" {
		t.Errorf("first block %s", b)
	}
}

func TestCIDRSetRefusesBadFlags(t *testing.T) {
	for _, tc := range []struct {
		cidr string
		mask int
		want string
	}{
		{"10.42.0.0/16", 8, "--node-cidr-mask-size: 8 must be between the cluster CIDR's prefix length (16) and 30"},
		{"10.42.0.0/16", 31, "--node-cidr-mask-size: 31 must be between the cluster CIDR's prefix length (16) and 30"},
		{"10.0.0.0/8", 26, "--node-cidr-mask-size: 26 leaves more than 65536 node blocks in 10.0.0.0/8"},
		{"fd00::/48", 64, "--cluster-cidr: fd00::/48: only IPv4 is supported"},
		{"10.42.0.0", 24, `--cluster-cidr: invalid CIDR "10.42.0.0": netip.ParsePrefix("10.42.0.0"): no '/'`},
	} {
		_, err := newCIDRSet(tc.cidr, tc.mask)
		if err == nil || err.Error() != tc.want {
			t.Errorf("newCIDRSet(%s, %d) = %v, want %q", tc.cidr, tc.mask, err, tc.want)
		}
	}
}

// A block whose Node update failed is the next one handed out: the first
// node still gets 10.42.0.0/24 after a conflict.
func TestCIDRSetUndo(t *testing.T) {
	s, _ := newCIDRSet("10.42.0.0/16", 24)
	b, _ := s.allocate()
	s.undo(b)
	if again, _ := s.allocate(); again != b {
		t.Fatalf("after undo got %s, want %s", again, b)
	}
}
