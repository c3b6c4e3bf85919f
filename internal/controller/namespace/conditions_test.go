package namespace

import (
	"errors"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var anchor = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func find(cs []v1.NamespaceCondition, t v1.NamespaceConditionType) v1.NamespaceCondition {
	for _, c := range cs {
		if c.Type == t {
			return c
		}
	}
	return v1.NamespaceCondition{}
}

func TestConditionsRemaining(t *testing.T) {
	res := contentResult{
		Remaining:  map[string]int{"pods.": 2, "configmaps.": 1},
		Finalizers: map[string]int{"example.com/keep": 1},
	}
	cs := conditionsFor(res, nil, anchor)
	c := find(cs, v1.NamespaceContentRemaining)
	if c.Status != v1.ConditionTrue || c.Reason != "SomeResourcesRemain" ||
		c.Message != "Some resources are remaining: configmaps. has 1 resource instances, pods. has 2 resource instances" {
		t.Errorf("remaining = %+v", c)
	}
	f := find(cs, v1.NamespaceFinalizersRemaining)
	if f.Status != v1.ConditionTrue || f.Message != "Some content in the namespace has finalizers remaining: example.com/keep in 1 resource instances" {
		t.Errorf("finalizers = %+v", f)
	}
	if d := find(cs, v1.NamespaceDeletionContentFailure); d.Status != v1.ConditionFalse || d.Reason != "ContentDeleted" {
		t.Errorf("content failure = %+v", d)
	}
}

func TestConditionsFailure(t *testing.T) {
	res := contentResult{DiscoveryErr: errors.New("x.io/v1 down"), DeleteErrs: map[string]error{"jobs.batch": errors.New("forbidden")}}
	cs := conditionsFor(res, nil, anchor)
	if c := find(cs, v1.NamespaceDeletionDiscoveryFailure); c.Status != v1.ConditionTrue || c.Reason != "DiscoveryFailed" {
		t.Errorf("discovery = %+v", c)
	}
	c := find(cs, v1.NamespaceDeletionContentFailure)
	if c.Status != v1.ConditionTrue || c.Message != "Failed to delete all resource types, 1 remaining: jobs.batch: forbidden" {
		t.Errorf("content = %+v", c)
	}
}

func TestConditionsKeepTransitionTime(t *testing.T) {
	first := conditionsFor(contentResult{Remaining: map[string]int{"pods.": 1}}, nil, anchor)
	later := anchor.Add(time.Minute)
	second := conditionsFor(contentResult{}, first, later)
	if got := find(second, v1.NamespaceDeletionDiscoveryFailure).LastTransitionTime; !got.Equal(&metav1.Time{Time: anchor}) {
		t.Errorf("unchanged condition moved to %v", got)
	}
	if got := find(second, v1.NamespaceContentRemaining).LastTransitionTime; !got.Equal(&metav1.Time{Time: later}) {
		t.Errorf("changed condition kept %v", got)
	}
	if sameConditions(first, second) || !sameConditions(second, conditionsFor(contentResult{}, second, later.Add(time.Hour))) {
		t.Error("sameConditions must compare what readers see, not times")
	}
}
