package namespace

import (
	"errors"
	"reflect"
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func nsWith(deleting bool, finalizers ...v1.FinalizerName) *v1.Namespace {
	ns := &v1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "x", UID: "u1", ResourceVersion: "1"}}
	ns.Spec.Finalizers = finalizers
	if deleting {
		t := metav1.Now()
		ns.DeletionTimestamp = &t
		ns.Status.Phase = v1.NamespaceTerminating
	}
	return ns
}

func TestNextStep(t *testing.T) {
	tests := []struct {
		name string
		ns   *v1.Namespace
		want stepKind
	}{
		{"active", nsWith(false, finalizerKubernetes), stepNone},
		{"terminating with ours", nsWith(true, finalizerKubernetes, "other"), stepEmpty},
		{"terminating, finalized, nothing left", nsWith(true), stepDelete},
		{"terminating, someone else's finalizer left", nsWith(true, "other"), stepNone},
	}
	for _, tt := range tests {
		if got := nextStep(tt.ns); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestAfterContent(t *testing.T) {
	tests := []struct {
		name string
		res  contentResult
		want contentStep
	}{
		{"empty", contentResult{}, contentDone},
		{"objects remain", contentResult{Remaining: map[string]int{"pods.": 1}}, contentWait},
		{"delete failed", contentResult{DeleteErrs: map[string]error{"pods.": errors.New("boom")}}, contentRetry},
		{"partial discovery, even if empty", contentResult{DiscoveryErr: errors.New("group down")}, contentRetry},
	}
	for _, tt := range tests {
		if got := afterContent(tt.res); got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestWithoutKubernetes(t *testing.T) {
	got := withoutKubernetes([]v1.FinalizerName{"a", finalizerKubernetes, "b"})
	if !reflect.DeepEqual(got, []v1.FinalizerName{"a", "b"}) {
		t.Errorf("got %v", got)
	}
	if got := withoutKubernetes([]v1.FinalizerName{finalizerKubernetes}); got == nil || len(got) != 0 {
		t.Errorf("want an empty, non-nil list (the finalize body must say []), got %#v", got)
	}
}
