package registry

import (
	"context"
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage"
	storeerr "k8s.io/apiserver/pkg/storage/errors"
)

// evictionREST serves pods/eviction, the Eviction API of kubectl drain and
// of the Job controller's tests. ordo serves no PodDisruptionBudgets, so
// no budget can refuse an eviction: as kube-apiserver does when none
// matches, a running pod gets the DisruptionTarget condition (reason
// EvictionByEvictionAPI), which Jobs' podFailurePolicy can match, and is
// then deleted with the eviction's deleteOptions. A pod that has already
// finished is only deleted.
type evictionREST struct {
	store *genericregistry.Store
}

var (
	_ rest.NamedCreater             = &evictionREST{}
	_ rest.GroupVersionKindProvider = &evictionREST{}
)

func (r *evictionREST) New() runtime.Object { return &policyv1.Eviction{} }
func (r *evictionREST) Destroy()            {}

func (r *evictionREST) GroupVersionKind(schema.GroupVersion) schema.GroupVersionKind {
	return policyv1.SchemeGroupVersion.WithKind("Eviction")
}

func (r *evictionREST) Create(ctx context.Context, name string, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	ev, ok := obj.(*policyv1.Eviction)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not an Eviction: %T", obj))
	}
	if ev.Name != name {
		return nil, apierrors.NewBadRequest("name in URL does not match name in Eviction object")
	}
	if createValidation != nil {
		if err := createValidation(ctx, ev); err != nil {
			return nil, err
		}
	}
	deleteOpts := &metav1.DeleteOptions{}
	if ev.DeleteOptions != nil {
		deleteOpts = ev.DeleteOptions.DeepCopy()
	}
	if options != nil && len(options.DryRun) > 0 {
		deleteOpts.DryRun = options.DryRun
	}
	if err := r.markDisruption(ctx, name, deleteOpts); err != nil {
		return nil, err
	}
	if _, _, err := r.store.Delete(ctx, name, rest.ValidateAllObjectFunc, deleteOpts); err != nil {
		return nil, err
	}
	return &metav1.Status{Status: metav1.StatusSuccess, Code: http.StatusCreated}, nil
}

// markDisruption adds the DisruptionTarget condition to a pod that has not
// finished, checking the eviction's UID and resourceVersion preconditions.
func (r *evictionREST) markDisruption(ctx context.Context, name string, opts *metav1.DeleteOptions) error {
	key, err := r.store.KeyFunc(ctx, name)
	if err != nil {
		return err
	}
	dryRun := len(opts.DryRun) > 0
	err = r.store.Storage.GuaranteedUpdate(ctx, key, &corev1.Pod{}, false, nil,
		storage.SimpleUpdate(func(obj runtime.Object) (runtime.Object, error) {
			pod := obj.(*corev1.Pod)
			if err := checkPreconditions(pod, opts.Preconditions); err != nil {
				return nil, err
			}
			if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed || pod.DeletionTimestamp != nil {
				return nil, errNoChange
			}
			setPodCondition(&pod.Status, corev1.PodCondition{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue,
				Reason: "EvictionByEvictionAPI", Message: "Eviction API: evicting", LastTransitionTime: metav1.Now()})
			return pod, nil
		}), dryRun, nil)
	if err == errNoChange {
		return nil
	}
	if err != nil {
		return storeerr.InterpretUpdateError(err, corev1.Resource("pods"), name)
	}
	return nil
}

// errNoChange ends a GuaranteedUpdate without a write.
var errNoChange = fmt.Errorf("no change")

func checkPreconditions(pod *corev1.Pod, p *metav1.Preconditions) error {
	switch {
	case p == nil:
	case p.UID != nil && *p.UID != pod.UID:
		return apierrors.NewConflict(corev1.Resource("pods"), pod.Name,
			fmt.Errorf("the UID in the precondition (%s) does not match the UID in record (%s). The object might have been deleted and then recreated", *p.UID, pod.UID))
	case p.ResourceVersion != nil && *p.ResourceVersion != pod.ResourceVersion:
		return apierrors.NewConflict(corev1.Resource("pods"), pod.Name,
			fmt.Errorf("the ResourceVersion in the precondition (%s) does not match the ResourceVersion in record (%s). The object might have been modified", *p.ResourceVersion, pod.ResourceVersion))
	}
	return nil
}

// setPodCondition replaces the condition of the same type, or adds it.
func setPodCondition(s *corev1.PodStatus, c corev1.PodCondition) {
	for i := range s.Conditions {
		if s.Conditions[i].Type == c.Type {
			s.Conditions[i] = c
			return
		}
	}
	s.Conditions = append(s.Conditions, c)
}
