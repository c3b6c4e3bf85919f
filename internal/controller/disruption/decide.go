package disruption

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/ordo-dev/ordo/internal/api/budget"
)

// workload is the controller whose scale counts for a pod: a Deployment
// for the pods of its ReplicaSets, else the pod's own controller.
type workload struct {
	uid      types.UID
	replicas int32
}

// input is everything decide looks at.
type input struct {
	pdb  *policyv1.PodDisruptionBudget
	pods []*corev1.Pod
	// scales maps the UID of each pod's controller to its workload; a pod
	// whose controller is missing has none that ordo can find.
	scales map[types.UID]workload
	now    time.Time
}

// plan is decide's result.
type plan struct {
	// status is the budget's new status; write says it differs.
	status policyv1.PodDisruptionBudgetStatus
	write  bool
	// recheck is when the oldest recorded disruption times out; nil when
	// none is pending.
	recheck *time.Duration
	// unmanaged names selected pods without a controller (counted by an
	// integer minAvailable only); notDeleted names pods recorded as
	// disrupted whose deletion did not come in time.
	unmanaged, notDeleted []string
	// failure is why the status could not be computed (SyncFailed).
	failure error
}

// decide computes a budget's status from its pods, as Kubernetes'
// disruption controller does.
func decide(in input) plan {
	expected, desired, unmanaged, err := expectedPods(in)
	if err != nil {
		return failSafe(in.pdb, err, in.now)
	}
	disrupted, recheckAt, notDeleted := disruptedPods(in.pdb, in.pods, in.now)
	healthy := currentHealthy(in.pods, disrupted, in.now)
	allowed := healthy - desired
	if expected <= 0 || allowed < 0 {
		allowed = 0
	}
	s := policyv1.PodDisruptionBudgetStatus{
		ObservedGeneration: in.pdb.Generation,
		DisruptedPods:      disrupted,
		DisruptionsAllowed: allowed,
		CurrentHealthy:     healthy,
		DesiredHealthy:     desired,
		ExpectedPods:       expected,
		Conditions:         copyConditions(in.pdb.Status.Conditions),
	}
	budget.SetDisruptionAllowed(&s, metav1.NewTime(in.now))
	p := plan{status: s, write: !sameStatus(&in.pdb.Status, &s), unmanaged: unmanaged, notDeleted: notDeleted}
	if recheckAt != nil {
		d := recheckAt.Sub(in.now)
		p.recheck = &d
	}
	return p
}

// expectedPods returns the expected and desired healthy counts and the
// unmanaged pods.
func expectedPods(in input) (expected, desired int32, unmanaged []string, err error) {
	spec := in.pdb.Spec
	switch {
	case spec.MaxUnavailable != nil:
		if expected, unmanaged, err = expectedScale(in); err != nil {
			return 0, 0, nil, err
		}
		maxUnavailable, err := intstr.GetScaledValueFromIntOrPercent(spec.MaxUnavailable, int(expected), true)
		if err != nil {
			return 0, 0, nil, err
		}
		desired = max(expected-int32(maxUnavailable), 0)
	case spec.MinAvailable != nil && spec.MinAvailable.Type == intstr.Int:
		return int32(len(in.pods)), spec.MinAvailable.IntVal, nil, nil
	case spec.MinAvailable != nil:
		if expected, unmanaged, err = expectedScale(in); err != nil {
			return 0, 0, nil, err
		}
		minAvailable, err := intstr.GetScaledValueFromIntOrPercent(spec.MinAvailable, int(expected), true)
		if err != nil {
			return 0, 0, nil, err
		}
		desired = int32(minAvailable)
	}
	return expected, desired, unmanaged, nil
}

// expectedScale adds up the scale of the workloads behind the pods, each
// once; pods without a controller are unmanaged and count for nothing.
func expectedScale(in input) (int32, []string, error) {
	seen := map[types.UID]bool{}
	var total int32
	var unmanaged []string
	for _, pod := range in.pods {
		ref := metav1.GetControllerOf(pod)
		if ref == nil {
			unmanaged = append(unmanaged, pod.Name)
			continue
		}
		w, ok := in.scales[ref.UID]
		if !ok {
			return 0, nil, fmt.Errorf("found no controllers for pod %q", pod.Name)
		}
		if !seen[w.uid] {
			seen[w.uid] = true
			total += w.replicas
		}
	}
	return total, unmanaged, nil
}

// disruptedPods keeps the recorded disruptions of pods still present, not
// yet being deleted and within the deletion timeout; it returns when the
// first of them times out, and the pods whose deletion did not come.
func disruptedPods(pdb *policyv1.PodDisruptionBudget, pods []*corev1.Pod, now time.Time) (map[string]metav1.Time, *time.Time, []string) {
	out := map[string]metav1.Time{}
	var recheck *time.Time
	var late []string
	for _, pod := range pods {
		at, found := pdb.Status.DisruptedPods[pod.Name]
		if !found || pod.DeletionTimestamp != nil {
			continue
		}
		expires := at.Add(budget.DeletionTimeout)
		if expires.Before(now) {
			late = append(late, pod.Name)
			continue
		}
		if recheck == nil || expires.Before(*recheck) {
			recheck = &expires
		}
		out[pod.Name] = at
	}
	return out, recheck, late
}

// currentHealthy counts Ready pods neither being deleted nor about to be.
func currentHealthy(pods []*corev1.Pod, disrupted map[string]metav1.Time, now time.Time) int32 {
	var n int32
	for _, pod := range pods {
		if pod.DeletionTimestamp != nil {
			continue
		}
		if at, found := disrupted[pod.Name]; found && at.Add(budget.DeletionTimeout).After(now) {
			continue
		}
		if budget.Healthy(pod) {
			n++
		}
	}
	return n
}

// failSafe allows no disruption and says why in the condition.
func failSafe(pdb *policyv1.PodDisruptionBudget, err error, now time.Time) plan {
	s := *pdb.Status.DeepCopy()
	s.DisruptionsAllowed = 0
	if s.Conditions == nil {
		s.Conditions = []metav1.Condition{}
	}
	apimeta.SetStatusCondition(&s.Conditions, metav1.Condition{Type: policyv1.DisruptionAllowedCondition,
		Status: metav1.ConditionFalse, Reason: policyv1.SyncFailedReason, Message: err.Error(),
		ObservedGeneration: s.ObservedGeneration, LastTransitionTime: metav1.NewTime(now)})
	return plan{status: s, write: !sameStatus(&pdb.Status, &s), failure: err}
}

// sameStatus compares two statuses, ignoring the conditions' transition
// times (SetStatusCondition keeps them when nothing else changed).
func sameStatus(a, b *policyv1.PodDisruptionBudgetStatus) bool {
	if len(a.DisruptedPods) == 0 && len(b.DisruptedPods) == 0 {
		a, b = a.DeepCopy(), b.DeepCopy()
		a.DisruptedPods, b.DisruptedPods = nil, nil
	}
	return equality.Semantic.DeepEqual(a, b)
}

func copyConditions(cs []metav1.Condition) []metav1.Condition {
	if cs == nil {
		return nil
	}
	return append([]metav1.Condition{}, cs...)
}
