package server

import (
	"context"
	"strings"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

func defaultServiceCIDR(t *testing.T, c *fake.Clientset) *networkingv1.ServiceCIDR {
	t.Helper()
	got, err := c.NetworkingV1().ServiceCIDRs().Get(context.Background(), "kubernetes", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestServiceCIDRIsCreatedReadyAndASingleServerReplacesIt(t *testing.T) {
	c := fake.NewClientset()
	ctx := context.Background()
	if err := ensureServiceCIDR(ctx, c, "10.43.0.5/16", false); err != nil {
		t.Fatal(err)
	}
	got := defaultServiceCIDR(t, c)
	if got.Spec.CIDRs[0] != "10.43.0.0/16" || !meta.IsStatusConditionTrue(got.Status.Conditions, networkingv1.ServiceCIDRConditionReady) {
		t.Fatalf("first start: %v %v", got.Spec.CIDRs, got.Status.Conditions)
	}
	if err := ensureServiceCIDR(ctx, c, "10.44.0.0/16", false); err != nil {
		t.Fatal(err)
	}
	if got := defaultServiceCIDR(t, c); got.Spec.CIDRs[0] != "10.44.0.0/16" || !meta.IsStatusConditionTrue(got.Status.Conditions, networkingv1.ServiceCIDRConditionReady) {
		t.Fatalf("a restart with another range: %v %v", got.Spec.CIDRs, got.Status.Conditions)
	}
}

// TestAClusteredServerWithAnotherRangeIsRefused: servers of one cluster
// must not take turns replacing each other's range.
func TestAClusteredServerWithAnotherRangeIsRefused(t *testing.T) {
	c := fake.NewClientset()
	ctx := context.Background()
	if err := ensureServiceCIDR(ctx, c, "10.43.0.0/16", true); err != nil {
		t.Fatal(err)
	}
	err := ensureServiceCIDR(ctx, c, "10.44.0.0/16", true)
	if err == nil || !strings.Contains(err.Error(), "--service-cidr 10.44.0.0/16") || !strings.Contains(err.Error(), "10.43.0.0/16") {
		t.Fatalf("another range in a cluster: %v", err)
	}
	if got := defaultServiceCIDR(t, c); got.Spec.CIDRs[0] != "10.43.0.0/16" {
		t.Fatalf("the cluster's range changed to %v", got.Spec.CIDRs)
	}
	if err := ensureServiceCIDR(ctx, c, "10.43.0.0/16", true); err != nil {
		t.Fatalf("the same range: %v", err)
	}
}

// TestServiceCIDRStatusConflictIsRetried: two servers starting together
// both find the object not Ready yet; the second's stale status write
// conflicts and is retried from a fresh read.
func TestServiceCIDRStatusConflictIsRetried(t *testing.T) {
	c := fake.NewClientset()
	conflicts := 0
	c.PrependReactor("update", "servicecidrs", func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() == "status" && conflicts == 0 {
			conflicts++
			return true, nil, apierrors.NewConflict(schema.GroupResource{Group: "networking.k8s.io", Resource: "servicecidrs"}, "kubernetes", nil)
		}
		return false, nil, nil
	})
	if err := ensureServiceCIDR(context.Background(), c, "10.43.0.0/16", true); err != nil {
		t.Fatal(err)
	}
	if got := defaultServiceCIDR(t, c); conflicts != 1 || !meta.IsStatusConditionTrue(got.Status.Conditions, networkingv1.ServiceCIDRConditionReady) {
		t.Fatalf("after %d conflicts: %v", conflicts, got.Status.Conditions)
	}
}

func TestAJoiningServerWithAnotherRangeIsRefusedBeforeItJoins(t *testing.T) {
	for _, tc := range []struct {
		own, cluster string
		ok           bool
	}{
		{"10.43.0.0/16", "10.43.0.0/16", true},
		{"10.43.0.1/16", "10.43.0.0/16", true},
		{"10.43.0.0/16", "", true}, // a server that does not report it
		{"10.44.0.0/16", "10.43.0.0/16", false},
		{"10.43.0.0/24", "10.43.0.0/16", false},
	} {
		err := sameServiceRange(tc.own, tc.cluster)
		if (err == nil) != tc.ok || (err != nil && !strings.Contains(err.Error(), "--service-cidr "+tc.own)) {
			t.Errorf("own %s, cluster %s: %v", tc.own, tc.cluster, err)
		}
	}
}
