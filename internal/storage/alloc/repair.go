package alloc

import (
	"context"
	"errors"
	"sort"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Entry is one allocated value as stored: who took it, and the etcd
// revision of its key (the precondition for releasing it as a leak).
type Entry struct {
	Owner       string
	ModRevision int64
}

// Entries lists every allocated value.
func (a *Allocator) Entries(ctx context.Context) (map[string]Entry, error) {
	resp, err := a.kv.Get(ctx, a.prefix, clientv3.WithPrefix())
	if err != nil {
		return nil, err
	}
	out := make(map[string]Entry, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		out[strings.TrimPrefix(string(kv.Key), a.prefix)] = Entry{Owner: string(kv.Value), ModRevision: kv.ModRevision}
	}
	return out, nil
}

// releaseIfUnchanged frees value only if its key is still the one seen at
// modRevision, so a leak found by a repair never frees a value that was
// released and handed out again meanwhile.
func (a *Allocator) releaseIfUnchanged(ctx context.Context, value string, modRevision int64) error {
	key := a.prefix + value
	_, err := a.kv.Txn(ctx).
		If(clientv3.Compare(clientv3.ModRevision(key), "=", modRevision)).
		Then(clientv3.OpDelete(key)).
		Commit()
	return err
}

// LeakPasses is how many repairs in a row must find a value allocated and
// unused before it is freed, as in Kubernetes' repair loops: a Service
// being created holds its value a moment before it is stored.
const LeakPasses = 2

// Repairer brings one allocator in line with the values Services use. It
// remembers suspected leaks between passes; one Repairer per allocator.
type Repairer struct {
	a        *Allocator
	suspects map[string]Entry
	seen     map[string]int
}

// NewRepairer returns a Repairer for a.
func NewRepairer(a *Allocator) *Repairer {
	return &Repairer{a: a, suspects: map[string]Entry{}, seen: map[string]int{}}
}

// Report is what one repair pass found and did.
type Report struct {
	// Allocated were used by a Service but not allocated; now they are.
	Allocated []string
	// Released were allocated and used by no Service for LeakPasses passes.
	Released []string
	// Conflicts are values a Service uses that another owner holds.
	Conflicts []Conflict
	// OutOfRange are values a Service uses that lie outside the range.
	OutOfRange []string
}

// Conflict is a value used by Service Owner but allocated to Holder.
type Conflict struct{ Value, Owner, Holder string }

// Repair makes the allocations match inUse (value → owning Service,
// "namespace/name"). Read the allocations before listing the Services,
// which Repair does: a Service stored meanwhile then looks unallocated and
// its Allocate finds its own key, rather than its key looking leaked.
func (r *Repairer) Repair(ctx context.Context, listInUse func(context.Context) (map[string]string, error)) (Report, error) {
	entries, err := r.a.Entries(ctx)
	if err != nil {
		return Report{}, err
	}
	inUse, err := listInUse(ctx)
	if err != nil {
		return Report{}, err
	}
	p := planRepair(entries, inUse, r.a.Contains, r.suspects, r.seen)
	rep := Report{OutOfRange: p.outOfRange}
	var errs []error
	for _, v := range p.allocate {
		switch err := r.a.Allocate(ctx, v, inUse[v]); {
		case err == nil:
			rep.Allocated = append(rep.Allocated, v)
		case errors.Is(err, ErrAllocated):
			if holder, ok := r.holder(ctx, v); ok && holder != inUse[v] {
				rep.Conflicts = append(rep.Conflicts, Conflict{Value: v, Owner: inUse[v], Holder: holder})
			}
		default:
			errs = append(errs, err)
		}
	}
	for _, v := range p.release {
		if err := r.a.releaseIfUnchanged(ctx, v, r.suspects[v].ModRevision); err != nil {
			errs = append(errs, err)
			continue
		}
		rep.Released = append(rep.Released, v)
		delete(r.suspects, v)
		delete(r.seen, v)
	}
	rep.Conflicts = append(rep.Conflicts, p.conflicts...)
	return rep, errors.Join(errs...)
}

func (r *Repairer) holder(ctx context.Context, value string) (string, bool) {
	resp, err := r.a.kv.Get(ctx, r.a.prefix+value)
	if err != nil || len(resp.Kvs) == 0 {
		return "", false
	}
	return string(resp.Kvs[0].Value), true
}

// repairPlan is what a pass must do, decided from data alone.
type repairPlan struct {
	allocate, release, outOfRange []string
	conflicts                     []Conflict
}

// planRepair decides a pass. A used value that is not allocated is to be
// allocated; one allocated to another owner is a conflict; an allocated
// value nobody uses becomes a suspect, and is released once it has been a
// suspect, unchanged, for LeakPasses passes. suspects and seen carry that
// memory between passes and are updated in place.
func planRepair(entries map[string]Entry, inUse map[string]string, inRange func(string) bool,
	suspects map[string]Entry, seen map[string]int) repairPlan {
	var p repairPlan
	for v, owner := range inUse {
		e, ok := entries[v]
		switch {
		case !inRange(v):
			p.outOfRange = append(p.outOfRange, v)
		case !ok:
			p.allocate = append(p.allocate, v)
		case e.Owner != owner:
			p.conflicts = append(p.conflicts, Conflict{Value: v, Owner: owner, Holder: e.Owner})
		}
	}
	for v := range suspects {
		if e, ok := entries[v]; !ok || inUse[v] != "" || e.ModRevision != suspects[v].ModRevision {
			delete(suspects, v)
			delete(seen, v)
		}
	}
	for v, e := range entries {
		if _, used := inUse[v]; used {
			continue
		}
		suspects[v] = e
		seen[v]++
		if seen[v] >= LeakPasses {
			p.release = append(p.release, v)
		}
	}
	sort.Strings(p.allocate)
	sort.Strings(p.release)
	sort.Strings(p.outOfRange)
	sort.Slice(p.conflicts, func(i, j int) bool { return p.conflicts[i].Value < p.conflicts[j].Value })
	return p
}
