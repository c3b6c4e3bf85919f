package cronjob

import (
	"sync"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
)

// watchPodsForLag measures, for the fire-lag metric, when the first pod of
// each CronJob run is seen running.
func (c *Controller) watchPodsForLag() error {
	return c.base.Watch(c.pods, cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(old, cur interface{}) {
			o, ok1 := old.(*corev1.Pod)
			n, ok2 := cur.(*corev1.Pod)
			if ok1 && ok2 && o.Status.Phase != corev1.PodRunning && n.Status.Phase == corev1.PodRunning {
				c.observeRunning(n)
			}
		},
	})
}

func (c *Controller) observeRunning(pod *corev1.Pod) {
	ref := metav1.GetControllerOf(pod)
	if ref == nil || ref.Kind != "Job" {
		return
	}
	j, err := c.jobLister.Jobs(pod.Namespace).Get(ref.Name)
	if err != nil || j.UID != ref.UID {
		return
	}
	v, ok := j.Annotations[batchv1.CronJobScheduledTimestampAnnotation]
	if !ok {
		return
	}
	slot, err := time.Parse(time.RFC3339, v)
	if err != nil || !c.running.mark(j.UID) {
		return
	}
	c.metrics.PodRunning(slot, c.clock.Now())
}

// firstRunning remembers which runs already had a pod seen running.
type firstRunning struct {
	mu   sync.Mutex
	seen map[types.UID]bool
}

func newFirstRunning() *firstRunning { return &firstRunning{seen: map[types.UID]bool{}} }

// mark reports whether uid is seen for the first time.
func (f *firstRunning) mark(uid types.UID) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.seen[uid] {
		return false
	}
	f.seen[uid] = true
	return true
}

func (f *firstRunning) forget(uid types.UID) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.seen, uid)
}
