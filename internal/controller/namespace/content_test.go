package namespace

import (
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestNamespacedResources(t *testing.T) {
	lists := []*metav1.APIResourceList{
		{GroupVersion: "v1", APIResources: []metav1.APIResource{
			{Name: "configmaps", Namespaced: true, Verbs: metav1.Verbs{"list", "delete", "deletecollection"}},
			{Name: "pods/log", Namespaced: true, Verbs: metav1.Verbs{"get"}},
			{Name: "nodes", Verbs: metav1.Verbs{"list", "delete", "deletecollection"}},
			{Name: "bindings", Namespaced: true, Verbs: metav1.Verbs{"create"}},
			{Name: "endpoints", Namespaced: true, Verbs: metav1.Verbs{"list", "delete"}},
		}},
	}
	want := []resource{
		{GVR: schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}, Collection: true},
		{GVR: schema.GroupVersionResource{Version: "v1", Resource: "endpoints"}},
	}
	if got := namespacedResources(lists); !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
}

func TestResourceKey(t *testing.T) {
	if got := resourceKey(schema.GroupVersionResource{Version: "v1", Resource: "pods"}); got != "pods." {
		t.Errorf("core: %q", got)
	}
	if got := resourceKey(schema.GroupVersionResource{Group: "batch", Version: "v1", Resource: "jobs"}); got != "jobs.batch" {
		t.Errorf("batch: %q", got)
	}
}
