package scheduler

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"
)

// Kubernetes' words for a preemption.
const (
	eventPreempted         = "Preempted"
	reasonPreemptionBySchd = "PreemptionByScheduler"
)

// budgetsOf lists every PodDisruptionBudget from the cache; preemption
// tries not to break them.
func (c *Controller) budgetsOf() []*policyv1.PodDisruptionBudget {
	all, err := c.budgets.List(everything)
	if err != nil {
		return nil
	}
	return all
}

// preempt deletes p's victims to make room for pod, as Kubernetes'
// scheduler does: each victim first gets the DisruptionTarget condition
// (reason PreemptionByScheduler), then is deleted with its own grace
// period, and a Preempted event says by whom. The pod waits, nominated
// to the node, until the victims are gone.
func (c *Controller) preempt(ctx context.Context, pod *corev1.Pod, p *preemption) error {
	logger := klog.FromContext(ctx)
	for _, v := range p.victims {
		if err := c.markPreempted(ctx, v); err != nil {
			return err
		}
		err := c.client.CoreV1().Pods(v.Namespace).Delete(ctx, v.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &v.UID}})
		if err != nil && !apierrors.IsNotFound(err) {
			return err
		}
		c.recorder.Eventf(v, corev1.EventTypeNormal, eventPreempted, "Preempted by pod %s on node %s", pod.UID, p.node)
		logger.Info("Preempted pod", "victim", klog.KObj(v), "preemptor", klog.KObj(pod), "node", p.node)
	}
	return nil
}

func (c *Controller) markPreempted(ctx context.Context, v *corev1.Pod) error {
	updated := v.DeepCopy()
	cond := corev1.PodCondition{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue, Reason: reasonPreemptionBySchd,
		Message:            fmt.Sprintf("%s: preempting to accommodate a higher priority pod", corev1.DefaultSchedulerName),
		LastTransitionTime: metav1.NewTime(c.clock.Now())}
	replaced := false
	for i := range updated.Status.Conditions {
		if updated.Status.Conditions[i].Type == corev1.DisruptionTarget {
			updated.Status.Conditions[i], replaced = cond, true
		}
	}
	if !replaced {
		updated.Status.Conditions = append(updated.Status.Conditions, cond)
	}
	_, err := c.client.CoreV1().Pods(v.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
