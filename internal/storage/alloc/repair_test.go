package alloc

import (
	"context"
	"reflect"
	"testing"

	"github.com/ordo-dev/ordo/internal/testutil"
)

func TestPlanRepair(t *testing.T) {
	inRange := func(v string) bool { return v != "out" }
	entries := map[string]Entry{
		"used":    {Owner: "ns/a", ModRevision: 5},
		"leaked":  {Owner: "ns/gone", ModRevision: 6},
		"taken":   {Owner: "ns/other", ModRevision: 7},
		"renewed": {Owner: "ns/gone2", ModRevision: 9},
	}
	inUse := map[string]string{"used": "ns/a", "missing": "ns/b", "taken": "ns/c", "out": "ns/d"}
	suspects := map[string]Entry{"renewed": {Owner: "ns/gone2", ModRevision: 8}, "now-used": {ModRevision: 1}}
	seen := map[string]int{"renewed": 1, "now-used": 1}
	inUse["now-used"] = "ns/e"
	entries["now-used"] = Entry{Owner: "ns/e", ModRevision: 1}

	p := planRepair(entries, inUse, inRange, suspects, seen)
	want := repairPlan{
		allocate:   []string{"missing"},
		outOfRange: []string{"out"},
		conflicts:  []Conflict{{Value: "taken", Owner: "ns/c", Holder: "ns/other"}},
	}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("first pass:\n got %+v\nwant %+v", p, want)
	}
	// "renewed" changed since it was suspected: its count starts again.
	if seen["leaked"] != 1 || seen["renewed"] != 1 || seen["now-used"] != 0 {
		t.Errorf("suspect counts after the first pass: %v", seen)
	}
	p = planRepair(entries, inUse, inRange, suspects, seen)
	if !reflect.DeepEqual(p.release, []string{"leaked", "renewed"}) {
		t.Errorf("second pass releases %v, want leaked and renewed", p.release)
	}
}

func TestRepairReleasesLeaksAndAllocatesMissingValues(t *testing.T) {
	c := testutil.StartEtcd(t)
	ctx := context.Background()
	a := New(c, "/t/ips/", PortRange{First: 1, Last: 100})
	for v, owner := range map[string]string{"1": "ns/kept", "2": "ns/deleted-but-not-released"} {
		if err := a.Allocate(ctx, v, owner); err != nil {
			t.Fatal(err)
		}
	}
	inUse := func(context.Context) (map[string]string, error) {
		return map[string]string{"1": "ns/kept", "3": "ns/restored-without-its-key", "500": "ns/odd"}, nil
	}
	r := NewRepairer(a)
	rep, err := r.Repair(ctx, inUse)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rep.Allocated, []string{"3"}) || len(rep.Released) != 0 || !reflect.DeepEqual(rep.OutOfRange, []string{"500"}) {
		t.Errorf("first pass: %+v", rep)
	}
	rep, err = r.Repair(ctx, inUse)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rep.Released, []string{"2"}) || len(rep.Allocated) != 0 {
		t.Errorf("second pass: %+v", rep)
	}
	got, err := a.Entries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["1"].Owner != "ns/kept" || got["3"].Owner != "ns/restored-without-its-key" {
		t.Errorf("allocations after repair: %v", got)
	}
	// A leak that was handed out again between passes is not freed.
	a.Allocate(ctx, "4", "ns/x")
	r.Repair(ctx, inUse)
	a.Release(ctx, "4")
	a.Allocate(ctx, "4", "ns/y")
	rep, _ = r.Repair(ctx, inUse)
	if len(rep.Released) != 0 {
		t.Errorf("a value reallocated between passes was released: %+v", rep)
	}
}
