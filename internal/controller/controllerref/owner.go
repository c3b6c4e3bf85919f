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

// OwnerHandler hands enqueue the key of the controller of kind of every
// object added, updated (its new state) or deleted; objects nothing
// controls go to orphan, when not nil (a controller of kind may adopt
// them).
func OwnerHandler(kind schema.GroupVersionKind, enqueue func(key string), orphan func(metav1.Object)) cache.ResourceEventHandlerFuncs {
	owner := func(obj interface{}) {
		m, key, isOrphan := ControllerOf(obj, kind)
		if key != "" {
			enqueue(key)
		} else if isOrphan && orphan != nil {
			orphan(m)
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc: owner, UpdateFunc: func(_, cur interface{}) { owner(cur) }, DeleteFunc: owner,
	}
}
