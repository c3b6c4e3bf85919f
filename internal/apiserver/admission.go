package apiserver

import (
	"io"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"

	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/initializer"
	admissionmetrics "k8s.io/apiserver/pkg/admission/metrics"
	"k8s.io/apiserver/pkg/admission/plugin/namespace/lifecycle"
	mutatingadmissionpolicy "k8s.io/apiserver/pkg/admission/plugin/policy/mutating"
	validatingadmissionpolicy "k8s.io/apiserver/pkg/admission/plugin/policy/validating"
	rqplugin "k8s.io/apiserver/pkg/admission/plugin/resourcequota"
	webhookinit "k8s.io/apiserver/pkg/admission/plugin/webhook/initializer"
	mutatingwebhook "k8s.io/apiserver/pkg/admission/plugin/webhook/mutating"
	validatingwebhook "k8s.io/apiserver/pkg/admission/plugin/webhook/validating"
	genericapiserver "k8s.io/apiserver/pkg/server"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/restmapper"

	"github.com/ordo-dev/ordo/internal/admission/limitranger"
	"github.com/ordo-dev/ordo/internal/admission/resourcequota"
	"github.com/ordo-dev/ordo/internal/admission/tolerationseconds"
	"github.com/ordo-dev/ordo/internal/nodeauthz"
)

// Names of ordo's own admission plugins, as kube-apiserver names the
// plugins they stand for.
const (
	serviceAccountPluginName      = "ServiceAccount"
	defaultStorageClassPluginName = "DefaultStorageClass"
	runtimeClassPluginName        = "RuntimeClass"
	// podResourceClaimsPluginName is ordo's own: pods with DRA claims are
	// refused (resourceclaims.go).
	podResourceClaimsPluginName = "OrdoPodResourceClaims"
)

// admissionOrder is kube-apiserver's admission plugin order
// (kube-apiserver's AllOrderedPlugins) restricted to the plugins ordo
// runs. The chain calls every mutating plugin in this order, then every
// validating one in this order; a plugin that is both is called in both
// phases. To add a plugin, register it in registerAdmissionPlugins and put
// its name here at kube-apiserver's place for it (the comments mark the
// places of the default plugins ordo does not run yet).
func admissionOrder() []string {
	return []string{
		lifecycle.PluginName,     // NamespaceLifecycle
		limitranger.PluginName,   // LimitRanger
		serviceAccountPluginName, // ServiceAccount
		nodeauthz.PluginName,     // NodeRestriction
		// TaintNodesByCondition
		podSecurityPluginName,         // PodSecurity
		priorityPluginName,            // Priority
		tolerationseconds.PluginName,  // DefaultTolerationSeconds
		defaultStorageClassPluginName, // DefaultStorageClass
		// StorageObjectInUseProtection, PersistentVolumeClaimResize,
		runtimeClassPluginName,      // RuntimeClass
		podResourceClaimsPluginName, // ordo: no DRA drivers
		// CertificateApproval, CertificateSigning,
		// ClusterTrustBundleAttest, CertificateSubjectRestriction,
		// DefaultIngressClass, PodTopologyLabels
		mutatingadmissionpolicy.PluginName,   // MutatingAdmissionPolicy
		mutatingwebhook.PluginName,           // MutatingAdmissionWebhook
		validatingadmissionpolicy.PluginName, // ValidatingAdmissionPolicy
		validatingwebhook.PluginName,         // ValidatingAdmissionWebhook
		rqplugin.PluginName,                  // ResourceQuota
	}
}

// admissionInputs are the server's settings some plugins take.
type admissionInputs struct {
	runtimeHandlerAliases []string // --runtime-handler-aliases
	// tolerationSeconds are --default-not-ready-toleration-seconds and
	// --default-unreachable-toleration-seconds.
	tolerationSeconds tolerationseconds.Seconds
}

// registerAdmissionPlugins registers the factory of every plugin of
// admissionOrder. Plugins that take what they need from the initializers
// (clients, informers, authorizer, feature gates: see applyAdmission) are
// registered by their package's Register; ordo's own take the informer
// factory directly.
func registerAdmissionPlugins(plugins *admission.Plugins, f informers.SharedInformerFactory, in admissionInputs) {
	lifecycle.Register(plugins)
	limitranger.Register(plugins)
	tolerationseconds.Register(plugins, in.tolerationSeconds)
	resourcequota.Register(plugins)
	plugins.Register(serviceAccountPluginName, func(io.Reader) (admission.Interface, error) {
		return newServiceAccountAdmission(f), nil
	})
	nodeauthz.Register(plugins, f)
	registerPodSecurity(plugins)
	registerPriority(plugins)
	plugins.Register(defaultStorageClassPluginName, func(io.Reader) (admission.Interface, error) {
		return newDefaultStorageClass(f), nil
	})
	plugins.Register(runtimeClassPluginName, func(io.Reader) (admission.Interface, error) {
		return newRuntimeClass(f, in.runtimeHandlerAliases), nil
	})
	plugins.Register(podResourceClaimsPluginName, func(io.Reader) (admission.Interface, error) {
		return newPodResourceClaims(), nil
	})
	mutatingadmissionpolicy.Register(plugins)
	mutatingwebhook.Register(plugins)
	validatingadmissionpolicy.Register(plugins)
	validatingwebhook.Register(plugins)
}

// applyAdmission builds ordo's admission chain, the one place it is built,
// and sets it as cfg.AdmissionControl (servers chained in front of or
// behind this one reuse that chain, as kube-apiserver's apiextensions and
// aggregator servers do). It is kube-apiserver's construction: plugins are
// made from their registered factories in admissionOrder, each given what
// it asks for by the generic initializer (loopback client, the server's
// informers, authorizer, feature gates, effective version, the drained
// notification, a dynamic client and a REST mapper over the server's own
// discovery) and, for the webhooks, the resolver of Services to endpoints;
// wrapped with the admission metrics; the chain re-invokes mutating
// plugins when a later one changed the object (webhooks'
// reinvocationPolicy IfNeeded).
func applyAdmission(cfg *genericapiserver.RecommendedConfig, client kubernetes.Interface, in admissionInputs) error {
	plugins := admission.NewPlugins()
	registerAdmissionPlugins(plugins, cfg.SharedInformerFactory, in)
	order := admissionOrder()
	// No --admission-control-config-file: every plugin gets its defaults.
	configs, err := admission.ReadAdmissionConfiguration(order, "", nil)
	if err != nil {
		return err
	}
	dynamicClient, err := dynamic.NewForConfig(cfg.LoopbackClientConfig)
	if err != nil {
		return err
	}
	mapper, err := admissionRESTMapper(cfg, client)
	if err != nil {
		return err
	}
	generic := initializer.New(client, dynamicClient, cfg.SharedInformerFactory, cfg.Authorization.Authorizer,
		utilfeature.DefaultFeatureGate, cfg.EffectiveVersion, cfg.DrainedNotify(), mapper)
	// Webhooks reach a Service at one of its ready endpoints (pod IPs are
	// routed from the server's host), through the resolver the aggregator
	// uses for APIServices.
	resolver, err := newServiceResolver(cfg.SharedInformerFactory)
	if err != nil {
		return err
	}
	webhooks := webhookinit.NewPluginInitializer(nil, resolver)
	chain, err := plugins.NewFromPlugins(order, configs, admission.PluginInitializers{generic, webhooks, excludedResources{}, resourcequota.Initializer{}},
		admission.DecoratorFunc(admissionmetrics.WithControllerMetrics))
	if err != nil {
		return err
	}
	cfg.AdmissionControl = admissionmetrics.WithStepMetrics(chain)
	return nil
}

// admissionRESTMapper maps the kinds and resources admission policies
// name (their paramKind, the resources they match) through the server's
// own discovery, so CRDs and aggregated APIs count too. It learns the API
// once the server has started and again every 30 s, as kube-apiserver's
// does.
func admissionRESTMapper(cfg *genericapiserver.RecommendedConfig, client kubernetes.Interface) (meta.RESTMapper, error) {
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(client.Discovery()))
	err := cfg.AddPostStartHook("start-apiserver-admission-initializer", func(ctx genericapiserver.PostStartHookContext) error {
		mapper.Reset()
		go wait.Until(mapper.Reset, 30*time.Second, ctx.Done())
		return nil
	})
	return mapper, err
}

// excludedResources tells the webhook and policy plugins which resources
// they never see: kube-apiserver's list of reviews that are answered, not
// stored, whose interception could lock clients out.
type excludedResources struct{}

func (excludedResources) Initialize(plugin admission.Interface) {
	if wants, ok := plugin.(initializer.WantsExcludedAdmissionResources); ok {
		wants.SetExcludedAdmissionResources([]schema.GroupResource{
			{Group: "authentication.k8s.io", Resource: "selfsubjectreviews"},
			{Group: "authentication.k8s.io", Resource: "tokenreviews"},
			{Group: "authorization.k8s.io", Resource: "localsubjectaccessreviews"},
			{Group: "authorization.k8s.io", Resource: "selfsubjectaccessreviews"},
			{Group: "authorization.k8s.io", Resource: "selfsubjectrulesreviews"},
			{Group: "authorization.k8s.io", Resource: "subjectaccessreviews"},
		})
	}
}
