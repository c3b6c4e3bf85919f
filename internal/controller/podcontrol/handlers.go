package podcontrol

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"

	"github.com/ordo-dev/ordo/internal/controller/controllerref"
	"github.com/ordo-dev/ordo/internal/controller/expectations"
)

// OwnerHandler is the handler of the owners' own informer: it enqueues
// every added, updated or deleted owner, and forgets a deleted owner's
// expectations (a new one of the same name starts afresh).
func OwnerHandler(q workqueue.TypedInterface[string], expect *expectations.Expectations) cache.ResourceEventHandlerFuncs {
	enqueue := func(obj interface{}) {
		if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
			q.Add(key)
		}
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, cur interface{}) { enqueue(cur) },
		DeleteFunc: func(obj interface{}) {
			if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
				expect.Forget(key)
				q.Add(key)
			}
		},
	}
}

// PodHandler wakes the owners of kind a pod event concerns, observing
// the creations and deletions they expect: the pod's controller, its old
// controller when that changed, and for an orphan whatever orphan picks
// (the owners whose selector matches, which may adopt it). A pod starting
// to terminate counts as deleted for the expectations, as in Kubernetes.
func PodHandler(kind schema.GroupVersionKind, q workqueue.TypedInterface[string], expect *expectations.Expectations, orphan func(*corev1.Pod)) cache.ResourceEventHandlerFuncs {
	ownerKey := func(p *corev1.Pod) string {
		_, key, _ := controllerref.ControllerOf(p, kind)
		return key
	}
	return cache.ResourceEventHandlerFuncs{
		AddFunc: func(obj interface{}) {
			p, ok := obj.(*corev1.Pod)
			if !ok {
				return
			}
			if key := ownerKey(p); key != "" {
				expect.CreationObserved(key)
				q.Add(key)
				return
			}
			orphan(p)
		},
		UpdateFunc: func(old, cur interface{}) {
			o, ok1 := old.(*corev1.Pod)
			p, ok2 := cur.(*corev1.Pod)
			if !ok1 || !ok2 || o.ResourceVersion == p.ResourceVersion {
				return
			}
			key := ownerKey(p)
			if p.DeletionTimestamp != nil && o.DeletionTimestamp == nil && key != "" {
				expect.DeletionObserved(key, p.UID)
			}
			if oldKey := ownerKey(o); oldKey != "" && oldKey != key {
				q.Add(oldKey)
			}
			if key != "" {
				q.Add(key)
				return
			}
			orphan(p)
		},
		DeleteFunc: func(obj interface{}) {
			if m, key, _ := controllerref.ControllerOf(obj, kind); key != "" {
				expect.DeletionObserved(key, m.GetUID())
				q.Add(key)
			}
		},
	}
}
