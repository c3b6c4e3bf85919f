package alloc

import "testing"

func TestCIDRRangeSkipsNetworkReservedAndBroadcast(t *testing.T) {
	r, err := NewCIDRRange("10.43.0.0/29")
	if err != nil {
		t.Fatal(err)
	}
	if r.Size() != 5 {
		t.Fatalf("size = %d, want 5 (8 minus network, reserved first host, broadcast)", r.Size())
	}
	if got := r.Value(0); got != "10.43.0.2" {
		t.Errorf("first allocatable = %s, want 10.43.0.2", got)
	}
	if got := r.First(); got != "10.43.0.1" {
		t.Errorf("reserved = %s, want 10.43.0.1", got)
	}
	if got := r.Value(r.Size() - 1); got != "10.43.0.6" {
		t.Errorf("last allocatable = %s, want 10.43.0.6", got)
	}
	for _, bad := range []string{"10.43.0.0", "10.43.0.7", "10.44.0.2", "nope"} {
		if _, ok := r.Offset(bad); ok {
			t.Errorf("%s should be outside the range", bad)
		}
	}
	if off, ok := r.Offset("10.43.0.4"); !ok || off != 2 {
		t.Errorf("Offset(10.43.0.4) = %d,%v want 2,true", off, ok)
	}
}

func TestPortRange(t *testing.T) {
	p := PortRange{First: 30000, Last: 32767}
	if p.Size() != 2768 {
		t.Fatalf("size = %d", p.Size())
	}
	if _, ok := p.Offset("29999"); ok {
		t.Error("29999 is outside")
	}
	if off, ok := p.Offset("30005"); !ok || off != 5 {
		t.Errorf("Offset(30005) = %d,%v", off, ok)
	}
}
