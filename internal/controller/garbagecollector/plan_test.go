package garbagecollector

import (
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestPlan(t *testing.T) {
	dep := func(uid types.UID, blocking, deletingDeps bool) dependentView {
		return dependentView{Ref: cmRef(uid), Blocking: blocking, DeletingDependents: deletingDeps}
	}
	tests := []struct {
		name   string
		view   nodeView
		owners map[types.UID]ownerState
		want   action
	}{
		{
			name: "no owners: keep",
			view: nodeView{},
			want: action{},
		},
		{
			name:   "one solid owner: keep",
			view:   nodeView{Owners: []metav1.OwnerReference{ownerRef("a", false)}},
			owners: map[types.UID]ownerState{"a": ownerSolid},
			want:   action{},
		},
		{
			name:   "all owners absent: delete in background",
			view:   nodeView{Owners: []metav1.OwnerReference{ownerRef("a", false), ownerRef("b", true)}},
			owners: map[types.UID]ownerState{"a": ownerAbsent, "b": ownerAbsent},
			want:   action{Kind: actDelete, Policy: metav1.DeletePropagationBackground},
		},
		{
			name:   "some owners absent: drop their references",
			view:   nodeView{Owners: []metav1.OwnerReference{ownerRef("a", false), ownerRef("b", false), ownerRef("c", false)}},
			owners: map[types.UID]ownerState{"a": ownerAbsent, "b": ownerSolid, "c": ownerWaiting},
			want:   action{Kind: actRemoveOwnerRefs, Owners: []types.UID{"a", "c"}},
		},
		{
			name:   "owner waiting, no dependents: delete in background",
			view:   nodeView{Owners: []metav1.OwnerReference{ownerRef("a", true)}},
			owners: map[types.UID]ownerState{"a": ownerWaiting},
			want:   action{Kind: actDelete, Policy: metav1.DeletePropagationBackground},
		},
		{
			name: "owner waiting, has dependents: delete in foreground",
			view: nodeView{
				Owners:     []metav1.OwnerReference{ownerRef("a", true)},
				Dependents: []dependentView{dep("d", true, false)},
			},
			owners: map[types.UID]ownerState{"a": ownerWaiting},
			want:   action{Kind: actDelete, Policy: metav1.DeletePropagationForeground},
		},
		{
			name: "owner waiting, dependent already waiting on us: unblock (cycle)",
			view: nodeView{
				Owners:     []metav1.OwnerReference{ownerRef("a", true)},
				Dependents: []dependentView{dep("d", true, true)},
			},
			owners: map[types.UID]ownerState{"a": ownerWaiting},
			want:   action{Kind: actUnblockOwnerRefs, Owners: []types.UID{"a"}},
		},
		{
			name:   "absent owners, own orphan finalizer kept as policy",
			view:   nodeView{Owners: []metav1.OwnerReference{ownerRef("a", false)}, Finalizers: []string{finalizerOrphan}},
			owners: map[types.UID]ownerState{"a": ownerAbsent},
			want:   action{Kind: actDelete, Policy: metav1.DeletePropagationOrphan},
		},
		{
			name:   "being deleted without our finalizers: wait",
			view:   nodeView{Deleting: true, Owners: []metav1.OwnerReference{ownerRef("a", false)}},
			owners: map[types.UID]ownerState{"a": ownerAbsent},
			want:   action{},
		},
		{
			name: "orphan: strip every dependent",
			view: nodeView{
				Deleting: true, Finalizers: []string{finalizerOrphan},
				Dependents: []dependentView{dep("d1", true, false), dep("d2", false, false)},
			},
			want: action{Kind: actOrphan, Dependents: []objectRef{cmRef("d1"), cmRef("d2")}},
		},
		{
			name: "orphan with no dependents: still releases the finalizer",
			view: nodeView{Deleting: true, Finalizers: []string{finalizerOrphan}},
			want: action{Kind: actOrphan, Dependents: []objectRef{}},
		},
		{
			name: "foreground, only non-blocking dependents: done",
			view: nodeView{
				Deleting: true, Finalizers: []string{finalizerForeground},
				Dependents: []dependentView{dep("d", false, false)},
			},
			want: action{Kind: actRemoveFinalizer, Finalizer: finalizerForeground},
		},
		{
			name: "foreground, blocking dependents: prod those not yet deleting theirs",
			view: nodeView{
				Deleting: true, Finalizers: []string{finalizerForeground},
				Dependents: []dependentView{dep("d1", true, false), dep("d2", true, true), dep("d3", false, false)},
			},
			want: action{Kind: actWaitForDependents, Dependents: []objectRef{cmRef("d1")}},
		},
		{
			name: "foreground, blocking dependents all deleting theirs: just wait",
			view: nodeView{
				Deleting: true, Finalizers: []string{finalizerForeground},
				Dependents: []dependentView{dep("d", true, true)},
			},
			want: action{Kind: actWaitForDependents},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := plan(tt.view, tt.owners); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("plan() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestNeedsOwnerStates(t *testing.T) {
	owned := nodeView{Owners: []metav1.OwnerReference{ownerRef("a", false)}}
	if !needsOwnerStates(owned) {
		t.Error("owned object: want lookups")
	}
	owned.Deleting = true
	if needsOwnerStates(owned) {
		t.Error("object being deleted: want no lookups")
	}
	if needsOwnerStates(nodeView{}) {
		t.Error("unowned object: want no lookups")
	}
}

func TestClassifyOwner(t *testing.T) {
	tests := []struct {
		name  string
		owner *metav1.PartialObjectMetadata
		want  ownerState
	}{
		{"same uid", cm("a"), ownerSolid},
		{"name reused", cm("other"), ownerAbsent},
		{"foreground deleting", deleting(cm("a"), finalizerForeground), ownerWaiting},
		{"orphan deleting is still solid", deleting(cm("a"), finalizerOrphan), ownerSolid},
	}
	for _, tt := range tests {
		if got := classifyOwner(tt.owner, "a"); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}
