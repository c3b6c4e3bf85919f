package job

import (
	"reflect"
	"time"

	"github.com/ordo-dev/ordo/internal/controller/controllerref"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
)

func (c *Controller) addHandlers() error {
	if err := c.base.Watch(c.jobs, cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueueJob,
		UpdateFunc: c.onJobUpdate,
		DeleteFunc: c.onJobDelete,
	}); err != nil {
		return err
	}
	return c.base.Watch(c.pods, cache.ResourceEventHandlerFuncs{
		AddFunc:    c.onPodAdd,
		UpdateFunc: c.onPodUpdate,
		DeleteFunc: c.onPodDelete,
	})
}

// podBatchPeriod gathers the events of a Job's pods into one sync. A
// hundred pods each going Pending → Running → Succeeded would otherwise
// cost a status write per transition; Kubernetes waits a whole second,
// which would leave a Job of short pods idle most of the time.
const podBatchPeriod = 100 * time.Millisecond

func (c *Controller) enqueueJob(obj interface{}) {
	if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
		c.queue.Add(key)
	}
}

// enqueueBatched syncs the Job after podBatchPeriod, or with the sync
// already due.
func (c *Controller) enqueueBatched(key string) { c.queue.AddAfter(key, podBatchPeriod) }

// onJobUpdate syncs the Job: at once for a spec change, batched for a status
// change (mostly our own writes). Once it has finished, pods that still
// hold the finalizer (a backup: a Job only finishes when none does) are
// let go.
func (c *Controller) onJobUpdate(old, cur interface{}) {
	o, ok1 := old.(*batchv1.Job)
	job, ok2 := cur.(*batchv1.Job)
	if !ok1 || !ok2 {
		return
	}
	if o.Generation != job.Generation {
		c.enqueueJob(job)
	} else {
		c.enqueueBatched(keyOf(job))
	}
	if isFinished(job) {
		c.releaseFinalizers(job)
	}
}

// onJobDelete lets the deleted Job's pods go, so the garbage collector can
// remove them.
func (c *Controller) onJobDelete(obj interface{}) {
	c.enqueueJob(obj)
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if job, ok := obj.(*batchv1.Job); ok {
		c.releaseFinalizers(job)
	}
}

func (c *Controller) releaseFinalizers(job *batchv1.Job) {
	objs, _ := c.pods.GetIndexer().ByIndex(controllerref.Index, controllerref.ControllerKey(job.UID))
	for _, o := range objs {
		if p := o.(*corev1.Pod); hasTrackingFinalizer(p) {
			c.orphans.Add(cache.MetaObjectToName(p).String())
		}
	}
}

// onPodAdd counts a creation this process may be waiting for; an orphan
// wakes the Jobs whose selector matches it, which may adopt it.
func (c *Controller) onPodAdd(obj interface{}) {
	p := obj.(*corev1.Pod)
	if p.DeletionTimestamp != nil {
		c.onPodGone(p, podDeleting) // seen for the first time already being deleted
		return
	}
	if ref := metav1.GetControllerOf(p); ref != nil {
		if job := c.owner(p, ref); job != nil {
			key := keyOf(job)
			c.expect.CreationObserved(key)
			c.enqueueBatched(key)
		}
		return
	}
	c.onOrphan(p, nil)
}

func (c *Controller) onPodUpdate(old, cur interface{}) {
	o, p := old.(*corev1.Pod), cur.(*corev1.Pod)
	if o.ResourceVersion == p.ResourceVersion && p.ResourceVersion != "" {
		return // a resync (client-go's fake API server leaves versions empty)
	}
	if p.DeletionTimestamp != nil {
		c.onPodGone(p, podDeleting) // replace it now, not when the object is gone
		return
	}
	ref, oldRef := metav1.GetControllerOf(p), metav1.GetControllerOf(o)
	if oldRef != nil && !reflect.DeepEqual(ref, oldRef) {
		if job := c.owner(o, oldRef); job != nil {
			c.sawPod(keyOf(job), p)
		}
	}
	if ref != nil {
		if job := c.owner(p, ref); job != nil {
			c.sawPod(keyOf(job), p)
		}
		return
	}
	c.onOrphan(p, o)
}

// sawPod records a finalizer removal the Job may be waiting for and syncs it.
func (c *Controller) sawPod(key string, p *corev1.Pod) {
	if !hasTrackingFinalizer(p) {
		c.expect.finalizerRemoved(key, p.UID)
	}
	c.enqueueBatched(key)
}

func (c *Controller) onPodDelete(obj interface{}) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if p, ok := obj.(*corev1.Pod); ok {
		c.onPodGone(p, podDeleted)
	}
}

// goneStage is how far a pod's deletion has come.
type goneStage int

const (
	podDeleting goneStage = iota // deletionTimestamp set
	podDeleted                   // the object is gone
)

// onPodGone handles a pod being deleted.
func (c *Controller) onPodGone(p *corev1.Pod, stage goneStage) {
	ref := metav1.GetControllerOf(p)
	if ref == nil {
		c.onOrphan(p, nil)
		return
	}
	job := c.owner(p, ref)
	if job == nil {
		return
	}
	key := keyOf(job)
	c.expect.DeletionObserved(key, p.UID)
	if stage == podDeleted || !hasTrackingFinalizer(p) {
		c.expect.finalizerRemoved(key, p.UID)
	}
	c.enqueueBatched(key)
}

// onOrphan queues the finalizer removal of a pod no Job controls, and, when
// it is new or its labels changed, the Jobs that may adopt it.
func (c *Controller) onOrphan(p, old *corev1.Pod) {
	if hasTrackingFinalizer(p) {
		c.orphans.Add(cache.MetaObjectToName(p).String())
	}
	if p.DeletionTimestamp != nil || (old != nil && reflect.DeepEqual(p.Labels, old.Labels)) {
		return
	}
	jobs, err := c.jobLister.Jobs(p.Namespace).List(labels.Everything())
	if err != nil {
		return
	}
	for _, job := range jobs {
		sel, err := metav1.LabelSelectorAsSelector(job.Spec.Selector)
		if err == nil && !sel.Empty() && sel.Matches(labels.Set(p.Labels)) {
			c.enqueueBatched(keyOf(job))
		}
	}
}

// owner resolves a pod's controller reference to a Job this controller
// runs. A pod whose Job is gone or finished but that still holds the
// finalizer is queued for its removal.
func (c *Controller) owner(p *corev1.Pod, ref *metav1.OwnerReference) *batchv1.Job {
	if !isJobRef(ref) {
		return nil
	}
	job, err := c.jobLister.Jobs(p.Namespace).Get(ref.Name)
	switch {
	case err == nil && job.UID == ref.UID && managedElsewhere(job):
		return nil
	case err == nil && job.UID == ref.UID && !isFinished(job):
		return job
	}
	if hasTrackingFinalizer(p) {
		c.orphans.Add(cache.MetaObjectToName(p).String())
	}
	return nil
}

func keyOf(job *batchv1.Job) string { return cache.MetaObjectToName(job).String() }
