package runrecord

import (
	"sync"

	corev1 "k8s.io/api/core/v1"
)

// Cache keeps decoded records by ConfigMap, so that a reader rendering
// many CronJobs (the dashboard's CronJobs page) decodes each record once
// per change instead of once per read: a full record takes milliseconds
// to decode, a thousand of them seconds.
type Cache struct {
	mu sync.Mutex
	m  map[string]decoded // by namespace/name
}

type decoded struct {
	uid, resourceVersion string
	runs                 []Run
}

// NewCache returns an empty cache.
func NewCache() *Cache { return &Cache{m: map[string]decoded{}} }

// Runs returns cm's record, decoded once per resourceVersion. The runs
// are shared between callers: they must not be changed.
func (c *Cache) Runs(cm *corev1.ConfigMap) ([]Run, error) {
	key := cm.Namespace + "/" + cm.Name
	c.mu.Lock()
	d, ok := c.m[key]
	c.mu.Unlock()
	if ok && d.uid == string(cm.UID) && d.resourceVersion == cm.ResourceVersion && cm.ResourceVersion != "" {
		return d.runs, nil
	}
	runs, err := Decode(cm.Data[DataKey])
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.m[key] = decoded{uid: string(cm.UID), resourceVersion: cm.ResourceVersion, runs: runs}
	c.mu.Unlock()
	return runs, nil
}

// Forget drops a deleted ConfigMap's record.
func (c *Cache) Forget(namespace, name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, namespace+"/"+name)
}
