package registry

import (
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// TestEveryKindIsFullyDescribed: a row missing its validation would accept
// anything; a kind whose object and list types disagree would fail at the
// first list.
func TestEveryKindIsFullyDescribed(t *testing.T) {
	seen := map[schema.GroupResource]bool{}
	for _, g := range Groups() {
		if g.AddToScheme == nil {
			t.Errorf("%s: no AddToScheme", g.Version)
		}
		for _, r := range g.Kinds {
			if seen[r.GroupResource] {
				t.Errorf("%s described twice", r.GroupResource)
			}
			seen[r.GroupResource] = true
			if r.Validation.Create == nil || r.Validation.Update == nil || r.Validation.StatusUpdate == nil {
				t.Errorf("%s: validation incomplete", r.GroupResource)
			}
			list := reflect.ValueOf(r.NewList()).Elem().FieldByName("Items")
			if !list.IsValid() || list.Type().Elem() != reflect.TypeOf(r.New()).Elem() {
				t.Errorf("%s: list type %T does not hold %T", r.GroupResource, r.NewList(), r.New())
			}
		}
	}
}

// TestKubectlColumnsOfTheBrief: the kinds whose `kubectl get` columns
// Kubernetes defines have a printer (roles and cluster roles have none
// upstream either).
func TestKubectlColumnsOfTheBrief(t *testing.T) {
	catalog := Catalog()
	printed := map[schema.GroupResource]bool{}
	for _, rs := range catalog {
		for _, r := range rs {
			printed[r.GroupResource] = r.Printer != nil
		}
	}
	for _, gr := range []schema.GroupResource{
		{Resource: "pods"}, {Resource: "services"}, {Resource: "endpoints"}, {Resource: "configmaps"},
		{Resource: "secrets"}, {Resource: "serviceaccounts"}, {Resource: "persistentvolumeclaims"},
		{Resource: "persistentvolumes"}, {Resource: "namespaces"}, {Resource: "nodes"}, {Resource: "events"},
		{Group: "batch", Resource: "jobs"}, {Group: "batch", Resource: "cronjobs"},
		{Group: "apps", Resource: "statefulsets"}, {Group: "apps", Resource: "deployments"},
		{Group: "apps", Resource: "replicasets"}, {Group: "apps", Resource: "controllerrevisions"},
		{Group: "coordination.k8s.io", Resource: "leases"}, {Group: "discovery.k8s.io", Resource: "endpointslices"},
		{Group: "events.k8s.io", Resource: "events"}, {Group: "storage.k8s.io", Resource: "storageclasses"},
		{Group: "rbac.authorization.k8s.io", Resource: "rolebindings"},
		{Group: "rbac.authorization.k8s.io", Resource: "clusterrolebindings"},
		{Group: "policy", Resource: "poddisruptionbudgets"}, {Group: "scheduling.k8s.io", Resource: "priorityclasses"},
	} {
		if !printed[gr] {
			t.Errorf("no printer for %s", gr)
		}
	}
}

// TestUncachedResources: the kinds held by the thousand and watched by
// few have no watch cache: CronJobs, and events of both groups, as
// Kubernetes' DefaultWatchCacheSizes sets events to 0.
func TestUncachedResources(t *testing.T) {
	got := map[string]bool{}
	for _, r := range UncachedResources() {
		got[r] = true
	}
	for _, want := range []string{"cronjobs.batch#0", "events#0", "events.events.k8s.io#0"} {
		if !got[want] {
			t.Errorf("UncachedResources() = %v, lacks %s", UncachedResources(), want)
		}
	}
	if got["pods#0"] {
		t.Error("pods lost their watch cache")
	}
}
