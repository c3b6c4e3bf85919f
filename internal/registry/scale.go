package registry

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
)

// scaleREST serves the scale subresource as autoscaling/v1 Scale, so that
// `kubectl scale` works on StatefulSets, Deployments and ReplicaSets.
type scaleREST struct {
	store *genericregistry.Store
	res   *Resource
}

var _ rest.GroupVersionKindProvider = &scaleREST{}

func newScaleREST(store *genericregistry.Store, r *Resource) *scaleREST {
	return &scaleREST{store: store, res: r}
}

func (r *scaleREST) New() runtime.Object { return &autoscalingv1.Scale{} }
func (r *scaleREST) Destroy()            {}

func (r *scaleREST) GroupVersionKind(schema.GroupVersion) schema.GroupVersionKind {
	return autoscalingv1.SchemeGroupVersion.WithKind("Scale")
}

func (r *scaleREST) Get(ctx context.Context, name string, options *metav1.GetOptions) (runtime.Object, error) {
	obj, err := r.store.Get(ctx, name, options)
	if err != nil {
		return nil, err
	}
	return toScale(obj)
}

// Update applies the new Scale's spec.replicas to the workload, with the
// Scale's resourceVersion as the precondition when the client sent one.
func (r *scaleREST) Update(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, _ rest.ValidateObjectFunc, _ rest.ValidateObjectUpdateFunc, _ bool, options *metav1.UpdateOptions) (runtime.Object, bool, error) {
	// The generic store hands the first transformer a nil object: the
	// workload to write is built from a copy of the stored one.
	apply := func(ctx context.Context, _, oldObj runtime.Object) (runtime.Object, error) {
		return r.applyScale(ctx, name, objInfo, oldObj)
	}
	obj, _, err := r.store.Update(ctx, name, rest.DefaultUpdatedObjectInfo(nil, apply), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, options)
	if err != nil {
		return nil, false, err
	}
	scale, err := toScale(obj)
	return scale, false, err
}

// applyScale returns a copy of the stored workload with the replicas of the
// client's Scale. As in Kubernetes, a Scale that names a UID or a
// resourceVersion is a precondition (409 when it fails, the latter checked
// by the store), and negative replicas are 422.
func (r *scaleREST) applyScale(ctx context.Context, name string, objInfo rest.UpdatedObjectInfo, stored runtime.Object) (runtime.Object, error) {
	oldScale, err := toScale(stored)
	if err != nil {
		return nil, err
	}
	obj, err := objInfo.UpdatedObject(ctx, oldScale)
	if err != nil {
		return nil, err
	}
	scale, ok := obj.(*autoscalingv1.Scale)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("expected a Scale, got %T", obj))
	}
	if scale.UID != "" && scale.UID != oldScale.UID {
		return nil, apierrors.NewConflict(r.res.GroupResource, name,
			fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", scale.UID, oldScale.UID))
	}
	if scale.Spec.Replicas < 0 {
		errs := field.ErrorList{field.Invalid(field.NewPath("spec", "replicas"), scale.Spec.Replicas, "must be greater than or equal to 0")}
		return nil, apierrors.NewInvalid(autoscalingv1.SchemeGroupVersion.WithKind("Scale").GroupKind(), name, errs)
	}
	workload := stored.DeepCopyObject()
	if err := setReplicas(workload, scale.Spec.Replicas); err != nil {
		return nil, err
	}
	if scale.ResourceVersion != "" {
		if m, err := metaOf(workload); err == nil {
			m.SetResourceVersion(scale.ResourceVersion)
		}
	}
	return workload, nil
}

func toScale(obj runtime.Object) (*autoscalingv1.Scale, error) {
	var (
		meta     metav1.ObjectMeta
		spec     *int32
		status   int32
		selector *metav1.LabelSelector
	)
	switch o := obj.(type) {
	case *appsv1.StatefulSet:
		meta, spec, status, selector = o.ObjectMeta, o.Spec.Replicas, o.Status.Replicas, o.Spec.Selector
	case *appsv1.Deployment:
		meta, spec, status, selector = o.ObjectMeta, o.Spec.Replicas, o.Status.Replicas, o.Spec.Selector
	case *appsv1.ReplicaSet:
		meta, spec, status, selector = o.ObjectMeta, o.Spec.Replicas, o.Status.Replicas, o.Spec.Selector
	case *corev1.ReplicationController:
		meta, spec, status = o.ObjectMeta, o.Spec.Replicas, o.Status.Replicas
		selector = &metav1.LabelSelector{MatchLabels: o.Spec.Selector}
	default:
		return nil, fmt.Errorf("no scale subresource for %T", obj)
	}
	sel, err := metav1.LabelSelectorAsSelector(selector)
	if err != nil {
		return nil, err
	}
	s := &autoscalingv1.Scale{
		ObjectMeta: metav1.ObjectMeta{
			Name: meta.Name, Namespace: meta.Namespace, UID: meta.UID,
			ResourceVersion: meta.ResourceVersion, CreationTimestamp: meta.CreationTimestamp,
		},
		Status: autoscalingv1.ScaleStatus{Replicas: status, Selector: sel.String()},
	}
	if spec != nil {
		s.Spec.Replicas = *spec
	}
	return s, nil
}

func setReplicas(obj runtime.Object, n int32) error {
	switch o := obj.(type) {
	case *appsv1.StatefulSet:
		o.Spec.Replicas = &n
	case *appsv1.Deployment:
		o.Spec.Replicas = &n
	case *appsv1.ReplicaSet:
		o.Spec.Replicas = &n
	case *corev1.ReplicationController:
		o.Spec.Replicas = &n
	default:
		return fmt.Errorf("no scale subresource for %T", obj)
	}
	return nil
}
