package server

import (
	"context"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	// Workqueue depth, latency and retries of every controller, on /metrics.
	_ "k8s.io/component-base/metrics/prometheus/workqueue"
	"k8s.io/klog/v2"
	metricsclient "k8s.io/metrics/pkg/client/clientset/versioned"

	"github.com/ordo-dev/ordo/internal/controller/cronjob"
	"github.com/ordo-dev/ordo/internal/controller/csrsigning"
	"github.com/ordo-dev/ordo/internal/controller/deployment"
	"github.com/ordo-dev/ordo/internal/controller/endpoints"
	"github.com/ordo-dev/ordo/internal/controller/garbagecollector"
	"github.com/ordo-dev/ordo/internal/controller/job"
	"github.com/ordo-dev/ordo/internal/controller/localprovisioner"
	"github.com/ordo-dev/ordo/internal/controller/namespace"
	"github.com/ordo-dev/ordo/internal/controller/nodelifecycle"
	"github.com/ordo-dev/ordo/internal/controller/podautoscaler"
	"github.com/ordo-dev/ordo/internal/controller/pvbinder"
	"github.com/ordo-dev/ordo/internal/controller/replicaset"
	"github.com/ordo-dev/ordo/internal/controller/rootca"
	"github.com/ordo-dev/ordo/internal/controller/scheduler"
	"github.com/ordo-dev/ordo/internal/controller/serviceaccount"
	"github.com/ordo-dev/ordo/internal/controller/servicerepair"
	"github.com/ordo-dev/ordo/internal/controller/statefulset"
	"github.com/ordo-dev/ordo/internal/controller/ttlafterfinished"
	"github.com/ordo-dev/ordo/internal/metrics"
	"github.com/ordo-dev/ordo/internal/storage/alloc"
)

// controllerWorkers is the number of workers each controller runs.
const controllerWorkers = 2

// cronJobWorkers is higher: at a busy instant (a thousand CronJobs due in
// the same second) each sync waits on the API, not on the CPU, and every
// worker is one more Job created in parallel.
const cronJobWorkers = 32

// controllerInputs is what controllers need from the server besides the API.
type controllerInputs struct {
	volumesDir string // where the local provisioner makes volumes
	caPEM      []byte // the CA the root-ca-cert-publisher publishes
	// ca signs approved CSRs of the built-in client signers.
	ca csrsigning.CA
	// serviceIPs and nodePorts are the allocators the repair controller
	// keeps in line with the Services.
	serviceIPs, nodePorts *alloc.Allocator
	// nodeGrace is --node-monitor-grace-period.
	nodeGrace time.Duration
}

// runControllers runs the controllers until ctx is done, while this server
// holds the controller lease (see leader.go).
func runControllers(ctx context.Context, loopback *rest.Config, identity string, in controllerInputs) {
	cfg := rest.CopyConfig(loopback)
	// The collector watches every resource, deprecated ones included; their
	// deprecation warnings are for users, not for ordo's own controllers.
	cfg.WarningHandler = rest.NoWarnings{}
	// No client-side throttling: the controllers run in the API server's
	// own process, and Kubernetes' default 20 requests/s is exactly what
	// makes a thousand CronJobs due at once take most of a minute.
	cfg.QPS, cfg.Burst = -1, 0
	// Protobuf, as kube-controller-manager speaks: encoding and decoding
	// cost both sides of the loopback several times less than JSON.
	cfg.ContentType = runtime.ContentTypeProtobuf
	cfg.AcceptContentTypes = runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		klog.Errorf("controllers: client: %v", err)
		<-ctx.Done()
		return
	}
	batchMetrics := metrics.Default()
	runAsLeader(ctx, client, identity, func(ctx context.Context) { runLeading(ctx, cfg, client, batchMetrics, in) })
}

// runLeading runs every controller until ctx is done. They share one
// informer factory, so each kind is watched and cached once.
func runLeading(ctx context.Context, cfg *rest.Config, client kubernetes.Interface, batchMetrics *metrics.Batch, in controllerInputs) {
	meta := metadata.NewForConfigOrDie(cfg)
	disco := memory.NewMemCacheClient(discovery.NewDiscoveryClientForConfigOrDie(cfg))
	shared := informers.NewSharedInformerFactoryWithOptions(client, 0, informers.WithTransform(dropManagedFields))

	gc, err := garbagecollector.New(garbagecollector.Config{Metadata: meta, Discovery: disco})
	if err != nil {
		klog.Errorf("controllers: garbage collector: %v", err)
		<-ctx.Done()
		return
	}
	ns := namespace.New(namespace.Config{Client: client, Metadata: meta, Discovery: disco})
	sched := scheduler.New(scheduler.Config{Client: client, Informers: shared})
	cron := cronjob.New(cronjob.Config{Client: client, Informers: shared, Metrics: batchMetrics})
	jobs := job.New(job.Config{Client: client, Informers: shared, Metrics: batchMetrics})
	ttl := ttlafterfinished.New(ttlafterfinished.Config{Client: client, Informers: shared})
	accounts := serviceaccount.New(serviceaccount.Config{Client: client, Informers: shared})
	rootCA := rootca.New(rootca.Config{Client: client, Informers: shared, CA: in.caPEM})
	binder := pvbinder.New(pvbinder.Config{Client: client, Informers: shared})
	provisioner, err := localprovisioner.New(localprovisioner.Config{Client: client, Informers: shared, Root: in.volumesDir})
	if err != nil {
		klog.Errorf("controllers: local provisioner: %v", err)
		<-ctx.Done()
		return
	}
	eps := endpoints.New(endpoints.Config{Client: client, Informers: shared})
	sets := replicaset.New(replicaset.Config{Client: client, Informers: shared})
	stateful := statefulset.New(statefulset.Config{Client: client, Informers: shared})
	deployments := deployment.New(deployment.Config{Client: client, Informers: shared})
	nodes := nodelifecycle.New(nodelifecycle.Config{Client: client, Informers: shared, GracePeriod: in.nodeGrace})
	signer, err := csrsigning.New(csrsigning.Config{Client: client, Informers: shared, CA: in.ca})
	if err != nil {
		klog.Errorf("controllers: csr signer: %v", err)
		<-ctx.Done()
		return
	}
	autoscaler, err := newAutoscaler(cfg, client, shared)
	if err != nil {
		klog.Errorf("controllers: horizontal pod autoscaler: %v", err)
		<-ctx.Done()
		return
	}
	repair := servicerepair.New(servicerepair.Config{Client: client, ServiceIPs: in.serviceIPs, NodePorts: in.nodePorts})

	runners := []func(context.Context){
		func(ctx context.Context) { gc.Run(ctx, controllerWorkers) },
		func(ctx context.Context) { ns.Run(ctx, controllerWorkers) },
		func(ctx context.Context) { sched.Run(ctx, controllerWorkers) },
		func(ctx context.Context) { cron.Run(ctx, cronJobWorkers) },
		func(ctx context.Context) { jobs.Run(ctx, controllerWorkers) },
		func(ctx context.Context) { ttl.Run(ctx, controllerWorkers) },
		func(ctx context.Context) { accounts.Run(ctx, controllerWorkers) },
		func(ctx context.Context) { rootCA.Run(ctx, controllerWorkers) },
		func(ctx context.Context) { binder.Run(ctx, controllerWorkers) },
		func(ctx context.Context) { provisioner.Run(ctx, controllerWorkers) },
		func(ctx context.Context) { eps.Run(ctx, controllerWorkers) },
		repair.Run,
		nodes.Run,
		func(ctx context.Context) { sets.Run(ctx, controllerWorkers) },
		func(ctx context.Context) { stateful.Run(ctx, controllerWorkers) },
		func(ctx context.Context) { deployments.Run(ctx, controllerWorkers) },
		func(ctx context.Context) { signer.Run(ctx, controllerWorkers) },
		func(ctx context.Context) { autoscaler.Run(ctx, controllerWorkers) },
	}
	var wg sync.WaitGroup
	for _, run := range runners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run(ctx)
		}()
	}
	wg.Wait()
}

// newAutoscaler builds the HPA controller; it reads metrics.k8s.io in JSON
// (metrics servers need not speak protobuf).
func newAutoscaler(cfg *rest.Config, client kubernetes.Interface, shared informers.SharedInformerFactory) (*podautoscaler.Controller, error) {
	mcfg := rest.CopyConfig(cfg)
	mcfg.ContentType, mcfg.AcceptContentTypes = runtime.ContentTypeJSON, runtime.ContentTypeJSON
	metrics, err := metricsclient.NewForConfig(mcfg)
	if err != nil {
		return nil, err
	}
	return podautoscaler.New(podautoscaler.Config{Client: client, Informers: shared, Metrics: metrics})
}

// dropManagedFields keeps server-side apply's bookkeeping out of the
// controllers' caches, as kube-scheduler does: no controller reads it, and
// it is a large share of each cached object. An update sent without
// managedFields leaves the stored ones as they are.
func dropManagedFields(obj interface{}) (interface{}, error) {
	if m, err := meta.Accessor(obj); err == nil {
		m.SetManagedFields(nil)
	}
	return obj, nil
}
