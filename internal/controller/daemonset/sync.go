package daemonset

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"

	"github.com/ordo-dev/ordo/internal/controller/controllerref"
)

// burstReplicas caps the creations or deletions of one sync, as
// Kubernetes' daemonset controller does.
const burstReplicas = 250

// errCollision is a revision name taken by other data: the status's
// collision count goes up and the sync is retried under a new name.
var errCollision = errors.New("controllerrevision hash collision")

// sync brings one DaemonSet's pods to its nodes and writes its status.
func (c *Controller) sync(ctx context.Context, key string) (*time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil, nil
	}
	ds, err := c.lister.DaemonSets(ns).Get(name)
	if apierrors.IsNotFound(err) {
		c.expect.Forget(key)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	sel, err := metav1.LabelSelectorAsSelector(ds.Spec.Selector)
	if err != nil {
		return nil, nil // validation refuses such selectors
	}
	if sel.Empty() {
		c.recorder.Event(ds, corev1.EventTypeWarning, "SelectingAll", "This daemon set is selecting all pods. A non-empty selector is required.")
		return nil, nil
	}
	if ds.DeletionTimestamp != nil {
		return nil, nil // the garbage collector removes the pods
	}
	nodes, err := c.nodeLister.List(labels.Everything())
	if err != nil {
		return nil, err
	}
	pods, err := controllerref.ClaimPods(ctx, c.client, c.pods.GetIndexer(), controllerref.Owner{
		Object: ds, Kind: dsKind, Selector: sel,
		Fresh: func(ctx context.Context) (metav1.Object, error) {
			return c.client.AppsV1().DaemonSets(ns).Get(ctx, name, metav1.GetOptions{})
		},
	})
	if err != nil {
		return nil, err
	}
	revs, err := c.ownedRevisions(ds)
	if err != nil {
		return nil, err
	}
	cur, err := c.history(ctx, ds, revs)
	if errors.Is(err, errCollision) {
		return nil, c.bumpCollisionCount(ctx, ds)
	}
	if err != nil {
		return nil, err
	}
	hash := cur.Labels[appsv1.ControllerRevisionHashLabelKey]
	now := c.clock.Now()
	v := view{ds: ds, nodes: nodes, pods: byNode(pods), hash: hash, now: now}
	var retry *time.Duration
	if c.expect.Satisfied(key, now) {
		retry, err = c.apply(ctx, key, ds, decide(v), hash, now)
		if err != nil {
			return nil, err
		}
	}
	c.pruneHistory(ctx, ds, revs, cur.Name, pods)
	next, err := c.writeStatus(ctx, v)
	return earliest(retry, next), err
}

func earliest(a, b *time.Duration) *time.Duration {
	switch {
	case a == nil:
		return b
	case b == nil || *a < *b:
		return a
	}
	return b
}

// ownedRevisions are the ControllerRevisions ds controls.
func (c *Controller) ownedRevisions(ds *appsv1.DaemonSet) ([]*appsv1.ControllerRevision, error) {
	all, err := c.revLister.ControllerRevisions(ds.Namespace).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	var out []*appsv1.ControllerRevision
	for _, r := range all {
		if ref := metav1.GetControllerOf(r); ref != nil && ref.UID == ds.UID {
			out = append(out, r)
		}
	}
	return out, nil
}

// history makes the current revision exist and be the newest.
func (c *Controller) history(ctx context.Context, ds *appsv1.DaemonSet, revs []*appsv1.ControllerRevision) (*appsv1.ControllerRevision, error) {
	h, err := currentRevision(ds, revs)
	if err != nil {
		return nil, err
	}
	api := c.client.AppsV1().ControllerRevisions(ds.Namespace)
	switch {
	case h.create:
		got, err := api.Create(ctx, h.current, metav1.CreateOptions{})
		if apierrors.IsAlreadyExists(err) {
			existing, gerr := api.Get(ctx, h.current.Name, metav1.GetOptions{})
			if gerr != nil {
				return nil, gerr
			}
			if ref := metav1.GetControllerOf(existing); ref != nil && ref.UID == ds.UID && bytes.Equal(existing.Data.Raw, h.current.Data.Raw) {
				return existing, nil
			}
			return nil, errCollision
		}
		return got, err
	case h.renumber:
		return api.Update(ctx, h.current, metav1.UpdateOptions{})
	}
	return h.current, nil
}

func (c *Controller) bumpCollisionCount(ctx context.Context, ds *appsv1.DaemonSet) error {
	updated := ds.DeepCopy()
	updated.Status.CollisionCount = ptr.To(ptr.Deref(ds.Status.CollisionCount, 0) + 1)
	if _, err := c.client.AppsV1().DaemonSets(ds.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{}); err != nil {
		return err
	}
	return errCollision // retry under the new name
}

// pruneHistory deletes revisions beyond revisionHistoryLimit; a failure
// is logged and retried at the next sync.
func (c *Controller) pruneHistory(ctx context.Context, ds *appsv1.DaemonSet, revs []*appsv1.ControllerRevision, current string, pods []*corev1.Pod) {
	limit := int(ptr.Deref(ds.Spec.RevisionHistoryLimit, 10))
	for _, r := range prunable(revs, limit, current, pods) {
		err := c.client.AppsV1().ControllerRevisions(ds.Namespace).Delete(ctx, r.Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			logger(ctx).Error(err, "Pruning revision failed", "daemonset", klog.KObj(ds), "revision", r.Name)
		}
	}
}

// apply carries out the plan: failed pods first (each node's back-off
// permitting), then deletions and creations, at most burstReplicas each.
// It returns when to look again for a failed pod still in back-off.
func (c *Controller) apply(ctx context.Context, key string, ds *appsv1.DaemonSet, pl plan, hash string, now time.Time) (*time.Duration, error) {
	var retry *time.Duration
	remove := pl.remove
	for _, p := range pl.failed {
		id := key + "/" + targetNode(p)
		if c.failed.IsInBackOffSinceUpdate(id, now) {
			retry = earliest(retry, ptr.To(c.failed.Get(id)))
			continue
		}
		c.failed.Next(id, now)
		c.recorder.Eventf(ds, corev1.EventTypeWarning, "FailedDaemonPod", "Found failed daemon pod %s/%s on node %s, will try to kill it", p.Namespace, p.Name, targetNode(p))
		remove = append(remove, p)
	}
	if len(remove) > burstReplicas {
		remove = remove[:burstReplicas]
	}
	create := pl.create
	if len(create) > burstReplicas {
		create = create[:burstReplicas]
	}
	var errs []error
	for _, p := range remove {
		if err := c.pc.Delete(ctx, key, ds, p, now); err != nil {
			errs = append(errs, err)
		}
	}
	if err := c.createPods(ctx, key, ds, create, hash, now); err != nil {
		errs = append(errs, err)
	}
	return retry, errors.Join(errs...)
}

// createPods creates pods for nodes in slow-start batches
// (podcontrol.SlowStart).
func (c *Controller) createPods(ctx context.Context, key string, ds *appsv1.DaemonSet, nodes []string, hash string, now time.Time) error {
	return c.pc.SlowStart(key, len(nodes), now, func(i int) error {
		return c.createPod(ctx, ds, hash, nodes[i])
	})
}

func (c *Controller) createPod(ctx context.Context, ds *appsv1.DaemonSet, hash, node string) error {
	p, err := c.pc.Create(ctx, ds, newPod(ds, hash, node))
	if err != nil {
		return fmt.Errorf("creating a pod of daemonset %s/%s on node %s: %w", ds.Namespace, ds.Name, node, err)
	}
	logger(ctx).V(2).Info("Created pod", "daemonset", klog.KObj(ds), "pod", klog.KObj(p), "node", node)
	return nil
}

// writeStatus writes the status when it changed and says when to look
// again (a pod turning available after minReadySeconds).
func (c *Controller) writeStatus(ctx context.Context, v view) (*time.Duration, error) {
	st, next := computeStatus(v)
	if equality.Semantic.DeepEqual(st, v.ds.Status) {
		return next, nil
	}
	updated := v.ds.DeepCopy()
	updated.Status = st
	_, err := c.client.AppsV1().DaemonSets(v.ds.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("status of daemonset %s/%s: %w", v.ds.Namespace, v.ds.Name, err)
	}
	return next, nil
}
