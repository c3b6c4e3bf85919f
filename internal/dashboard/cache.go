package dashboard

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"

	"github.com/ordo-dev/ordo/internal/cron/runrecord"
)

// cache is the dashboard's own informers, with the server's privileges:
// every read from it is filtered by the user's access (access.go) before
// it is shown. Its own factory, not the API server's, so that a server
// whose dashboard is never opened watches nothing more.
type cache struct {
	factories []informers.SharedInformerFactory
	synced    []toolscache.InformerSynced

	namespaces   corelisters.NamespaceLister
	cronJobs     batchlisters.CronJobLister
	jobs         batchlisters.JobLister
	pods         corelisters.PodLister
	deployments  appslisters.DeploymentLister
	statefulSets appslisters.StatefulSetLister
	nodes        corelisters.NodeLister
	events       corelisters.EventLister
	configMaps   corelisters.ConfigMapLister
	// records are the run records, decoded (the ConfigMaps in the
	// informer keep only their metadata).
	records *records
}

// kinds the live stream names, as the pages ask for them.
const (
	kindCronJobs     = "cronjobs"
	kindJobs         = "jobs"
	kindPods         = "pods"
	kindDeployments  = "deployments"
	kindStatefulSets = "statefulsets"
	kindNodes        = "nodes"
	kindEvents       = "events"
	kindRuns         = "runs" // the run records (ConfigMaps NAME.runs)
)

// cacheClient is the informers' client: the loopback, in protobuf.
func cacheClient(loopback *rest.Config) (kubernetes.Interface, error) {
	cfg := rest.CopyConfig(loopback)
	cfg.ContentType = "application/vnd.kubernetes.protobuf"
	cfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	return kubernetes.NewForConfig(cfg)
}

func newCache(client kubernetes.Interface, live *broker) *cache {
	f := informers.NewSharedInformerFactoryWithOptions(client, 10*time.Minute, informers.WithTransform(slim))
	// Of the ConfigMaps, only the run records (labelled with their CronJob).
	decoded := newRecords()
	records := informers.NewSharedInformerFactoryWithOptions(client, 10*time.Minute, informers.WithTransform(decoded.transform),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) { o.LabelSelector = runrecord.Label }))
	c := &cache{factories: []informers.SharedInformerFactory{f, records}, records: decoded}
	add := func(kind string, inf toolscache.SharedIndexInformer) {
		c.synced = append(c.synced, inf.HasSynced)
		if kind != "" {
			_, _ = inf.AddEventHandler(live.handler(kind))
		}
	}
	add("", f.Core().V1().Namespaces().Informer())
	add(kindCronJobs, f.Batch().V1().CronJobs().Informer())
	add(kindJobs, f.Batch().V1().Jobs().Informer())
	add(kindPods, f.Core().V1().Pods().Informer())
	add(kindDeployments, f.Apps().V1().Deployments().Informer())
	add(kindStatefulSets, f.Apps().V1().StatefulSets().Informer())
	add(kindNodes, f.Core().V1().Nodes().Informer())
	add(kindEvents, f.Core().V1().Events().Informer())
	add(kindRuns, records.Core().V1().ConfigMaps().Informer())
	_, _ = records.Core().V1().ConfigMaps().Informer().AddEventHandler(decoded.forget())
	c.namespaces = f.Core().V1().Namespaces().Lister()
	c.cronJobs = f.Batch().V1().CronJobs().Lister()
	c.jobs = f.Batch().V1().Jobs().Lister()
	c.pods = f.Core().V1().Pods().Lister()
	c.deployments = f.Apps().V1().Deployments().Lister()
	c.statefulSets = f.Apps().V1().StatefulSets().Lister()
	c.nodes = f.Core().V1().Nodes().Lister()
	c.events = f.Core().V1().Events().Lister()
	c.configMaps = records.Core().V1().ConfigMaps().Lister()
	return c
}

// run starts the informers and stops them, waiting for their watches to
// end, when ctx ends.
func (c *cache) run(ctx context.Context) {
	for _, f := range c.factories {
		f.Start(ctx.Done())
	}
	<-ctx.Done()
	for _, f := range c.factories {
		f.Shutdown()
	}
}

// wait blocks until every informer has listed, or ctx ends.
func (c *cache) wait(ctx context.Context) bool {
	return toolscache.WaitForCacheSync(ctx.Done(), c.synced...)
}

// slim drops what the dashboard never shows, managed fields, to keep the
// cache small with 10,000 Jobs.
func slim(obj interface{}) (interface{}, error) {
	if m, err := meta.Accessor(obj); err == nil {
		m.SetManagedFields(nil)
	}
	return obj, nil
}
