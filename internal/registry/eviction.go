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
	"k8s.io/client-go/util/retry"
)

// evictionREST serves pods/eviction, the Eviction API of kubectl drain,
// as kube-apiserver does: a pod that has finished, is still pending or is
// already being deleted is deleted at once; otherwise the one
// PodDisruptionBudget that covers it (budgets.go) must allow the eviction,
// which spends one of its disruptionsAllowed and records the pod in
// status.disruptedPods before the pod is deleted. A deleted running pod
// first gets the DisruptionTarget condition (reason EvictionByEvictionAPI),
// which Jobs' podFailurePolicy can match.
type evictionREST struct {
	store *genericregistry.Store
	// budgets reads and spends PodDisruptionBudgets; nil evicts as if
	// no budget existed.
	budgets DisruptionBudgets
}

// DisruptionBudgets reads and writes PodDisruptionBudgets for
// pods/eviction, through the API server's loopback: the registry reaches
// other kinds only through the API, never through a controller.
type DisruptionBudgets interface {
	List(ctx context.Context, namespace string) ([]*policyv1.PodDisruptionBudget, error)
	Get(ctx context.Context, namespace, name string) (*policyv1.PodDisruptionBudget, error)
	UpdateStatus(ctx context.Context, pdb *policyv1.PodDisruptionBudget) error
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
	if err := r.evict(ctx, name, deleteOpts); err != nil {
		return nil, err
	}
	return &metav1.Status{Status: metav1.StatusSuccess, Code: http.StatusCreated}, nil
}

// evict is the Eviction API's sequence; conflicts (a pod or budget
// changed meanwhile) are retried unless the caller gave a resourceVersion
// precondition of its own.
func (r *evictionREST) evict(ctx context.Context, name string, opts *metav1.DeleteOptions) error {
	retriable := apierrors.IsConflict
	if hasResourceVersion(opts) {
		retriable = func(error) bool { return false }
	}
	var pod *corev1.Pod
	done := false
	err := retry.OnError(evictionRetry, retriable, func() error {
		var err error
		if pod, err = r.getPod(ctx, name); err != nil {
			return err
		}
		if !budgetApplies(pod) {
			done = true
			return r.deletePod(ctx, name, pinned(opts, pod))
		}
		return nil
	})
	if err != nil || done {
		return err
	}
	pdb, err := r.coveringBudget(ctx, pod)
	if err != nil || pdb == nil {
		if err == nil {
			err = r.deletePod(ctx, name, opts)
		}
		return err
	}
	pinPod := false
	err = retry.OnError(evictionRetry, retriable, func() error {
		current, err := r.budgets.Get(ctx, pod.Namespace, pdb.Name)
		if err != nil {
			return err
		}
		v := judgeEviction(pod, current, metav1.Now())
		if v.refuse != nil {
			return v.refuse
		}
		pinPod = v.pinPod
		if v.spent == nil || len(opts.DryRun) > 0 {
			return nil
		}
		return r.budgets.UpdateStatus(ctx, v.spent)
	})
	if err != nil {
		return err
	}
	if pinPod {
		opts = pinned(opts, pod)
	}
	return r.deletePod(ctx, name, opts)
}

// coveringBudget returns the one budget covering pod, nil when none does,
// and Kubernetes' 500 when several do.
func (r *evictionREST) coveringBudget(ctx context.Context, pod *corev1.Pod) (*policyv1.PodDisruptionBudget, error) {
	if r.budgets == nil {
		return nil, nil
	}
	all, err := r.budgets.List(ctx, pod.Namespace)
	if err != nil {
		return nil, err
	}
	return oneBudget(all, pod)
}

func (r *evictionREST) getPod(ctx context.Context, name string) (*corev1.Pod, error) {
	obj, err := r.store.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	return obj.(*corev1.Pod), nil
}

// deletePod marks the pod with DisruptionTarget and deletes it; a
// resourceVersion precondition is carried over the condition's own write.
func (r *evictionREST) deletePod(ctx context.Context, name string, opts *metav1.DeleteOptions) error {
	rv, err := r.markDisruption(ctx, name, opts)
	if err != nil {
		return err
	}
	if hasResourceVersion(opts) && rv != "" {
		opts = opts.DeepCopy()
		opts.Preconditions.ResourceVersion = &rv
	}
	_, _, err = r.store.Delete(ctx, name, rest.ValidateAllObjectFunc, opts)
	return err
}

// markDisruption adds the DisruptionTarget condition to a pod that has not
// finished, checking the eviction's UID and resourceVersion preconditions,
// and returns the pod's new resourceVersion ("" when nothing was written).
func (r *evictionREST) markDisruption(ctx context.Context, name string, opts *metav1.DeleteOptions) (string, error) {
	key, err := r.store.KeyFunc(ctx, name)
	if err != nil {
		return "", err
	}
	dryRun := len(opts.DryRun) > 0
	out := &corev1.Pod{}
	err = r.store.Storage.GuaranteedUpdate(ctx, key, out, false, nil,
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
		return "", nil
	}
	if err != nil {
		return "", storeerr.InterpretUpdateError(err, corev1.Resource("pods"), name)
	}
	if dryRun {
		return "", nil
	}
	return out.ResourceVersion, nil
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
