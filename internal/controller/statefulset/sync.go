package statefulset

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	"github.com/ordo-dev/ordo/internal/controller/controllerref"
	"github.com/ordo-dev/ordo/internal/controller/revisions"
)

// sync runs one StatefulSet: claim its pods, settle its revisions, carry
// out plan's steps, free scaled-away claims, write status.
func (c *Controller) sync(ctx context.Context, key string) (*time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil, nil
	}
	set, err := c.setLister.StatefulSets(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	sel, err := metav1.LabelSelectorAsSelector(set.Spec.Selector)
	if err != nil {
		return nil, nil // validation refuses such selectors
	}
	claimed, err := controllerref.ClaimPods(ctx, c.client, c.pods.GetIndexer(), controllerref.Owner{
		Object: set, Kind: setKind, Selector: sel,
		Fresh: func(ctx context.Context) (metav1.Object, error) {
			return c.client.AppsV1().StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
		},
		Member: func(p metav1.Object) bool { return ordinalOfName(set, p.GetName()) >= 0 },
	})
	if err != nil {
		return nil, err
	}
	pods := map[int]*corev1.Pod{}
	for _, p := range claimed {
		if ord := ordinalOf(set, p); ord >= 0 {
			pods[ord] = p
		}
	}
	current, update, templates, err := c.settleRevisions(ctx, set)
	if err != nil {
		return nil, err
	}
	v := newView(set, pods, current, update, c.clock.Now())
	if set.DeletionTimestamp == nil {
		if err := c.settleClaimOwners(ctx, set, pods); err != nil {
			return nil, err
		}
		for _, a := range plan(v) {
			if err := c.do(ctx, set, a, templates); err != nil {
				return nil, err
			}
		}
	}
	return c.writeStatus(ctx, v)
}

// do carries out one step.
func (c *Controller) do(ctx context.Context, set *appsv1.StatefulSet, a action, templates map[string]*corev1.PodTemplateSpec) error {
	name := podName(set, a.ordinal)
	if a.kind == deletePod {
		err := c.client.CoreV1().Pods(set.Namespace).Delete(ctx, a.pod.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &a.pod.UID}})
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			return nil
		}
		if err != nil {
			c.recorder.Eventf(set, corev1.EventTypeWarning, "FailedDelete", "delete Pod %s in StatefulSet %s failed error: %v", name, set.Name, err)
			return err
		}
		c.recorder.Eventf(set, corev1.EventTypeNormal, "SuccessfulDelete", "delete Pod %s in StatefulSet %s successful", name, set.Name)
		return nil
	}
	if err := c.ensureClaims(ctx, set, a.ordinal); err != nil {
		return err
	}
	template := templates[a.revision]
	if template == nil {
		template = &set.Spec.Template
	}
	_, err := c.client.CoreV1().Pods(set.Namespace).Create(ctx, newPod(set, template, a.revision, a.ordinal), metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil // the cache is behind; the pod is there
	}
	if err != nil {
		c.recorder.Eventf(set, corev1.EventTypeWarning, "FailedCreate", "create Pod %s in StatefulSet %s failed error: %v", name, set.Name, err)
		return err
	}
	c.recorder.Eventf(set, corev1.EventTypeNormal, "SuccessfulCreate", "create Pod %s in StatefulSet %s successful", name, set.Name)
	return nil
}

// ensureClaims creates the ordinal's claims that do not exist yet. An
// existing claim is kept whatever it holds: it is the pod's for life.
func (c *Controller) ensureClaims(ctx context.Context, set *appsv1.StatefulSet, ordinal int) error {
	for i := range set.Spec.VolumeClaimTemplates {
		claim := newClaim(set, &set.Spec.VolumeClaimTemplates[i], ordinal)
		if _, err := c.claimLister.PersistentVolumeClaims(set.Namespace).Get(claim.Name); err == nil {
			continue
		}
		_, err := c.client.CoreV1().PersistentVolumeClaims(set.Namespace).Create(ctx, claim, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			c.recorder.Eventf(set, corev1.EventTypeWarning, "FailedCreate", "create Claim %s for Pod %s in StatefulSet %s failed error: %v",
				claim.Name, podName(set, ordinal), set.Name, err)
			return err
		}
		if err == nil {
			c.recorder.Eventf(set, corev1.EventTypeNormal, "SuccessfulCreate", "create Claim %s Pod %s in StatefulSet %s success",
				claim.Name, podName(set, ordinal), set.Name)
		}
	}
	return nil
}

// claimOrdinal is the ordinal of a claim made from one of set's claim
// templates, or -1.
func claimOrdinal(set *appsv1.StatefulSet, claim string) int {
	for i := range set.Spec.VolumeClaimTemplates {
		prefix := set.Spec.VolumeClaimTemplates[i].Name + "-"
		if len(claim) > len(prefix) && claim[:len(prefix)] == prefix {
			if ord := ordinalOf(set, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: claim[len(prefix):]}}); ord >= 0 {
				return ord
			}
		}
	}
	return -1
}

// settleRevisions settles the set's ControllerRevisions: the update revision is
// the one whose data is the current template (created, or renumbered to be
// the newest, when needed); the current revision is the status's if it
// still exists. It returns each revision's template, and prunes history
// beyond revisionHistoryLimit.
func (c *Controller) settleRevisions(ctx context.Context, set *appsv1.StatefulSet) (current, update string, templates map[string]*corev1.PodTemplateSpec, err error) {
	revs, err := c.ownedRevisions(set)
	if err != nil {
		return "", "", nil, err
	}
	data, err := revisions.Data(&set.Spec.Template)
	if err != nil {
		return "", "", nil, err
	}
	byRevision(revs)
	var newest int64
	templates = map[string]*corev1.PodTemplateSpec{}
	var equal *appsv1.ControllerRevision
	for _, r := range revs {
		newest = max(newest, r.Revision)
		if t, err := revisions.Template(r); err == nil {
			templates[r.Name] = t
			if sameTemplate(t, &set.Spec.Template) {
				equal = r
			}
		}
	}
	switch {
	case equal == nil:
		equal, err = c.createRevision(ctx, set, data, newest+1)
	case equal.Revision != newest:
		renumbered := equal.DeepCopy()
		renumbered.Revision = newest + 1
		equal, err = c.client.AppsV1().ControllerRevisions(set.Namespace).Update(ctx, renumbered, metav1.UpdateOptions{})
	}
	if err != nil {
		return "", "", nil, err
	}
	update = equal.Name
	templates[update] = set.Spec.Template.DeepCopy()
	if _, ok := templates[set.Status.CurrentRevision]; ok {
		current = set.Status.CurrentRevision
	} else {
		current = update
	}
	c.prune(ctx, set, revs, map[string]bool{current: true, update: true})
	return current, update, templates, nil
}

// sameTemplate compares templates as the API stores them, not as bytes:
// a revision read back may be encoded differently from the one written.
func sameTemplate(a, b *corev1.PodTemplateSpec) bool { return equality.Semantic.DeepEqual(a, b) }

// createRevision creates the revision for data; a revision of that name
// with other data is a hash collision, which moves the set's
// collisionCount on (the next sync names the revision anew).
func (c *Controller) createRevision(ctx context.Context, set *appsv1.StatefulSet, data []byte, number int64) (*appsv1.ControllerRevision, error) {
	rev := newRevision(set, data, number)
	got, err := c.client.AppsV1().ControllerRevisions(set.Namespace).Create(ctx, rev, metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		return got, err
	}
	existing, err := c.client.AppsV1().ControllerRevisions(set.Namespace).Get(ctx, rev.Name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	if t, err := revisions.Template(existing); err == nil && sameTemplate(t, &set.Spec.Template) {
		return existing, nil
	}
	bumped := set.DeepCopy()
	bumped.Status.CollisionCount = ptr.To(ptr.Deref(set.Status.CollisionCount, 0) + 1)
	if _, err := c.client.AppsV1().StatefulSets(set.Namespace).UpdateStatus(ctx, bumped, metav1.UpdateOptions{}); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("controllerrevision %s collides; collisionCount is now %d", rev.Name, *bumped.Status.CollisionCount)
}

// prune deletes the oldest unused revisions beyond revisionHistoryLimit
// (Kubernetes' default 10). Failures wait for the next sync.
func (c *Controller) prune(ctx context.Context, set *appsv1.StatefulSet, revs []*appsv1.ControllerRevision, inUse map[string]bool) {
	limit := int(ptr.Deref(set.Spec.RevisionHistoryLimit, 10))
	for _, p := range c.podsOf(set) {
		inUse[p.Labels[revisionLabel]] = true
	}
	for _, r := range prunable(revs, limit, inUse) {
		_ = c.client.AppsV1().ControllerRevisions(set.Namespace).Delete(ctx, r.Name, metav1.DeleteOptions{})
	}
}

func (c *Controller) podsOf(set *appsv1.StatefulSet) []*corev1.Pod {
	pods, _ := controllerref.OwnedPods(c.pods.GetIndexer(), set.UID)
	return pods
}

// writeStatus writes the status when it changed.
func (c *Controller) writeStatus(ctx context.Context, v view) (*time.Duration, error) {
	st, next := computeStatus(v)
	if equality.Semantic.DeepEqual(st, v.set.Status) {
		return next, nil
	}
	updated := v.set.DeepCopy()
	updated.Status = st
	_, err := c.client.AppsV1().StatefulSets(v.set.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	return next, err
}
