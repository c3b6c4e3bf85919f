package apiserver

import (
	"github.com/ordo-dev/ordo/internal/api/scheme"
	"github.com/ordo-dev/ordo/internal/registry"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/runtime"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/apiserver/pkg/server/options"
	serverstorage "k8s.io/apiserver/pkg/server/storage"
	"k8s.io/apiserver/pkg/storage/storagebackend"
)

// etcdPrefix is where Kubernetes keeps its objects: /registry/<resource>/...
const etcdPrefix = "/registry"

// applyStorage points the server's REST storage at etcd: objects are stored
// as protobuf in their storage version, each resource has one watch cache
// (one etcd watch fanned out to all clients), and core and events.k8s.io
// Events share one key space as they do in Kubernetes. The API server
// compacts etcd's history itself, every CompactionInterval (5 minutes by
// default); watches from a compacted resourceVersion get 410 Gone.
// Kinds whose catalog row says NoWatchCache skip the watch cache
// (kube-apiserver's --watch-cache-sizes=<resource>#0): their lists and
// watches go to etcd.

// It returns the etcd options, from which the apiextensions server and the
// aggregator make their own storage (see newChain).
func applyStorage(cfg *genericapiserver.RecommendedConfig, set scheme.Set, c Config) (*options.EtcdOptions, error) {
	backend := storagebackend.NewDefaultConfig(etcdPrefix, nil)
	backend.Transport.ServerList = c.EtcdServers
	if c.EtcdCompactionInterval > 0 {
		backend.CompactionInterval = c.EtcdCompactionInterval
	}
	etcdOpts := options.NewEtcdOptions(backend)
	etcdOpts.DefaultStorageMediaType = runtime.ContentTypeProtobuf
	etcdOpts.EnableWatchCache = true
	etcdOpts.WatchCacheSizes = registry.UncachedResources()

	resources := serverstorage.NewResourceConfig()
	resources.EnableVersions(scheme.ServedGroupVersions(registry.SchemeGroups())...)
	encoding := serverstorage.NewDefaultResourceEncodingConfig(set.Scheme)
	factory := serverstorage.NewDefaultStorageFactory(*backend, etcdOpts.DefaultStorageMediaType,
		set.Codecs, encoding, resources, nil)
	factory.AddCohabitatingResources(corev1.Resource("events"), eventsv1.Resource("events"))
	if err := etcdOpts.ApplyWithStorageFactoryTo(factory, &cfg.Config); err != nil {
		return nil, err
	}
	// The other servers of the chain share the health checks added here.
	etcdOpts.SkipHealthEndpoints = true
	return etcdOpts, nil
}
