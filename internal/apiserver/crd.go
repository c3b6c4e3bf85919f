package apiserver

import (
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsv1beta1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1beta1"
	apiextensionsapiserver "k8s.io/apiextensions-apiserver/pkg/apiserver"
	apiextensionsoptions "k8s.io/apiextensions-apiserver/pkg/cmd/server/options"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/apiserver/pkg/server/options"
	"k8s.io/apiserver/pkg/util/webhook"
)

// apiExtensionsConfig is the configuration of the apiextensions server,
// which serves CustomResourceDefinitions and their custom resources at the
// end of the chain, as kube-apiserver's createAPIExtensionsConfig builds it:
// a copy of ordo's own configuration, so it shares ordo's authentication,
// authorization, admission (webhooks and policies included), OpenAPI and
// loopback, with its own storage codec (CRDs are stored as JSON in their
// v1 form, under /registry/apiextensions.k8s.io/customresourcedefinitions)
// and a REST options getter for custom resources (JSON under
// /registry/<group>/<plural>, each with a watch cache).
//
// resolver sends CRD conversion webhooks to their Services; nil leaves
// webhook conversion failing with an error, as a server without a resolver
// would.
func apiExtensionsConfig(ordo *genericapiserver.RecommendedConfig, etcd *options.EtcdOptions, resolver webhook.ServiceResolver) (*apiextensionsapiserver.Config, error) {
	generic := ordo.Config
	// The hooks stay with the server that registered them; the servers of
	// the chain would otherwise each run them.
	generic.PostStartHooks = map[string]genericapiserver.PostStartHookConfigEntry{}
	generic.MergedResourceConfig = apiextensionsapiserver.DefaultAPIResourceConfigSource()

	crdEtcd := *etcd
	crdEtcd.StorageConfig.Codec = apiextensionsapiserver.Codecs.LegacyCodec(apiextensionsv1beta1.SchemeGroupVersion, apiextensionsv1.SchemeGroupVersion)
	crdEtcd.StorageConfig.EncodeVersioner = runtime.NewMultiGroupVersioner(apiextensionsv1beta1.SchemeGroupVersion, schema.GroupKind{Group: apiextensionsv1beta1.GroupName})
	crdEtcd.WatchCacheSizes = nil
	generic.RESTOptionsGetter = crdEtcd.CreateRESTOptionsGetter(&options.SimpleStorageFactory{StorageConfig: crdEtcd.StorageConfig}, generic.ResourceTransformers)

	auth := webhook.NewDefaultAuthenticationInfoResolverWrapper(nil, nil, generic.LoopbackClientConfig, generic.TracerProvider)
	return &apiextensionsapiserver.Config{
		GenericConfig: &genericapiserver.RecommendedConfig{Config: generic, SharedInformerFactory: ordo.SharedInformerFactory},
		ExtraConfig: apiextensionsapiserver.ExtraConfig{
			CRDRESTOptionsGetter: apiextensionsoptions.NewCRDRESTOptionsGetter(*etcd, generic.ResourceTransformers, generic.StorageObjectCountTracker),
			MasterCount:          1,
			ServiceResolver:      resolver,
			AuthResolverWrapper:  auth,
		},
	}, nil
}
