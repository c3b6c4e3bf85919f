// Package podowner is the controller-reference bookkeeping that every
// workload controller needs for its pods, as Kubernetes' controller
// reference manager does it: a controller owns the pods whose controller
// reference names it; a pod it owns whose labels stop matching its
// selector is released; a matching pod that nobody controls is adopted,
// after a live read confirms the owner is still there and not being
// deleted. A pod is never taken from another controller.
package podowner

import (
	"context"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
)

// Index files pods by their controller's UID, and pods without a
// controller by namespace, so a sync finds its pods without a scan.
const Index = "podowner.ordo.dev/controller"

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

// Owner is a controller claiming pods.
type Owner struct {
	Object   metav1.Object
	Kind     schema.GroupVersionKind
	Selector labels.Selector
	// Fresh reads the owner past the cache, for the check before adopting.
	Fresh func(ctx context.Context) (metav1.Object, error)
	// Member, when set, limits adoption to pods it accepts (a StatefulSet
	// adopts only pods named after it).
	Member func(*corev1.Pod) bool
}

// Claim returns the pods owner controls after releasing those that stopped
// matching and adopting matching orphans. An owner being deleted keeps
// what it has and adopts nothing.
func Claim(ctx context.Context, client kubernetes.Interface, pods cache.Indexer, o Owner) ([]*corev1.Pod, error) {
	owned, err := pods.ByIndex(Index, ControllerKey(o.Object.GetUID()))
	if err != nil {
		return nil, err
	}
	deleting := o.Object.GetDeletionTimestamp() != nil
	out := make([]*corev1.Pod, 0, len(owned))
	for _, obj := range owned {
		p := obj.(*corev1.Pod)
		switch {
		case deleting || o.Selector.Matches(labels.Set(p.Labels)):
			out = append(out, p)
		case p.DeletionTimestamp == nil:
			release(ctx, client, o, p)
		}
	}
	if deleting || o.Selector.Empty() {
		return out, nil
	}
	orphans, err := pods.ByIndex(Index, OrphanKey(o.Object.GetNamespace()))
	if err != nil {
		return nil, err
	}
	checked := false
	for _, obj := range orphans {
		p := obj.(*corev1.Pod)
		if p.DeletionTimestamp != nil || !o.Selector.Matches(labels.Set(p.Labels)) || (o.Member != nil && !o.Member(p)) {
			continue
		}
		if !checked {
			if err := canAdopt(ctx, o); err != nil {
				return out, err
			}
			checked = true
		}
		got, err := adopt(ctx, client, o, p)
		if err != nil {
			return out, err
		}
		if got != nil {
			out = append(out, got)
		}
	}
	return out, nil
}

func canAdopt(ctx context.Context, o Owner) error {
	fresh, err := o.Fresh(ctx)
	if err != nil {
		return err
	}
	if fresh.GetUID() != o.Object.GetUID() {
		return fmt.Errorf("%s %s/%s is gone: uid %s, want %s", o.Kind.Kind, o.Object.GetNamespace(), o.Object.GetName(), fresh.GetUID(), o.Object.GetUID())
	}
	if fresh.GetDeletionTimestamp() != nil {
		return fmt.Errorf("%s %s/%s is being deleted: not adopting pods", o.Kind.Kind, o.Object.GetNamespace(), o.Object.GetName())
	}
	return nil
}

type patchMeta struct {
	OwnerReferences []any     `json:"ownerReferences"`
	UID             types.UID `json:"uid"`
}

// adopt makes the owner the pod's controller; nil when the pod is gone or
// was taken meanwhile (the patch names the pod's UID as a precondition).
func adopt(ctx context.Context, client kubernetes.Interface, o Owner, p *corev1.Pod) (*corev1.Pod, error) {
	patch, err := json.Marshal(map[string]patchMeta{"metadata": {
		OwnerReferences: []any{metav1.NewControllerRef(o.Object, o.Kind)}, UID: p.UID}})
	if err != nil {
		return nil, err
	}
	got, err := client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	if apierrors.IsNotFound(err) || apierrors.IsConflict(err) || apierrors.IsInvalid(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("adopting pod %s: %w", p.Name, err)
	}
	return got, nil
}

// release drops the owner's controller reference. A failure is logged:
// the pod is left out either way, and the next sync tries again.
func release(ctx context.Context, client kubernetes.Interface, o Owner, p *corev1.Pod) {
	patch, err := json.Marshal(map[string]patchMeta{"metadata": {
		OwnerReferences: []any{map[string]any{"$patch": "delete", "uid": o.Object.GetUID()}}, UID: p.UID}})
	if err != nil {
		return
	}
	_, err = client.CoreV1().Pods(p.Namespace).Patch(ctx, p.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		klog.FromContext(ctx).Error(err, "Releasing pod failed", "pod", klog.KObj(p), "owner", klog.KObj(o.Object))
	}
}
