package apiserver

import (
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/apiserver/pkg/server/options"
	"k8s.io/apiserver/pkg/util/proxy"
	"k8s.io/client-go/informers"
	"k8s.io/klog/v2"
	apiregistrationv1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1"
	apiregistrationv1beta1 "k8s.io/kube-aggregator/pkg/apis/apiregistration/v1beta1"
	aggregatorapiserver "k8s.io/kube-aggregator/pkg/apiserver"
	aggregatorscheme "k8s.io/kube-aggregator/pkg/apiserver/scheme"
	apiregistrationclient "k8s.io/kube-aggregator/pkg/client/clientset_generated/clientset/typed/apiregistration/v1"
	"k8s.io/kube-aggregator/pkg/controllers/autoregister"
)

// aggregatorConfig is the configuration of the aggregator, the head of the
// chain, as kube-apiserver's createAggregatorConfig builds it: a copy of
// ordo's configuration (same authentication, authorization, admission and
// loopback) that stores APIServices under
// /registry/apiregistration.k8s.io/apiservices and serves the merged
// OpenAPI of the whole chain itself. resolver finds the backends of
// APIServices that point at a Service.
func aggregatorConfig(ordo *genericapiserver.RecommendedConfig, etcd *options.EtcdOptions, resolver aggregatorapiserver.ServiceResolver) *aggregatorapiserver.Config {
	generic := ordo.Config
	generic.PostStartHooks = map[string]genericapiserver.PostStartHookConfigEntry{}
	// The aggregator installs its own OpenAPI handler, which merges the
	// specs of the servers behind it and of the APIServices it proxies.
	generic.SkipOpenAPIInstallation = true
	generic.MergedResourceConfig = aggregatorapiserver.DefaultAPIResourceConfigSource()

	regEtcd := *etcd
	regEtcd.StorageConfig.Codec = aggregatorscheme.Codecs.LegacyCodec(apiregistrationv1.SchemeGroupVersion, apiregistrationv1beta1.SchemeGroupVersion)
	regEtcd.StorageConfig.EncodeVersioner = runtime.NewMultiGroupVersioner(apiregistrationv1.SchemeGroupVersion, schema.GroupKind{Group: apiregistrationv1beta1.GroupName})
	regEtcd.WatchCacheSizes = nil
	generic.RESTOptionsGetter = regEtcd.CreateRESTOptionsGetter(&options.SimpleStorageFactory{StorageConfig: regEtcd.StorageConfig}, generic.ResourceTransformers)

	return &aggregatorapiserver.Config{
		GenericConfig: &genericapiserver.RecommendedConfig{Config: generic, SharedInformerFactory: ordo.SharedInformerFactory},
		ExtraConfig:   aggregatorapiserver.ExtraConfig{ServiceResolver: resolver},
	}
}

// newServiceResolver sends aggregated API requests (and, shared with the
// apiextensions server, CRD conversion webhooks) straight to a ready
// endpoint of the Service, as kube-apiserver does with
// --enable-aggregator-routing: a Service's ClusterIP is reachable only on
// nodes that run ordo's Service proxy, and a server started with
// --no-agent runs none, while pod IPs are routed to from every node.
func newServiceResolver(f informers.SharedInformerFactory) (aggregatorapiserver.ServiceResolver, error) {
	slices, err := proxy.NewEndpointSliceListerGetter(f.Discovery().V1().EndpointSlices().Lister())
	if err != nil {
		return nil, err
	}
	return aggregatorapiserver.NewEndpointServiceResolver(f.Core().V1().Services().Lister(), slices), nil
}

// autoRegister registers every group version the chain serves itself as
// a local APIService (kube-apiserver's "autoregistration"): `kubectl get
// apiservices` lists ordo's groups as Local and Available, and their
// priorities order discovery as Kubernetes orders it. CRD group versions
// are registered by crdAPIServices, which the returned controller also
// serves; it runs in the aggregator's post-start hook and stops with it.
func autoRegister(agg *aggregatorapiserver.APIAggregator, crds *crdAPIServices) error {
	client, err := apiregistrationclient.NewForConfig(agg.GenericAPIServer.LoopbackClientConfig)
	if err != nil {
		return err
	}
	reg := autoregister.NewAutoRegisterController(agg.APIRegistrationInformers.Apiregistration().V1().APIServices(), client)
	for _, gv := range servedGroupVersions(agg.GenericAPIServer.ListedPaths()) {
		reg.AddAPIServiceToSyncOnStart(localAPIService(gv, priorityOf(gv)))
	}
	crds.registration = reg
	return agg.GenericAPIServer.AddPostStartHook("kube-apiserver-autoregistration", func(hctx genericapiserver.PostStartHookContext) error {
		go crds.run(hctx)
		go func() {
			// The CRDs' APIServices must be known before the first sync,
			// which would otherwise delete them as no longer served.
			if !crds.waitForInitialSync(hctx.Done()) {
				return
			}
			klog.FromContext(hctx).V(2).Info("Registering local APIServices")
			reg.Run(5, hctx.Done())
		}()
		return nil
	})
}

// servedGroupVersions reads the group versions off the chain's listed
// paths: /api/v1 and /apis/<group>/<version>.
func servedGroupVersions(paths []string) []schema.GroupVersion {
	var out []schema.GroupVersion
	for _, p := range paths {
		if p == "/api/v1" {
			out = append(out, schema.GroupVersion{Version: "v1"})
			continue
		}
		parts := strings.Split(p, "/")
		if len(parts) == 4 && parts[1] == "apis" {
			out = append(out, schema.GroupVersion{Group: parts[2], Version: parts[3]})
		}
	}
	return out
}

// localAPIService is an APIService served by the chain itself (no
// Service), named <version>.<group> as Kubernetes names them ("v1." for
// the core group).
func localAPIService(gv schema.GroupVersion, p apiServicePriority) *apiregistrationv1.APIService {
	s := &apiregistrationv1.APIService{Spec: apiregistrationv1.APIServiceSpec{
		Group: gv.Group, Version: gv.Version,
		GroupPriorityMinimum: p.group, VersionPriority: p.version,
	}}
	s.Name = gv.Version + "." + gv.Group
	return s
}
