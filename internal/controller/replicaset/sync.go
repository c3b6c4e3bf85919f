package replicaset

import (
	"context"
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	"github.com/ordo-dev/ordo/internal/controller/controllerref"
)

// sync brings one ReplicaSet's pods to spec.replicas and writes its status.
func (c *Controller) sync(ctx context.Context, key string) (*time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil, nil
	}
	rs, err := c.w.get(ns, name)
	if apierrors.IsNotFound(err) {
		c.expect.Forget(key)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	sel, err := selectorOf(rs)
	if err != nil {
		return nil, nil // validation refuses such selectors; nothing to do
	}
	now := c.clock.Now()
	pods, err := controllerref.ClaimPods(ctx, c.client, c.pods.GetIndexer(), controllerref.Owner{
		Object: rs, Kind: c.w.kind, Selector: sel,
		Fresh: func(ctx context.Context) (metav1.Object, error) {
			return c.w.fresh(ctx, ns, name)
		},
	})
	if err != nil {
		return nil, err
	}
	// Until the cache shows what the last sync did, it neither acts nor
	// changes the last sync's verdict on failures.
	failure := currentFailure(rs)
	if rs.DeletionTimestamp == nil && c.expect.Satisfied(key, now) {
		failure = c.manage(ctx, key, rs, activePods(pods), now)
	}
	return c.writeStatus(ctx, rs, pods, failure, now)
}

// currentFailure is the ReplicaFailure condition rs has, if any.
func currentFailure(rs *appsv1.ReplicaSet) *appsv1.ReplicaSetCondition {
	for i, c := range rs.Status.Conditions {
		if c.Type == appsv1.ReplicaSetReplicaFailure {
			return &rs.Status.Conditions[i]
		}
	}
	return nil
}

// manage creates or deletes pods as manage() decided; a failure becomes
// the ReplicaFailure condition, as in Kubernetes.
func (c *Controller) manage(ctx context.Context, key string, rs *appsv1.ReplicaSet, active []*corev1.Pod, now time.Time) *appsv1.ReplicaSetCondition {
	want := 0
	if rs.Spec.Replicas != nil {
		want = int(*rs.Spec.Replicas)
	}
	create, remove := manage(want, active, now)
	if create > 0 {
		if err := c.createPods(ctx, key, rs, create, now); err != nil {
			return &appsv1.ReplicaSetCondition{Type: appsv1.ReplicaSetReplicaFailure, Status: corev1.ConditionTrue,
				Reason: "FailedCreate", Message: err.Error(), LastTransitionTime: metav1.NewTime(now)}
		}
	}
	for _, p := range remove {
		if err := c.pc.Delete(ctx, key, rs, p, now); err != nil {
			return &appsv1.ReplicaSetCondition{Type: appsv1.ReplicaSetReplicaFailure, Status: corev1.ConditionTrue,
				Reason: "FailedDelete", Message: err.Error(), LastTransitionTime: metav1.NewTime(now)}
		}
	}
	return nil
}

// createPods creates n pods in slow-start batches (podcontrol.SlowStart).
func (c *Controller) createPods(ctx context.Context, key string, rs *appsv1.ReplicaSet, n int, now time.Time) error {
	return c.pc.SlowStart(key, n, now, func(int) error {
		_, err := c.pc.Create(ctx, rs, newPod(rs, c.w.kind))
		return err
	})
}

// writeStatus writes the status when it changed and says when to look
// again (a pod turning available after minReadySeconds).
func (c *Controller) writeStatus(ctx context.Context, rs *appsv1.ReplicaSet, pods []*corev1.Pod, failure *appsv1.ReplicaSetCondition, now time.Time) (*time.Duration, error) {
	st, next := computeStatus(rs, pods, failure, now)
	if equality.Semantic.DeepEqual(st, rs.Status) {
		return next, nil
	}
	updated := rs.DeepCopy()
	updated.Status = st
	err := c.w.updateStatus(ctx, updated)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("status of %s %s/%s: %w", c.w.kind.Kind, rs.Namespace, rs.Name, err)
	}
	klog.FromContext(ctx).V(4).Info("Updated status", strings.ToLower(c.w.kind.Kind), klog.KObj(rs), "replicas", st.Replicas, "ready", st.ReadyReplicas)
	return next, nil
}
