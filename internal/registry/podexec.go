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
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
)

// execREST serves pods/exec by proxying the client's upgraded stream to the
// agent running the pod, as kube-apiserver proxies to the kubelet.
type execREST struct {
	store  *genericregistry.Store
	agents Agents
}

var _ rest.Connecter = &execREST{}

func (r *execREST) New() runtime.Object      { return &corev1.Pod{} }
func (r *execREST) Destroy()                 {}
func (r *execREST) ConnectMethods() []string { return []string{"GET", "POST"} }
func (r *execREST) NewConnectOptions() (runtime.Object, bool, string) {
	return &corev1.PodExecOptions{}, false, ""
}

func (r *execREST) Connect(ctx context.Context, name string, opts runtime.Object, responder rest.Responder) (http.Handler, error) {
	o, ok := opts.(*corev1.PodExecOptions)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid options object: %#v", opts))
	}
	if len(o.Command) == 0 {
		return nil, apierrors.NewBadRequest("you must specify at least one command for the container")
	}
	if !o.Stdin && !o.Stdout && !o.Stderr {
		return nil, apierrors.NewBadRequest("you must specify at least one of stdin, stdout, stderr")
	}
	obj, err := r.store.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	pod := obj.(*corev1.Pod)
	container, err := logContainer(pod, o.Container)
	if err != nil {
		return nil, err
	}
	if pod.Spec.NodeName == "" || r.agents == nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("pod %s does not have a host assigned", pod.Name))
	}
	base, transport, err := r.agents.Location(ctx, pod.Spec.NodeName)
	if err != nil {
		return nil, err
	}
	loc := *base
	loc.Path = fmt.Sprintf("/exec/%s/%s/%s", pod.Namespace, pod.Name, container)
	loc.RawQuery = execQuery(o).Encode()
	return proxy.NewUpgradeAwareHandler(&loc, transport, false, true, proxy.NewErrorResponder(responder)), nil
}

func execQuery(o *corev1.PodExecOptions) url.Values {
	q := url.Values{"command": o.Command}
	for k, v := range map[string]bool{"stdin": o.Stdin, "stdout": o.Stdout, "stderr": o.Stderr, "tty": o.TTY} {
		q.Set(k, strconv.FormatBool(v))
	}
	return q
}
