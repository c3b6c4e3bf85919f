package controllerref

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// Index files pods by their controller's UID, and pods without a
// controller by namespace, so a sync finds its pods without a scan.
const Index = "controllerref.ordo.dev/controller"

// ControllerKey and OrphanKey are the Index values.
func ControllerKey(uid types.UID) string { return "uid/" + string(uid) }
func OrphanKey(namespace string) string  { return "orphan/" + namespace }

// AddIndex adds Index to a pod informer (before it starts). Adding it
// twice, as two controllers on one shared informer do, is fine.
func AddIndex(pods cache.SharedIndexInformer) error {
	if _, ok := pods.GetIndexer().GetIndexers()[Index]; ok {
		return nil
	}
	return pods.AddIndexers(cache.Indexers{Index: func(obj interface{}) ([]string, error) {
		p, ok := obj.(*corev1.Pod)
		if !ok {
			return nil, nil
		}
		if ref := metav1.GetControllerOf(p); ref != nil {
			return []string{ControllerKey(ref.UID)}, nil
		}
		return []string{OrphanKey(p.Namespace)}, nil
	}})
}

// ClaimPods is ClaimObjects for the pods of an informer carrying Index.
func ClaimPods(ctx context.Context, client kubernetes.Interface, pods cache.Indexer, o Owner) ([]*corev1.Pod, error) {
	owned, err := OwnedPods(pods, o.Object.GetUID())
	if err != nil {
		return nil, err
	}
	orphans, err := podsAt(pods, OrphanKey(o.Object.GetNamespace()))
	if err != nil {
		return nil, err
	}
	patch := func(ctx context.Context, name string, data []byte) (*corev1.Pod, error) {
		return client.CoreV1().Pods(o.Object.GetNamespace()).Patch(ctx, name, types.StrategicMergePatchType, data, metav1.PatchOptions{})
	}
	return ClaimObjects(ctx, o, owned, orphans, patch)
}

// OwnedPods are the pods of an informer carrying Index whose controller
// has uid.
func OwnedPods(pods cache.Indexer, uid types.UID) ([]*corev1.Pod, error) {
	return podsAt(pods, ControllerKey(uid))
}

func podsAt(pods cache.Indexer, key string) ([]*corev1.Pod, error) {
	objs, err := pods.ByIndex(Index, key)
	out := make([]*corev1.Pod, 0, len(objs))
	for _, obj := range objs {
		out = append(out, obj.(*corev1.Pod))
	}
	return out, err
}
