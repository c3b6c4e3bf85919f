// Package apiserver assembles ordo's Kubernetes API server from
// k8s.io/apiserver: TLS and authentication from the data directory's PKI,
// storage on etcd, every resource of the registry catalog, OpenAPI for
// kubectl's validation and server-side apply, and admission.
//
// k8s.io/apiserver brings, unchanged from kube-apiserver, the REST
// conventions: discovery, watch with bookmarks and 410 Gone, JSON/merge/
// strategic-merge patch and server-side apply, fieldValidation, Table output,
// deletion with propagation policies, dry runs and the Status error bodies.
package apiserver

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/request/x509"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	openapinamer "k8s.io/apiserver/pkg/endpoints/openapi"
	apirequest "k8s.io/apiserver/pkg/endpoints/request"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/apiserver/pkg/server/dynamiccertificates"
	"k8s.io/apiserver/pkg/server/options"
	"k8s.io/apiserver/pkg/util/compatibility"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	apiextensionsapiserver "k8s.io/apiextensions-apiserver/pkg/apiserver"
	apiextensionsopenapi "k8s.io/apiextensions-apiserver/pkg/generated/openapi"
	aggregatorapiserver "k8s.io/kube-aggregator/pkg/apiserver"
	aggregatorscheme "k8s.io/kube-aggregator/pkg/apiserver/scheme"
	aggregatoropenapi "k8s.io/kube-aggregator/pkg/generated/openapi"
	"k8s.io/kube-openapi/pkg/common"

	"github.com/ordo-dev/ordo/internal/admission/tolerationseconds"
	"github.com/ordo-dev/ordo/internal/api/openapi"
	"github.com/ordo-dev/ordo/internal/api/scheme"
	"github.com/ordo-dev/ordo/internal/metrics/resource"
	"github.com/ordo-dev/ordo/internal/nodeauthz"
	"github.com/ordo-dev/ordo/internal/rbac"
	"github.com/ordo-dev/ordo/internal/registry"
	"github.com/ordo-dev/ordo/internal/serviceaccount"
)

// Config is everything the API server needs to start.
type Config struct {
	// Listen is host:port for HTTPS.
	Listen string
	// CACertFile verifies client certificates.
	CACertFile string
	// ServingCertFile and ServingKeyFile are the server's TLS identity.
	ServingCertFile, ServingKeyFile string
	// EtcdServers are the etcd client URLs.
	EtcdServers []string
	// EtcdCompactionInterval is how often old etcd revisions are compacted;
	// zero keeps Kubernetes' default of 5 minutes.
	EtcdCompactionInterval time.Duration
	// Registry is the registry configuration (validation, tables, allocators).
	Registry registry.Config
	// Scheme is the scheme the registry and codecs share.
	Scheme scheme.Set
	// AgentClientTLS is how the server calls node agents (pods/log, exec).
	AgentClientTLS *tls.Config
	// NodeToken is the server join token (servers join, agents
	// bootstrap with it); AgentToken the agent join token (agents
	// bootstrap with it).
	NodeToken, AgentToken string
	// FrontProxy is the aggregator's identity towards extension API servers;
	// without it requests are proxied to them anonymously.
	FrontProxy *FrontProxy
	// ServiceAccountKeyFile signs and verifies service-account tokens
	// (pki.Files.ServiceAccountKey); empty issues and accepts none.
	ServiceAccountKeyFile string
	// RuntimeHandlerAliases are RuntimeClass handler names, besides "ordo"
	// and "runc", that pods may use (--runtime-handler-aliases).
	RuntimeHandlerAliases []string
	// TolerationSeconds are what the DefaultTolerationSeconds admission
	// gives pods; Kubernetes' 300 s for both when nil.
	TolerationSeconds *tolerationseconds.Seconds
	// LongRunningPaths are non-resource paths served as long-running
	// requests, as watches are: no request timeout, outside the in-flight
	// limits (the dashboard's Server-Sent Events stream).
	LongRunningPaths []string
}

// Server is a configured API server ready to run.
type Server struct {
	// Generic is the head of the chain (the aggregator): post-start and
	// pre-shutdown hooks added to it run for the whole chain.
	Generic    *genericapiserver.GenericAPIServer
	aggregator *aggregatorapiserver.APIAggregator
	// Informers is the server's own shared informer factory (loopback).
	Informers informers.SharedInformerFactory
	// Loopback is a client with the server's own full privileges.
	Loopback kubernetes.Interface
	// Authorizer is the server's authorizer (RBAC and the node
	// authorizer), for handlers that check what their caller may do.
	Authorizer authorizer.Authorizer
	// StopInformers ends Informers' watches and waits for them: call it
	// at a stop before the server's own context ends (see ownInformers).
	StopInformers func()
}

// New builds the server; start it with Run.
func New(c Config) (*Server, error) {
	cfg := genericapiserver.NewRecommendedConfig(c.Scheme.Codecs)
	cfg.EffectiveVersion = compatibility.DefaultBuildEffectiveVersion()
	// Stop promptly even with clients watching: end active watches at
	// shutdown (clients re-list and re-watch) and give the HTTP server 2 s,
	// as kube-apiserver's --shutdown-watch-termination-grace-period and
	// --shutdown-send-retry-after do.
	cfg.ShutdownWatchTerminationGracePeriod = 2 * time.Second
	cfg.ShutdownSendRetryAfter = true
	cfg.LongRunningFunc = withLongRunningPaths(cfg.LongRunningFunc, c.LongRunningPaths)
	if err := applyServing(cfg, c); err != nil {
		return nil, err
	}
	// The controllers and the local agent talk to this process over
	// loopback. Their informers' watch-list streams would otherwise be
	// gzipped event by event for the whole life of the watch: with a busy
	// Job that was 3% of the server's CPU, spent compressing bytes that
	// never leave the machine.
	cfg.LoopbackClientConfig.DisableCompression = true
	// Deprecation warnings (v1 Endpoints, which the kubernetes Service
	// loop keeps every 10 s) are for users; on the server's own loopback
	// they only fill its log.
	cfg.LoopbackClientConfig.WarningHandler = rest.NoWarnings{}
	etcd, err := applyStorage(cfg, c.Scheme, c)
	if err != nil {
		return nil, err
	}
	applyOpenAPI(cfg, c.Scheme)
	loopback, err := kubernetes.NewForConfig(protobufConfig(cfg.LoopbackClientConfig))
	if err != nil {
		return nil, err
	}
	own := newOwnInformers(informers.NewSharedInformerFactoryWithOptions(loopback, 10*time.Minute, informers.WithTransform(dropManagedFields)))
	cfg.SharedInformerFactory = own
	// Authentication comes after the informers: service-account tokens are
	// checked against the ServiceAccounts and pods they cache.
	if err := applyAuth(cfg, &c, loopback); err != nil {
		return nil, err
	}
	if c.AgentClientTLS != nil {
		agents := newAgentLocator(func() kubernetes.Interface { return loopback }, c.AgentClientTLS)
		c.Registry.Agents = agents
		c.Registry.Metrics = &resource.Reader{Client: loopback, Agents: agents}
	}
	c.Registry.Authorizer = cfg.Authorization.Authorizer
	c.Registry.Endpoints = func(ctx context.Context, namespace, name string) (*corev1.Endpoints, error) {
		return loopback.CoreV1().Endpoints(namespace).Get(ctx, name, metav1.GetOptions{})
	}
	c.Registry.Budgets = loopbackBudgets{client: loopback}
	// One resolver finds the backends of APIServices, CRD conversion
	// webhooks and (for admission webhooks) any Service-backed webhook.
	resolver, err := newServiceResolver(cfg.SharedInformerFactory)
	if err != nil {
		return nil, err
	}
	tolerations := tolerationseconds.Defaults()
	if c.TolerationSeconds != nil {
		tolerations = *c.TolerationSeconds
	}
	if err := applyAdmission(cfg, loopback, admissionInputs{runtimeHandlerAliases: c.RuntimeHandlerAliases, tolerationSeconds: tolerations}); err != nil {
		return nil, err
	}
	chain, err := newChain(cfg, etcd, chainOptions{resolver: resolver, frontProxy: c.FrontProxy}, func(generic *genericapiserver.GenericAPIServer) error {
		if err := installAPIs(generic, c, cfg.RESTOptionsGetter); err != nil {
			return err
		}
		if t, ok := c.Registry.Tokens.(*serviceaccount.Tokens); ok && t != nil {
			generic.Handler.NonGoRestfulMux.Handle(serviceaccount.OpenIDConfigurationPath, t.OpenIDConfiguration())
			generic.Handler.NonGoRestfulMux.Handle(serviceaccount.JWKSPath, t.JWKS())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if c.FrontProxy != nil {
		info, err := authInfo(c.CACertFile, *c.FrontProxy)
		if err != nil {
			return nil, err
		}
		if err := publishAuthInfo(chain.GenericAPIServer, loopback, info); err != nil {
			return nil, err
		}
	}
	return &Server{Generic: chain.GenericAPIServer, aggregator: chain, Informers: cfg.SharedInformerFactory, Loopback: loopback,
		Authorizer: cfg.Authorization.Authorizer, StopInformers: own.Stop}, nil
}

// withLongRunningPaths adds exact non-resource paths to a long-running
// request check.
func withLongRunningPaths(base apirequest.LongRunningRequestCheck, paths []string) apirequest.LongRunningRequestCheck {
	if len(paths) == 0 {
		return base
	}
	return func(r *http.Request, info *apirequest.RequestInfo) bool {
		if info != nil && !info.IsResourceRequest && slices.Contains(paths, r.URL.Path) {
			return true
		}
		return base(r, info)
	}
}

func applyServing(cfg *genericapiserver.RecommendedConfig, c Config) error {
	host, portText, err := net.SplitHostPort(c.Listen)
	if err != nil {
		return fmt.Errorf("--listen %q: %w", c.Listen, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 1 || port > 65535 {
		// Port 0 would turn secure serving off (kube-apiserver's
		// --secure-port=0), leaving ordo with no API at all.
		return fmt.Errorf("--listen %q: the port must be 1-65535", c.Listen)
	}
	serving := options.NewSecureServingOptions()
	serving.BindAddress = net.ParseIP(host)
	if serving.BindAddress == nil {
		return fmt.Errorf("--listen %q: host must be an IP address", c.Listen)
	}
	serving.BindPort = port
	serving.ServerCert.CertKey.CertFile = c.ServingCertFile
	serving.ServerCert.CertKey.KeyFile = c.ServingKeyFile
	if err := serving.ApplyTo(&cfg.SecureServing); err != nil {
		return err
	}
	if err := applyLoopback(cfg.SecureServing, &cfg.LoopbackClientConfig); err != nil {
		return err
	}
	cfg.ExternalAddress = c.Listen
	return nil
}

func applyAuth(cfg *genericapiserver.RecommendedConfig, c *Config, loopback kubernetes.Interface) error {
	clientCA, err := dynamiccertificates.NewDynamicCAContentFromFile("client-ca", c.CACertFile)
	if err != nil {
		return err
	}
	cfg.SecureServing.ClientCA = clientCA
	verify, err := x509.NewStaticVerifierFromFile(c.CACertFile)
	if err != nil {
		return err
	}
	tokens, err := serviceAccountTokens(c.ServiceAccountKeyFile, cfg.SharedInformerFactory, loopback)
	if err != nil {
		return err
	}
	var saTokens authenticator.Token
	if tokens != nil {
		c.Registry.Tokens = tokens
		cfg.Authentication.APIAudiences = tokens.Audiences()
		saTokens = tokens
	}
	bearer := bearerTokens(joinTokens{server: c.NodeToken, agent: c.AgentToken,
		secrets: cfg.SharedInformerFactory.Core().V1().Secrets().Lister()}, saTokens, cfg.Authentication.APIAudiences)
	c.Registry.TokenAuthenticator, c.Registry.APIAudiences = bearer, cfg.Authentication.APIAudiences
	cfg.Authentication.Authenticator = newAuthenticator(verify, bearer, cfg.SharedInformerFactory.Core().V1().ConfigMaps().Lister())
	roles := rbac.New(cfg.SharedInformerFactory)
	nodes, err := nodeauthz.New(cfg.SharedInformerFactory)
	if err != nil {
		return err
	}
	authz := ordoAuthorizer{rbac: roles, nodes: nodes}
	cfg.Authorization.Authorizer = authz
	c.Registry.Escalation = &rbac.Guard{Authorizer: authz, Rules: authz, Roles: roles}
	return nil
}

// applyOpenAPI describes ordo's groups, CRDs' and APIServices' in one
// OpenAPI configuration shared by the chain's servers, as kube-apiserver's
// generated definitions cover all three.
func applyOpenAPI(cfg *genericapiserver.RecommendedConfig, set scheme.Set) {
	namer := openapinamer.NewDefinitionNamer(set.Scheme, apiextensionsapiserver.Scheme, aggregatorscheme.Scheme)
	cfg.OpenAPIConfig = genericapiserver.DefaultOpenAPIConfig(openAPIDefinitions, namer)
	cfg.OpenAPIConfig.Info.Title = "Kubernetes"
	cfg.OpenAPIV3Config = genericapiserver.DefaultOpenAPIV3Config(openAPIDefinitions, namer)
	cfg.OpenAPIV3Config.Info.Title = "Kubernetes"
}

func openAPIDefinitions(ref common.ReferenceCallback) map[string]common.OpenAPIDefinition {
	defs := openapi.GetOpenAPIDefinitions(ref)
	for _, more := range []common.GetOpenAPIDefinitions{apiextensionsopenapi.GetOpenAPIDefinitions, aggregatoropenapi.GetOpenAPIDefinitions} {
		for name, d := range more(ref) {
			if _, ok := defs[name]; !ok {
				defs[name] = d
			}
		}
	}
	return defs
}
