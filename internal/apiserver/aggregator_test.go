package apiserver

import (
	"reflect"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/sets"
)

func TestServedGroupVersionsFromListedPaths(t *testing.T) {
	paths := []string{"/api", "/api/v1", "/apis", "/apis/apps", "/apis/apps/v1", "/apis/batch/v1beta1", "/healthz", "/openapi/v2", "/apis/apps/v1/deployments"}
	want := []schema.GroupVersion{{Version: "v1"}, {Group: "apps", Version: "v1"}, {Group: "batch", Version: "v1beta1"}}
	if got := servedGroupVersions(paths); !reflect.DeepEqual(got, want) {
		t.Fatalf("servedGroupVersions = %v, want %v", got, want)
	}
}

// Local APIServices are named as Kubernetes names them, "v1." for core,
// with kube-apiserver's group priorities.
func TestLocalAPIServiceNamesAndPriorities(t *testing.T) {
	for _, c := range []struct {
		gv      schema.GroupVersion
		name    string
		group   int32
		version int32
	}{
		{schema.GroupVersion{Version: "v1"}, "v1.", 18000, 1},
		{schema.GroupVersion{Group: "apps", Version: "v1"}, "v1.apps", 17800, 15},
		{schema.GroupVersion{Group: "batch", Version: "v1beta1"}, "v1beta1.batch", 17400, 15},
		{schema.GroupVersion{Group: "apiregistration.k8s.io", Version: "v1"}, "v1.apiregistration.k8s.io", otherGroupPriority, 15},
	} {
		s := localAPIService(c.gv, priorityOf(c.gv))
		if s.Name != c.name || s.Spec.GroupPriorityMinimum != c.group || s.Spec.VersionPriority != c.version || s.Spec.Service != nil {
			t.Errorf("%v: %s %d/%d service %v, want %s %d/%d local", c.gv, s.Name, s.Spec.GroupPriorityMinimum, s.Spec.VersionPriority, s.Spec.Service, c.name, c.group, c.version)
		}
	}
}

func TestServedCRDVersionsSkipsUnservedOnes(t *testing.T) {
	crd := &apiextensionsv1.CustomResourceDefinition{Spec: apiextensionsv1.CustomResourceDefinitionSpec{
		Group: "stable.example.com",
		Versions: []apiextensionsv1.CustomResourceDefinitionVersion{
			{Name: "v1", Served: true}, {Name: "v1beta1", Served: false}, {Name: "v2", Served: true},
		},
	}}
	want := sets.New(schema.GroupVersion{Group: "stable.example.com", Version: "v1"}, schema.GroupVersion{Group: "stable.example.com", Version: "v2"})
	if got := servedCRDVersions([]*apiextensionsv1.CustomResourceDefinition{crd}); !got.Equal(want) {
		t.Fatalf("servedCRDVersions = %v, want %v", got, want)
	}
}
