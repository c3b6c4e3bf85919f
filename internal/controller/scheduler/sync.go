package scheduler

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
)

// Event reasons, as Kubernetes' scheduler records them.
const (
	eventScheduled        = "Scheduled"
	eventFailedScheduling = "FailedScheduling"
)

// sync places one pod. A pod whose attempt failed with an error is
// retried by the queue, so it is not left parked.
func (c *Controller) sync(ctx context.Context, key string) (*time.Duration, error) {
	after, err := c.attempt(ctx, key)
	if err != nil {
		c.state.unpark(key)
	}
	return after, err
}

// attempt tries to place one pod unless it is parked or backing off:
// decide under the state lock, then bind or report.
func (c *Controller) attempt(ctx context.Context, key string) (*time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil, nil // not a key we queued; retrying cannot help
	}
	pod, err := c.podLister.Pods(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.state.forget(key)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !needsScheduling(pod) || c.state.isAssumed(key, pod.UID) {
		return nil, nil
	}
	wait, cycle := c.state.begin(key, pod, c.clock.Now())
	if wait > 0 {
		return &wait, nil
	}
	nodes, err := c.nodeLister.List(everything)
	if err != nil {
		return nil, err
	}
	if blocked, err := volumesBlock(pod, c.claims); err != nil || blocked != "" {
		if err != nil {
			return nil, err
		}
		return c.unschedulable(ctx, key, pod, preFilterMessage(len(nodes), blocked), "", cycle)
	}
	vols, err := gatherVolumes(pod, c.claims)
	if err != nil {
		return nil, err
	}
	pending, err := c.podLister.List(everything)
	if err != nil {
		return nil, err
	}
	var node string
	var reasons map[string]int
	var preempt *preemption
	var nominated string
	c.state.decide(func() {
		placed := c.placed(nodes)
		c.state.addAssumed(placed)
		// view is pod as the scheduler knows it, with its nomination
		// even before the informer shows it.
		view := c.state.withNominations([]*corev1.Pod{pod})[0]
		placed = withNominated(view, placed, c.state.withNominations(pending))
		node, reasons = pickNode(view, nodes, placed, vols)
		if node != "" {
			c.state.assume(key, pod, node)
		} else if preempt = pickPreemption(view, fittingVolumes(nodes, vols), placed, c.budgetsOf()); preempt != nil {
			c.state.nominate(key, pod, preempt.node)
		}
		nominated = view.Status.NominatedNodeName
	})
	if node != "" && len(vols.delayed) > 0 {
		// VolumeBinding's PreBind: the claims are provisioned on the node
		// first, and the pod is bound once they are (their updates requeue it).
		c.state.unassume(key)
		if err := c.selectNode(ctx, vols, node); err != nil {
			return nil, err
		}
		after := volumeWait
		return &after, nil
	}
	if node != "" {
		return nil, c.bind(ctx, key, pod, node)
	}
	if preempt != nil {
		if err := c.preempt(ctx, pod, preempt); err != nil {
			return nil, err
		}
		nominated = preempt.node
	}
	return c.unschedulable(ctx, key, pod, failureMessage(len(nodes), reasons), nominated, cycle)
}

// bind posts pods/binding. 409 means the pod is already bound and 404
// that it is gone: either way there is nothing left to do, and the
// informer will show the truth, so the assumption is dropped.
func (c *Controller) bind(ctx context.Context, key string, pod *corev1.Pod, node string) error {
	err := c.client.CoreV1().Pods(pod.Namespace).Bind(ctx, &corev1.Binding{
		ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace, UID: pod.UID},
		Target:     corev1.ObjectReference{Kind: "Node", Name: node},
	}, metav1.CreateOptions{})
	if err != nil {
		c.state.unassume(key)
		if apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
			return nil
		}
		return err
	}
	c.recorder.Event(pod, corev1.EventTypeNormal, eventScheduled, scheduledMessage(pod, node))
	return nil
}

// unschedulable reports that no node fits (and, after a preemption, the
// node the pod is nominated to) and parks the pod until a cluster event
// moves it (or maxWaitUnschedulable passes). The FailedScheduling event is
// recorded per attempt, as Kubernetes does; attempts are rare now.
// cycle is begin's event count for this attempt.
func (c *Controller) unschedulable(ctx context.Context, key string, pod *corev1.Pod, msg, nominated string, cycle uint64) (*time.Duration, error) {
	updated := pod.DeepCopy()
	changed := setUnschedulable(&updated.Status, msg, pod.Generation, c.clock.Now())
	if nominated != "" && nominated != updated.Status.NominatedNodeName {
		updated.Status.NominatedNodeName, changed = nominated, true
	}
	if changed {
		_, err := c.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{})
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
	}
	c.recorder.Event(pod, corev1.EventTypeWarning, eventFailedScheduling, msg)
	after := c.state.park(key, pod, c.clock.Now(), cycle)
	return &after, nil
}
