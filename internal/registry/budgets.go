package registry

import (
	"fmt"
	"net/http"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/ordo-dev/ordo/internal/api/budget"
)

// evictionRetry is kube-apiserver's: up to 20 tries half a second apart
// when the pod or its budget changed between read and write.
var evictionRetry = wait.Backoff{Steps: 20, Duration: 500 * time.Millisecond, Factor: 1.0, Jitter: 0.1}

// Kubernetes' words for a refused eviction.
const (
	violatesBudget = "Cannot evict pod as it would violate the pod's disruption budget."
	severalBudgets = "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
)

// budgetApplies is false for pods whose eviction disrupts nothing more:
// finished, still pending, or already being deleted.
func budgetApplies(pod *corev1.Pod) bool {
	switch pod.Status.Phase {
	case corev1.PodSucceeded, corev1.PodFailed, corev1.PodPending:
		return false
	}
	return pod.DeletionTimestamp == nil
}

// pinned adds a precondition on pod's resourceVersion to opts (unless the
// caller set one), so the pod is deleted only as it was judged: a pod
// that became Ready meanwhile is not deleted without its budget's say.
// Finished and deleting pods need no pin.
func pinned(opts *metav1.DeleteOptions, pod *corev1.Pod) *metav1.DeleteOptions {
	if hasResourceVersion(opts) || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed || pod.DeletionTimestamp != nil {
		return opts
	}
	out := opts.DeepCopy()
	if out.Preconditions == nil {
		out.Preconditions = &metav1.Preconditions{}
	}
	rv := pod.ResourceVersion
	out.Preconditions.ResourceVersion = &rv
	return out
}

func hasResourceVersion(opts *metav1.DeleteOptions) bool {
	return opts.Preconditions != nil && opts.Preconditions.ResourceVersion != nil && *opts.Preconditions.ResourceVersion != ""
}

// oneBudget picks the budget covering pod out of its namespace's; the
// Eviction API supports at most one.
func oneBudget(all []*policyv1.PodDisruptionBudget, pod *corev1.Pod) (*policyv1.PodDisruptionBudget, error) {
	covering := budget.Covering(all, pod)
	switch len(covering) {
	case 0:
		return nil, nil
	case 1:
		return covering[0], nil
	}
	return nil, &apierrors.StatusError{ErrStatus: metav1.Status{Status: metav1.StatusFailure,
		Code: http.StatusInternalServerError, Message: severalBudgets}}
}

// verdict is judgeEviction's decision about one eviction.
type verdict struct {
	// refuse, when set, is the error the eviction fails with.
	refuse error
	// spent is the budget with one disruption spent on the pod, to be
	// written before the pod is deleted; nil writes nothing.
	spent *policyv1.PodDisruptionBudget
	// pinPod deletes the pod only at the resourceVersion judged.
	pinPod bool
}

// judgeEviction decides, as kube-apiserver does, whether pod (running, not
// being deleted) may be evicted under pdb at now. A pod that is not Ready
// counts for nothing in the budget: with unhealthyPodEvictionPolicy
// AlwaysAllow, or while the budget has its desired healthy pods, it goes
// without spending a disruption. A Ready pod spends one.
func judgeEviction(pod *corev1.Pod, pdb *policyv1.PodDisruptionBudget, now metav1.Time) verdict {
	if !budget.Healthy(pod) {
		if p := pdb.Spec.UnhealthyPodEvictionPolicy; p != nil && *p == policyv1.AlwaysAllow {
			return verdict{pinPod: true}
		}
		if pdb.Status.CurrentHealthy >= pdb.Status.DesiredHealthy && pdb.Status.DesiredHealthy > 0 {
			return verdict{pinPod: true}
		}
		return verdict{refuse: tooManyRequests(0, fmt.Sprintf("The disruption budget %s does not allow evicting pods currently", pdb.Name))}
	}
	spent, err := spend(pdb, pod.Name, now)
	return verdict{spent: spent, refuse: err}
}

// spend takes one disruption from pdb for the pod named podName and
// records it in status.disruptedPods, so the controller does not count the
// pod as healthy while its deletion is under way.
func spend(pdb *policyv1.PodDisruptionBudget, podName string, now metav1.Time) (*policyv1.PodDisruptionBudget, error) {
	s := pdb.Status
	switch {
	case s.ObservedGeneration < pdb.Generation:
		return nil, tooManyRequests(10, fmt.Sprintf("The disruption budget %s is still being processed by the server.", pdb.Name))
	case s.DisruptionsAllowed < 0:
		return nil, apierrors.NewForbidden(policyv1.Resource("poddisruptionbudget"), pdb.Name, fmt.Errorf("pdb disruptions allowed is negative"))
	case len(s.DisruptedPods) > budget.MaxDisruptedPods:
		return nil, apierrors.NewForbidden(policyv1.Resource("poddisruptionbudget"), pdb.Name, fmt.Errorf("DisruptedPods map too big - too many evictions not confirmed by PDB controller"))
	case s.DisruptionsAllowed == 0:
		return nil, tooManyRequests(0, fmt.Sprintf("The disruption budget %s needs %d healthy pods and has %d currently", pdb.Name, s.DesiredHealthy, s.CurrentHealthy))
	}
	out := pdb.DeepCopy()
	out.Status.DisruptionsAllowed--
	if out.Status.DisruptionsAllowed == 0 {
		budget.SetDisruptionAllowed(&out.Status, now)
	}
	if out.Status.DisruptedPods == nil {
		out.Status.DisruptedPods = map[string]metav1.Time{}
	}
	out.Status.DisruptedPods[podName] = now
	return out, nil
}

// tooManyRequests is the 429 of a refused eviction, with the budget's
// reason as a DisruptionBudget cause.
func tooManyRequests(retryAfterSeconds int, cause string) error {
	err := apierrors.NewTooManyRequests(violatesBudget, retryAfterSeconds)
	err.ErrStatus.Details.Causes = append(err.ErrStatus.Details.Causes,
		metav1.StatusCause{Type: policyv1.DisruptionBudgetCause, Message: cause})
	return err
}
