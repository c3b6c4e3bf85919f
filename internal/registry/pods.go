package registry

import (
	"context"
	"fmt"
	"net/http"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/apiserver/pkg/storage"
	storeerr "k8s.io/apiserver/pkg/storage/errors"
)

var podHooks = Hooks{
	PrepareForCreate: func(_ context.Context, obj runtime.Object) {
		pod := obj.(*corev1.Pod)
		pod.Status = corev1.PodStatus{Phase: corev1.PodPending, QOSClass: qosClass(&pod.Spec)}
		// What the ServiceAccount admission plugin does in Kubernetes.
		if pod.Spec.ServiceAccountName == "" {
			pod.Spec.ServiceAccountName = "default"
		}
		pod.Spec.DeprecatedServiceAccount = pod.Spec.ServiceAccountName
	},
	PrepareForStatusUpdate: func(obj, old runtime.Object) {
		pod, oldPod := obj.(*corev1.Pod), old.(*corev1.Pod)
		// The status endpoint may not start or undo a deletion, nor touch
		// owner references the garbage collector depends on.
		pod.DeletionTimestamp = oldPod.DeletionTimestamp
		pod.OwnerReferences = oldPod.OwnerReferences
	},
	GracefulDelete: podGracePeriod,
	Warnings:       podTemplateWarnings,
}

// podGracePeriod gives a delete the pod's terminationGracePeriodSeconds unless
// the client chose one; a pod that never ran or has finished goes at once.
func podGracePeriod(obj runtime.Object, options *metav1.DeleteOptions) bool {
	if options == nil {
		return false
	}
	pod := obj.(*corev1.Pod)
	var period int64
	switch {
	case options.GracePeriodSeconds != nil:
		period = *options.GracePeriodSeconds
	case pod.Spec.TerminationGracePeriodSeconds != nil:
		period = *pod.Spec.TerminationGracePeriodSeconds
	}
	if pod.Spec.NodeName == "" || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		period = 0
	}
	options.GracePeriodSeconds = &period
	return true
}

// qosClass is Guaranteed when every container's requests equal its limits
// for both cpu and memory, BestEffort when nothing is requested or limited,
// and Burstable otherwise.
func qosClass(spec *corev1.PodSpec) corev1.PodQOSClass {
	all := append(append([]corev1.Container{}, spec.InitContainers...), spec.Containers...)
	anySet, guaranteed := false, true
	for _, c := range all {
		if len(c.Resources.Requests) > 0 || len(c.Resources.Limits) > 0 {
			anySet = true
		}
		for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			limit, hasLimit := c.Resources.Limits[name]
			request, hasRequest := c.Resources.Requests[name]
			if !hasLimit || (hasRequest && request.Cmp(limit) != 0) {
				guaranteed = false
			}
		}
	}
	switch {
	case !anySet:
		return corev1.PodQOSBestEffort
	case guaranteed:
		return corev1.PodQOSGuaranteed
	default:
		return corev1.PodQOSBurstable
	}
}

// bindingREST serves pods/binding: the scheduler's way to set spec.nodeName
// exactly once.
type bindingREST struct {
	store *genericregistry.Store
}

var _ rest.NamedCreater = &bindingREST{}

func (r *bindingREST) New() runtime.Object { return &corev1.Binding{} }
func (r *bindingREST) Destroy()            {}

func (r *bindingREST) Create(ctx context.Context, name string, obj runtime.Object, createValidation rest.ValidateObjectFunc, options *metav1.CreateOptions) (runtime.Object, error) {
	b, ok := obj.(*corev1.Binding)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("not a Binding: %T", obj))
	}
	if b.Name != name {
		return nil, apierrors.NewBadRequest("name in URL does not match name in Binding object")
	}
	if errs := validateBinding(b); len(errs) > 0 {
		return nil, apierrors.NewInvalid(corev1.SchemeGroupVersion.WithKind("Binding").GroupKind(), name, errs)
	}
	if createValidation != nil {
		if err := createValidation(ctx, b); err != nil {
			return nil, err
		}
	}
	key, err := r.store.KeyFunc(ctx, name)
	if err != nil {
		return nil, err
	}
	dryRun := options != nil && len(options.DryRun) > 0
	err = r.store.Storage.GuaranteedUpdate(ctx, key, &corev1.Pod{}, false, nil,
		storage.SimpleUpdate(func(obj runtime.Object) (runtime.Object, error) {
			return bindPod(obj.(*corev1.Pod), b.Target.Name)
		}), dryRun, nil)
	if err != nil {
		return nil, storeerr.InterpretUpdateError(err, corev1.Resource("pods"), name)
	}
	return &metav1.Status{Status: metav1.StatusSuccess, Code: http.StatusCreated}, nil
}

func validateBinding(b *corev1.Binding) field.ErrorList {
	var errs field.ErrorList
	target := field.NewPath("target")
	if b.Target.Kind != "" && b.Target.Kind != "Node" {
		errs = append(errs, field.NotSupported(target.Child("kind"), b.Target.Kind, []string{"Node", "<empty>"}))
	}
	if b.Target.Name == "" {
		errs = append(errs, field.Required(target.Child("name"), ""))
	}
	return errs
}

func bindPod(pod *corev1.Pod, node string) (*corev1.Pod, error) {
	gr := corev1.Resource("pods")
	if pod.DeletionTimestamp != nil {
		return nil, apierrors.NewConflict(gr, pod.Name, fmt.Errorf("pod %s is being deleted, cannot be assigned to a host", pod.Name))
	}
	if pod.Spec.NodeName != "" {
		return nil, apierrors.NewConflict(gr, pod.Name, fmt.Errorf("pod %v is already assigned to node %q", pod.Name, pod.Spec.NodeName))
	}
	pod.Spec.NodeName = node
	setCondition(&pod.Status.Conditions, corev1.PodCondition{
		Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: metav1.Now(),
	})
	return pod, nil
}

func setCondition(conds *[]corev1.PodCondition, c corev1.PodCondition) {
	for i := range *conds {
		if (*conds)[i].Type == c.Type {
			(*conds)[i] = c
			return
		}
	}
	*conds = append(*conds, c)
}

func metaOf(obj runtime.Object) (metav1.Object, error) { return meta.Accessor(obj) }
