package registry

import (
	"context"
	"crypto/tls"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/apimachinery/pkg/util/proxy"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
)

// proxyMethods are the verbs pods/proxy and services/proxy pass on.
var proxyMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

// proxyTransport reaches pod IPs from the API server, as kube-apiserver's
// proxy transport does: a pod's serving certificate is not checked (no CA
// vouches for pod IPs).
var proxyTransport http.RoundTripper = &http.Transport{
	Proxy:               nil,
	DialContext:         (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	TLSClientConfig:     &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // as kube-apiserver's pod proxy
	TLSHandshakeTimeout: 10 * time.Second,
	MaxIdleConnsPerHost: 8,
}

// podProxyREST serves pods/proxy: /pods/[scheme:]name[:port]/proxy/path
// reaches the pod's IP on that port (the first container port when none
// is named, 80 when there is none).
type podProxyREST struct{ store *genericregistry.Store }

var _ rest.Connecter = &podProxyREST{}

func (r *podProxyREST) New() runtime.Object      { return &corev1.PodProxyOptions{} }
func (r *podProxyREST) Destroy()                 {}
func (r *podProxyREST) ConnectMethods() []string { return proxyMethods }
func (r *podProxyREST) NewConnectOptions() (runtime.Object, bool, string) {
	return &corev1.PodProxyOptions{}, true, "path"
}

func (r *podProxyREST) Connect(ctx context.Context, id string, opts runtime.Object, responder rest.Responder) (http.Handler, error) {
	o, ok := opts.(*corev1.PodProxyOptions)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid options object: %#v", opts))
	}
	scheme, name, port, valid := utilnet.SplitSchemeNamePort(id)
	if !valid {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid pod request %q", id))
	}
	obj, err := r.store.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	pod := obj.(*corev1.Pod)
	if pod.Status.PodIP == "" {
		return nil, apierrors.NewServiceUnavailable(fmt.Sprintf("pod %q has no IP yet", name))
	}
	if port == "" {
		port = firstContainerPort(pod)
	}
	return proxyTo(scheme, net.JoinHostPort(pod.Status.PodIP, port), o.Path, responder), nil
}

// firstContainerPort is the port a pod proxy without one goes to.
func firstContainerPort(pod *corev1.Pod) string {
	for _, c := range pod.Spec.Containers {
		if len(c.Ports) > 0 {
			return strconv.Itoa(int(c.Ports[0].ContainerPort))
		}
	}
	return "80"
}

// proxyTo is a handler passing the request on to scheme://host/path,
// with its query, upgrades (websockets) and kube-apiserver's rewriting of
// the links in HTML answers.
func proxyTo(scheme, host, path string, responder rest.Responder) http.Handler {
	if scheme == "" {
		scheme = "http"
	}
	// An empty path stays empty: the handler then answers GET and HEAD
	// with a 301 to the URL with a trailing '/', as kube-apiserver does
	// (relative links in the answer resolve under it), and passes other
	// methods on.
	loc := &url.URL{Scheme: scheme, Host: host, Path: path}
	return proxy.NewUpgradeAwareHandler(loc, proxyTransport, true, false, proxy.NewErrorResponder(responder))
}

// EndpointsGetter reads a Service's Endpoints, for services/proxy.
type EndpointsGetter func(ctx context.Context, namespace, name string) (*corev1.Endpoints, error)

// serviceProxyREST serves services/proxy: /services/[scheme:]name[:port]/proxy/path
// reaches one ready endpoint of the Service port named (by name or
// number; the first port when none is), picked at random.
type serviceProxyREST struct {
	store     *genericregistry.Store
	endpoints EndpointsGetter
}

var _ rest.Connecter = &serviceProxyREST{}

func (r *serviceProxyREST) New() runtime.Object      { return &corev1.ServiceProxyOptions{} }
func (r *serviceProxyREST) Destroy()                 {}
func (r *serviceProxyREST) ConnectMethods() []string { return proxyMethods }
func (r *serviceProxyREST) NewConnectOptions() (runtime.Object, bool, string) {
	return &corev1.ServiceProxyOptions{}, true, "path"
}

func (r *serviceProxyREST) Connect(ctx context.Context, id string, opts runtime.Object, responder rest.Responder) (http.Handler, error) {
	o, ok := opts.(*corev1.ServiceProxyOptions)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid options object: %#v", opts))
	}
	scheme, name, port, valid := utilnet.SplitSchemeNamePort(id)
	if !valid {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid service request %q", id))
	}
	obj, err := r.store.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	svc := obj.(*corev1.Service)
	portName, found := servicePortName(svc, port)
	if !found {
		return nil, apierrors.NewServiceUnavailable(fmt.Sprintf("no service port %q found for service %q", port, name))
	}
	if r.endpoints == nil {
		return nil, apierrors.NewServiceUnavailable("no endpoints are readable")
	}
	eps, err := r.endpoints(ctx, svc.Namespace, name)
	if err != nil {
		return nil, err
	}
	host, ok := pickEndpoint(eps, portName)
	if !ok {
		return nil, apierrors.NewServiceUnavailable(fmt.Sprintf("no endpoints available for service %q", name))
	}
	return proxyTo(scheme, host, o.Path, responder), nil
}

// servicePortName is the name of the Service port that port names (its
// name or number), or of the first port when port is empty.
func servicePortName(svc *corev1.Service, port string) (string, bool) {
	for _, p := range svc.Spec.Ports {
		if port == "" || port == p.Name || port == strconv.Itoa(int(p.Port)) {
			return p.Name, true
		}
	}
	return "", false
}

// pickEndpoint is a random ready address of the endpoint port named
// portName, as host:port.
func pickEndpoint(eps *corev1.Endpoints, portName string) (string, bool) {
	var hosts []string
	for _, ss := range eps.Subsets {
		for _, p := range ss.Ports {
			if p.Name != portName {
				continue
			}
			for _, a := range ss.Addresses {
				hosts = append(hosts, net.JoinHostPort(a.IP, strconv.Itoa(int(p.Port))))
			}
		}
	}
	if len(hosts) == 0 {
		return "", false
	}
	return hosts[rand.IntN(len(hosts))], true
}
