package dashboard

import (
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"

	"github.com/ordo-dev/ordo/internal/cron/runrecord"
)

// records holds the run records decoded, by their ConfigMap's UID. A
// record is up to a thousand JSON lines: decoding every record at every
// render of the CronJobs page was 40% of the server's CPU with 1000
// CronJobs (bench/dashboard), so each is decoded once, as it arrives, and
// its text is dropped from the informer's copy.
type records struct {
	mu   sync.Mutex
	runs map[types.UID][]runrecord.Run
	errs map[types.UID]error
}

func newRecords() *records {
	return &records{runs: map[types.UID][]runrecord.Run{}, errs: map[types.UID]error{}}
}

// transform decodes a record ConfigMap as the informer receives it and
// keeps only its metadata in the informer. An object it has transformed
// already (a resync hands the stored one back) has no data and is left
// as it is.
func (r *records) transform(obj interface{}) (interface{}, error) {
	obj, _ = slim(obj)
	cm, ok := obj.(*corev1.ConfigMap)
	if !ok || cm.Data == nil {
		return obj, nil
	}
	runs, err := runrecord.Decode(cm.Data[runrecord.DataKey])
	r.mu.Lock()
	r.runs[cm.UID], r.errs[cm.UID] = runs, err
	r.mu.Unlock()
	cm.Data, cm.BinaryData = nil, nil
	return cm, nil
}

// forget drops a deleted record. Keyed by UID, a late delete never drops
// the record of a ConfigMap made again under the same name.
func (r *records) forget() toolscache.ResourceEventHandler {
	return toolscache.ResourceEventHandlerFuncs{DeleteFunc: func(obj interface{}) {
		if d, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
			obj = d.Obj
		}
		if cm, ok := obj.(*corev1.ConfigMap); ok {
			r.mu.Lock()
			delete(r.runs, cm.UID)
			delete(r.errs, cm.UID)
			r.mu.Unlock()
		}
	}}
}

// get is the decoded record of the ConfigMap uid. The runs are shared:
// callers must not change them (cronstats only reads its input).
func (r *records) get(uid types.UID) ([]runrecord.Run, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.runs[uid], r.errs[uid]
}
