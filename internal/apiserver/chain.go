package apiserver

import (
	"context"

	discoveryendpoint "k8s.io/apiserver/pkg/endpoints/discovery/aggregated"
	genericapifilters "k8s.io/apiserver/pkg/endpoints/filters"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/apiserver/pkg/server/options"
	"k8s.io/apiserver/pkg/util/notfoundhandler"
	"k8s.io/client-go/tools/cache"
	aggregatorapiserver "k8s.io/kube-aggregator/pkg/apiserver"
)

// newChain builds kube-apiserver's chain of servers, each handing what it
// does not serve to the next:
//
//	aggregator ──▶ ordo's groups ──▶ apiextensions (CRDs, custom resources) ──▶ 404
//	    │ APIServices pointing at a Service: proxied to it
//
// The three are built from one configuration (see aggregatorConfig and
// apiExtensionsConfig), so they share authentication, authorization,
// admission, etcd, loopback and the aggregated discovery document, and
// the aggregator's post-start hooks and pre-shutdown hooks cover them all:
// their controllers stop when the chain's run ends. install installs
// ordo's own groups on its server.
// chainOptions are what the chain needs beyond ordo's configuration.
type chainOptions struct {
	// resolver finds a ready endpoint of a Service, for APIServices and
	// CRD conversion webhooks.
	resolver aggregatorapiserver.ServiceResolver
	// frontProxy, if set, is the certificate the aggregator presents to
	// extension API servers.
	frontProxy *FrontProxy
}

func newChain(cfg *genericapiserver.RecommendedConfig, etcd *options.EtcdOptions, o chainOptions, install func(*genericapiserver.GenericAPIServer) error) (*aggregatorapiserver.APIAggregator, error) {
	// One aggregated discovery document for the whole chain (each server
	// would otherwise make its own, and the aggregator would serve only
	// its own).
	cfg.AggregatedDiscoveryGroupManager = discoveryendpoint.NewResourceManager("apis")
	extCfg, err := apiExtensionsConfig(cfg, etcd, o.resolver)
	if err != nil {
		return nil, err
	}
	aggCfg := aggregatorConfig(cfg, etcd, o.resolver)
	if fp := o.frontProxy; fp != nil {
		aggCfg.ExtraConfig.ProxyClientCertFile, aggCfg.ExtraConfig.ProxyClientKeyFile = fp.ClientCertFile, fp.ClientKeyFile
	}

	// Until every server's routes are in place, the last handler answers
	// 503 rather than a 404 that would make clients forget a resource.
	notFound := notfoundhandler.New(cfg.Serializer, genericapifilters.NoMuxAndDiscoveryIncompleteKey)
	ext, err := extCfg.Complete().New(genericapiserver.NewEmptyDelegateWithCustomHandler(notFound))
	if err != nil {
		return nil, err
	}
	// ordo's server installs its OpenAPI itself, after its groups
	// (installOpenAPI: each document on its first request).
	cfg.SkipOpenAPIInstallation = true
	ordo, err := cfg.Complete().New("ordo-apiserver", ext.GenericAPIServer)
	if err != nil {
		return nil, err
	}
	if err := install(ordo); err != nil {
		return nil, err
	}
	if err := installOpenAPI(ordo, &cfg.Config); err != nil {
		return nil, err
	}
	agg, err := aggCfg.Complete().NewWithDelegate(ordo)
	if err != nil {
		return nil, err
	}
	crds, err := newCRDAPIServices(ext.Informers.Apiextensions().V1().CustomResourceDefinitions())
	if err != nil {
		return nil, err
	}
	for _, inf := range []cache.SharedIndexInformer{
		ext.Informers.Apiextensions().V1().CustomResourceDefinitions().Informer(),
		agg.APIRegistrationInformers.Apiregistration().V1().APIServices().Informer(),
	} {
		if err := inf.SetWatchErrorHandlerWithContext(quietAtStop); err != nil {
			return nil, err
		}
	}
	return agg, autoRegister(agg, crds)
}

// quietAtStop keeps the chain's own informers (CRDs, APIServices) from
// logging an error at every stop. They run until the server's post-start
// hooks end, which is after the server has ended their watches at
// shutdown; the watch they make again is then cancelled, which is their
// stop, not a failure. Errors while they run are logged as usual.
func quietAtStop(ctx context.Context, r *cache.Reflector, err error) {
	if ctx.Err() != nil {
		return
	}
	cache.DefaultWatchErrorHandler(ctx, r, err)
}

// Run serves the chain until ctx ends. The aggregator merges the OpenAPI
// of the servers behind it once their routes are installed.
func (s *Server) Run(ctx context.Context) error {
	prepared, err := s.aggregator.PrepareRun()
	if err != nil {
		return err
	}
	return prepared.Run(ctx)
}
