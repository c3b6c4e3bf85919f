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
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/apiserver/pkg/registry/rest"
)

// attachREST serves pods/attach (kubectl attach, kubectl run -i) by
// proxying the client's upgraded stream to the agent running the pod, as
// kube-apiserver proxies to the kubelet.
type attachREST struct {
	store  *genericregistry.Store
	agents Agents
	authz  authorizer.Authorizer
}

var _ rest.Connecter = &attachREST{}

func (r *attachREST) New() runtime.Object      { return &corev1.PodAttachOptions{} }
func (r *attachREST) Destroy()                 {}
func (r *attachREST) ConnectMethods() []string { return []string{"GET", "POST"} }
func (r *attachREST) NewConnectOptions() (runtime.Object, bool, string) {
	return &corev1.PodAttachOptions{}, false, ""
}

func (r *attachREST) Connect(ctx context.Context, name string, opts runtime.Object, responder rest.Responder) (http.Handler, error) {
	o, ok := opts.(*corev1.PodAttachOptions)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid options object: %#v", opts))
	}
	if !o.Stdin && !o.Stdout && !o.Stderr {
		return nil, apierrors.NewBadRequest("you must specify at least one of stdin, stdout, stderr")
	}
	// Kubernetes (1.35) asks for "create" on pods/attach, whichever the
	// method, as for port-forward.
	if err := authorizeCreate(ctx, r.authz); err != nil {
		return nil, err
	}
	t, err := locateContainer(ctx, r.store, r.agents, name, o.Container)
	if err != nil {
		return nil, err
	}
	if c := specContainer(t.pod, t.container); o.Stdin && c != nil && !c.Stdin {
		// Refused here, with a Status kubectl prints, rather than input
		// silently dropped: the container reads /dev/null.
		return nil, apierrors.NewBadRequest(fmt.Sprintf(
			"stdin is not enabled for container %s: its spec must set stdin: true to attach to its input", t.container))
	}
	return proxy.NewUpgradeAwareHandler(t.url("attach", attachQuery(o)), t.transport, false, true, proxy.NewErrorResponder(responder)), nil
}

// specContainer is the pod's container (of any kind) named name.
func specContainer(p *corev1.Pod, name string) *corev1.Container {
	for _, cs := range [][]corev1.Container{p.Spec.InitContainers, p.Spec.Containers} {
		for i := range cs {
			if cs[i].Name == name {
				return &cs[i]
			}
		}
	}
	for i := range p.Spec.EphemeralContainers {
		if p.Spec.EphemeralContainers[i].Name == name {
			return (*corev1.Container)(&p.Spec.EphemeralContainers[i].EphemeralContainerCommon)
		}
	}
	return nil
}

func attachQuery(o *corev1.PodAttachOptions) url.Values {
	q := url.Values{}
	for k, v := range map[string]bool{"stdin": o.Stdin, "stdout": o.Stdout, "stderr": o.Stderr, "tty": o.TTY} {
		q.Set(k, strconv.FormatBool(v))
	}
	return q
}
