package machines

import (
	"os"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
)

// TestOpenSweepsStaleLabs: what a lab whose process died left (its claim
// gone, its bridge, veth, network namespace and processes still there) is
// removed by the next Open, and a live lab is left alone.
func TestOpenSweepsStaleLabs(t *testing.T) {
	t.Parallel()
	if err := Requirements(); err != nil {
		t.Skip(err)
	}
	stale, err := Open("", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	m, err := stale.AddMachine("m1")
	if err != nil {
		t.Fatal(err)
	}
	live, err := Open("", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := live.Close(); err != nil {
			t.Error(err)
		}
	}()
	lm, err := live.AddMachine("m1")
	if err != nil {
		t.Fatal(err)
	}
	stale.claims.Release() // as when its process dies

	other, err := Open("", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Close(); err != nil {
		t.Error(err)
	}
	select {
	case <-m.held:
	case <-time.After(10 * time.Second):
		t.Error("the stale machine's holder still runs")
	}
	for _, name := range []string{stale.ID, m.HostVeth} {
		if _, err := netlink.LinkByName(name); err == nil {
			t.Errorf("stale link %s left", name)
		}
	}
	if _, err := os.Stat(netnsPath(m.Netns)); err == nil {
		t.Errorf("stale network namespace %s left", m.Netns)
	}
	if _, err := os.Stat(netnsPath(lm.Netns)); err != nil {
		t.Errorf("the live lab's network namespace: %v", err)
	}
	if out, err := lm.Exec("true"); err != nil {
		t.Errorf("the live lab's machine: %v %s", err, out)
	}
	if _, err := netlink.LinkByName(live.ID); err != nil {
		t.Errorf("the live lab's bridge: %v", err)
	}
	if err := stale.Close(); err != nil {
		t.Errorf("closing the swept lab: %v", err)
	}
}
