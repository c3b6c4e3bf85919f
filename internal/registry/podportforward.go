package registry

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/proxy"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
	streamproxy "k8s.io/apiserver/pkg/util/proxy"
	"k8s.io/streaming/pkg/httpstream/wsstream"
)

// portForwardREST serves pods/portforward as kube-apiserver's PortForwardREST
// does: SPDY upgrades are proxied to the agent of the pod's node, and
// kubectl's WebSocket-tunnelled SPDY (SPDY/3.1+portforward.k8s.io) is
// unwrapped here, so agents, like kubelets, speak plain SPDY only.
type portForwardREST struct {
	store  *genericregistry.Store
	agents Agents
	authz  authorizer.Authorizer
}

var _ rest.Connecter = &portForwardREST{}

func (r *portForwardREST) New() runtime.Object      { return &corev1.PodPortForwardOptions{} }
func (r *portForwardREST) Destroy()                 {}
func (r *portForwardREST) ConnectMethods() []string { return []string{"GET", "POST"} }
func (r *portForwardREST) NewConnectOptions() (runtime.Object, bool, string) {
	return &corev1.PodPortForwardOptions{}, false, ""
}

func (r *portForwardREST) Connect(ctx context.Context, name string, opts runtime.Object, responder rest.Responder) (http.Handler, error) {
	if err := authorizeCreate(ctx, r.authz); err != nil {
		return nil, err
	}
	o, ok := opts.(*corev1.PodPortForwardOptions)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid options object: %#v", opts))
	}
	pod, base, transport, err := locateRunningPod(ctx, r.store, r.agents, name)
	if err != nil {
		return nil, err
	}
	upgrade := proxy.NewUpgradeAwareHandler(portForwardURL(base, pod, o), transport, false, true, proxy.NewErrorResponder(responder))
	tunnel := streamproxy.NewTunnelingHandler(upgrade)
	return streamproxy.NewTranslatingHandler(upgrade, tunnel, wsstream.IsWebSocketRequestWithTunnelingProtocol), nil
}

// locateRunningPod finds a running pod and the agent of its node, failing
// with kube-apiserver's and kubectl's messages otherwise.
func locateRunningPod(ctx context.Context, store *genericregistry.Store, agents Agents, name string) (*corev1.Pod, *url.URL, http.RoundTripper, error) {
	obj, err := store.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, nil, nil, err
	}
	pod := obj.(*corev1.Pod)
	if pod.Spec.NodeName == "" || agents == nil {
		return nil, nil, nil, apierrors.NewBadRequest(fmt.Sprintf("pod %s does not have a host assigned", name))
	}
	if pod.Status.Phase != corev1.PodRunning {
		return nil, nil, nil, apierrors.NewBadRequest(fmt.Sprintf("unable to forward port because pod is not running. Current status=%v", pod.Status.Phase))
	}
	base, transport, err := agents.Location(ctx, pod.Spec.NodeName)
	if err != nil {
		return nil, nil, nil, err
	}
	return pod, base, transport, nil
}

// portForwardURL is the agent's /portForward/<ns>/<pod>, the kubelet's path,
// with the requested ports passed on as ?port=.
func portForwardURL(base *url.URL, pod *corev1.Pod, o *corev1.PodPortForwardOptions) *url.URL {
	u := *base
	u.Path = fmt.Sprintf("/portForward/%s/%s", pod.Namespace, pod.Name)
	q := url.Values{}
	for _, p := range o.Ports {
		q.Add("port", strconv.Itoa(int(p)))
	}
	u.RawQuery = q.Encode()
	return &u
}
