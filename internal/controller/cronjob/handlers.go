package cronjob

import (
	"reflect"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
)

func (c *Controller) addHandlers() error {
	if err := c.base.Watch(c.cronJobs, cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: c.onCronJobUpdate,
		DeleteFunc: c.onCronJobDelete,
	}); err != nil {
		return err
	}
	if err := c.base.Watch(c.jobs, cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueueOwner,
		UpdateFunc: c.onJobUpdate,
		DeleteFunc: c.onJobDelete,
	}); err != nil {
		return err
	}
	if err := c.base.Watch(c.pods, cache.ResourceEventHandlerFuncs{
		AddFunc:    c.onRunnerPod,
		UpdateFunc: func(_, cur interface{}) { c.onRunnerPod(cur) },
		DeleteFunc: c.onRunnerPod,
	}); err != nil {
		return err
	}
	return c.base.Watch(c.leases, cache.ResourceEventHandlerFuncs{
		AddFunc:    c.onRunnerLease,
		UpdateFunc: func(_, cur interface{}) { c.onRunnerLease(cur) },
	})
}

func (c *Controller) enqueue(obj interface{}) {
	if key, err := cache.MetaNamespaceKeyFunc(obj); err == nil {
		c.queue.Add(key)
	}
}

// onCronJobUpdate syncs at once when anything but status changed: a new
// schedule, suspend or deadline re-arms the CronJob's timer from the sync.
// Our own status writes change nothing a decision depends on.
func (c *Controller) onCronJobUpdate(old, cur interface{}) {
	o, ok1 := old.(*batchv1.CronJob)
	n, ok2 := cur.(*batchv1.CronJob)
	if ok1 && ok2 && o.Generation == n.Generation && reflect.DeepEqual(o.Annotations, n.Annotations) &&
		o.DeletionTimestamp.Equal(n.DeletionTimestamp) && o.UID == n.UID {
		return
	}
	c.enqueue(cur)
}

func (c *Controller) onCronJobDelete(obj interface{}) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		return
	}
	c.memos.forget(key)
	c.book.forget(key)
	c.queue.Add(key)
}

// enqueueOwner syncs the CronJob controlling a Job.
func (c *Controller) enqueueOwner(obj interface{}) {
	j, ok := obj.(*batchv1.Job)
	if !ok {
		return
	}
	ref := metav1.GetControllerOf(j)
	if ref == nil || ref.Kind != cronJobKind.Kind || ref.APIVersion != cronJobKind.GroupVersion().String() {
		return
	}
	c.queue.Add(j.Namespace + "/" + ref.Name)
}

// onJobUpdate looks again only when a Job finishes or starts terminating:
// a running Job's progress does not change its CronJob's decisions.
func (c *Controller) onJobUpdate(old, cur interface{}) {
	o, ok1 := old.(*batchv1.Job)
	n, ok2 := cur.(*batchv1.Job)
	if !ok1 || !ok2 {
		return
	}
	_, wasDone := finished(o)
	_, isDone := finished(n)
	if wasDone != isDone || (o.DeletionTimestamp == nil) != (n.DeletionTimestamp == nil) {
		c.enqueueOwner(cur)
	}
}

func (c *Controller) onJobDelete(obj interface{}) {
	if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	if j, ok := obj.(*batchv1.Job); ok {
		c.running.forget(j.UID)
		c.enqueueOwner(j)
	}
}

func controllerOf(j *batchv1.Job) string {
	if ref := metav1.GetControllerOf(j); ref != nil {
		return string(ref.UID)
	}
	return ""
}
