package deployment

import (
	"context"
	"fmt"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"
)

// sync moves one Deployment's rollout one step on and writes its status.
func (c *Controller) sync(ctx context.Context, key string) (*time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil, nil
	}
	d, err := c.dLister.Deployments(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	owned, err := c.claimSets(ctx, d)
	if err != nil {
		return nil, err
	}
	s := split(d, owned)
	progressed := ""
	if d.DeletionTimestamp == nil {
		if s, progressed, err = c.rollout(ctx, d, s); err != nil {
			return nil, err
		}
		c.cleanup(ctx, d, s)
	}
	st := computeStatus(d, s, progressed, c.clock.Now())
	if !equality.Semantic.DeepEqual(st, d.Status) {
		updated := d.DeepCopy()
		updated.Status = st
		if _, err := c.client.AppsV1().Deployments(ns).UpdateStatus(ctx, updated, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return nil, err
		}
	}
	if cond := condition(&st, appsv1.DeploymentProgressing); cond != nil && cond.Status == corev1.ConditionTrue && cond.Reason != reasonNewRSAvailable {
		after := time.Duration(ptr.Deref(d.Spec.ProgressDeadlineSeconds, defaultProgressSeconds))*time.Second + time.Second
		return &after, nil // to see the deadline pass
	}
	return nil, nil
}

// split finds the new ReplicaSet (the one running the template) among
// the owned ones.
func split(d *appsv1.Deployment, owned []*appsv1.ReplicaSet) sets {
	var s sets
	for _, rs := range owned {
		if s.newRS == nil && sameTemplate(rs, &d.Spec.Template) {
			s.newRS = rs
			continue
		}
		s.old = append(s.old, rs)
	}
	return s
}

// rollout takes one step of the strategy: make sure the new ReplicaSet
// exists (unless paused), grow it and shrink the old ones within maxSurge
// and maxUnavailable (RollingUpdate), or empty the old ones first
// (Recreate). It returns the ReplicaSets as they now are and the
// Progressing reason of what it did ("" for nothing).
func (c *Controller) rollout(ctx context.Context, d *appsv1.Deployment, s sets) (sets, string, error) {
	if d.Spec.Paused || isScalingEvent(d, s) {
		return s, "", c.resize(ctx, d, &s)
	}
	progressed := ""
	if d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType {
		scaleOld, startNew := recreateStep(s, c.podsOf(s.old))
		if err := c.scaleOld(ctx, d, &s, scaleOld); err != nil {
			return s, "", err
		}
		if !startNew {
			return s, reasonRSUpdatedIf(len(scaleOld) > 0), nil
		}
	}
	if s.newRS == nil {
		rs, err := c.createNew(ctx, d, s)
		if err != nil {
			return s, "", err
		}
		s.newRS, progressed = rs, reasonNewRSCreated
	} else if err := c.bumpRevision(ctx, d, &s); err != nil {
		return s, "", err
	}
	if want := newReplicas(d, s); want != replicasOf(s.newRS.Spec.Replicas) {
		rs, err := c.scale(ctx, d, s.newRS, want)
		if err != nil {
			return s, "", err
		}
		s.newRS, progressed = rs, first(progressed, reasonRSUpdated)
	}
	if d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		down := scaleDownOld(d, s)
		if err := c.scaleOld(ctx, d, &s, down); err != nil {
			return s, "", err
		}
		if len(down) > 0 {
			progressed = first(progressed, reasonRSUpdated)
		}
	}
	return s, progressed, c.annotateRevision(ctx, d, s.newRS)
}

// resize is the step of a paused Deployment or of one whose replicas
// changed: the ReplicaSets take scaleSizes, and nothing rolls on.
func (c *Controller) resize(ctx context.Context, d *appsv1.Deployment, s *sets) error {
	sizes := scaleSizes(d, *s)
	if s.newRS != nil {
		if n, ok := sizes[s.newRS.Name]; ok {
			rs, err := c.scale(ctx, d, s.newRS, n)
			if err != nil {
				return err
			}
			s.newRS = rs
		}
	}
	return c.scaleOld(ctx, d, s, sizes)
}

func reasonRSUpdatedIf(b bool) string {
	if b {
		return reasonRSUpdated
	}
	return ""
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// createNew creates the ReplicaSet of the current template at the next
// revision. A ReplicaSet of that name with another template is a hash
// collision: the collision count moves on and the next sync names it anew.
func (c *Controller) createNew(ctx context.Context, d *appsv1.Deployment, s sets) (*appsv1.ReplicaSet, error) {
	rs := newReplicaSet(d, 0, nextRevision(s.old))
	rs.Spec.Replicas = ptr.To(newReplicas(d, sets{newRS: rs, old: s.old}))
	for k, v := range scaleAnnotations(d) {
		rs.Annotations[k] = v
	}
	got, err := c.client.AppsV1().ReplicaSets(d.Namespace).Create(ctx, rs, metav1.CreateOptions{})
	if err == nil {
		c.recorder.Eventf(d, corev1.EventTypeNormal, "ScalingReplicaSet", "Scaled up replica set %s from 0 to %d", got.Name, *got.Spec.Replicas)
		return got, nil
	}
	if !apierrors.IsAlreadyExists(err) {
		return nil, err
	}
	existing, gerr := c.client.AppsV1().ReplicaSets(d.Namespace).Get(ctx, rs.Name, metav1.GetOptions{})
	if gerr == nil && sameTemplate(existing, &d.Spec.Template) && metav1.IsControlledBy(existing, d) {
		return existing, nil
	}
	bumped := d.DeepCopy()
	bumped.Status.CollisionCount = ptr.To(ptr.Deref(d.Status.CollisionCount, 0) + 1)
	if _, err := c.client.AppsV1().Deployments(d.Namespace).UpdateStatus(ctx, bumped, metav1.UpdateOptions{}); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("replicaset %s collides; collisionCount is now %d", rs.Name, *bumped.Status.CollisionCount)
}

// bumpRevision gives a reused ReplicaSet (a rollback to an old template)
// the newest revision, as Kubernetes does.
func (c *Controller) bumpRevision(ctx context.Context, d *appsv1.Deployment, s *sets) error {
	next := nextRevision(s.old)
	if revisionOf(s.newRS) >= next {
		return nil
	}
	rs := s.newRS.DeepCopy()
	if rs.Annotations == nil {
		rs.Annotations = map[string]string{}
	}
	rs.Annotations[revisionAnnotation] = strconv.FormatInt(next, 10)
	got, err := c.client.AppsV1().ReplicaSets(d.Namespace).Update(ctx, rs, metav1.UpdateOptions{})
	if err == nil {
		s.newRS = got
	}
	return err
}

// scale sets a ReplicaSet's replicas and its desired/max-replicas
// annotations, with Kubernetes' event when the size changes.
func (c *Controller) scale(ctx context.Context, d *appsv1.Deployment, rs *appsv1.ReplicaSet, n int32) (*appsv1.ReplicaSet, error) {
	from := replicasOf(rs.Spec.Replicas)
	if from == n && hasAnnotations(rs, scaleAnnotations(d)) {
		return rs, nil
	}
	updated := rs.DeepCopy()
	updated.Spec.Replicas = &n
	if updated.Annotations == nil {
		updated.Annotations = map[string]string{}
	}
	for k, v := range scaleAnnotations(d) {
		updated.Annotations[k] = v
	}
	got, err := c.client.AppsV1().ReplicaSets(rs.Namespace).Update(ctx, updated, metav1.UpdateOptions{})
	if err != nil {
		return rs, err
	}
	if from == n {
		return got, nil
	}
	verb := "up"
	if n < from {
		verb = "down"
	}
	c.recorder.Eventf(d, corev1.EventTypeNormal, "ScalingReplicaSet", "Scaled %s replica set %s from %d to %d", verb, rs.Name, from, n)
	return got, nil
}

func hasAnnotations(rs *appsv1.ReplicaSet, want map[string]string) bool {
	for k, v := range want {
		if rs.Annotations[k] != v {
			return false
		}
	}
	return true
}

func (c *Controller) scaleOld(ctx context.Context, d *appsv1.Deployment, s *sets, sizes map[string]int32) error {
	for i, rs := range s.old {
		if n, ok := sizes[rs.Name]; ok {
			got, err := c.scale(ctx, d, rs, n)
			if err != nil {
				return err
			}
			s.old[i] = got
		}
	}
	return nil
}

// annotateRevision keeps the Deployment's revision annotation at its new
// ReplicaSet's, which kubectl rollout status and history read.
func (c *Controller) annotateRevision(ctx context.Context, d *appsv1.Deployment, rs *appsv1.ReplicaSet) error {
	rev := rs.Annotations[revisionAnnotation]
	if rev == "" || d.Annotations[revisionAnnotation] == rev {
		return nil
	}
	updated := d.DeepCopy()
	if updated.Annotations == nil {
		updated.Annotations = map[string]string{}
	}
	updated.Annotations[revisionAnnotation] = rev
	_, err := c.client.AppsV1().Deployments(d.Namespace).Update(ctx, updated, metav1.UpdateOptions{})
	if apierrors.IsConflict(err) {
		return nil // the next sync sees the newer Deployment
	}
	return err
}

// cleanup deletes the oldest empty old ReplicaSets beyond
// revisionHistoryLimit (default 10). Failures wait for the next sync.
func (c *Controller) cleanup(ctx context.Context, d *appsv1.Deployment, s sets) {
	limit := int(ptr.Deref(d.Spec.RevisionHistoryLimit, 10))
	var empty []*appsv1.ReplicaSet
	for _, rs := range s.old {
		if replicasOf(rs.Spec.Replicas) == 0 && rs.Status.Replicas == 0 && rs.DeletionTimestamp == nil {
			empty = append(empty, rs)
		}
	}
	if len(empty) <= limit {
		return
	}
	sortByRevision(empty)
	for _, rs := range empty[:len(empty)-limit] {
		_ = c.client.AppsV1().ReplicaSets(d.Namespace).Delete(ctx, rs.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &rs.UID}})
	}
}
