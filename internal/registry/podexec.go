package registry

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
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

func (r *execREST) New() runtime.Object      { return &corev1.PodExecOptions{} }
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
	t, err := locateContainer(ctx, r.store, r.agents, name, o.Container)
	if err != nil {
		return nil, err
	}
	return proxy.NewUpgradeAwareHandler(t.url("exec", execQuery(o)), t.transport, false, true, proxy.NewErrorResponder(responder)), nil
}

func execQuery(o *corev1.PodExecOptions) url.Values {
	q := url.Values{"command": o.Command}
	for k, v := range map[string]bool{"stdin": o.Stdin, "stdout": o.Stdout, "stderr": o.Stderr, "tty": o.TTY} {
		q.Set(k, strconv.FormatBool(v))
	}
	return q
}
