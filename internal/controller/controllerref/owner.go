package controllerref

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
)

// ControllerOf unwraps an informer event's object (a tombstone too) and
// says who controls it: the namespace/name key of its controller when
// that is of kind, "" otherwise; orphan is true when nothing controls it
// (a controller of kind may then adopt it).
func ControllerOf(obj interface{}, kind schema.GroupVersionKind) (m metav1.Object, key string, orphan bool) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	m, ok := obj.(metav1.Object)
	if !ok {
		return nil, "", false
	}
	ref := metav1.GetControllerOf(m)
	if ref == nil {
		return m, "", true
	}
	if ref.Kind == kind.Kind && ref.APIVersion == kind.GroupVersion().String() {
		return m, m.GetNamespace() + "/" + ref.Name, false
	}
	return m, "", false
}
