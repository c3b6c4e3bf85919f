package registry

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	genericrest "k8s.io/apiserver/pkg/registry/generic/rest"
	"k8s.io/apiserver/pkg/registry/rest"
)

// Agents tells the API server how to reach the agent of a node, the way
// kube-apiserver reaches kubelets for logs and exec.
type Agents interface {
	// Location is the base URL of the node's agent and the transport (with
	// the API server's client certificate) to use.
	Location(ctx context.Context, node string) (*url.URL, http.RoundTripper, error)
}

// logREST serves pods/log by streaming from the agent running the pod.
type logREST struct {
	store  *genericregistry.Store
	agents Agents
}

var _ rest.GetterWithOptions = &logREST{}

func (r *logREST) New() runtime.Object { return &corev1.Pod{} }
func (r *logREST) Destroy()            {}

func (r *logREST) ProducesMIMETypes(string) []string { return []string{"text/plain"} }
func (r *logREST) ProducesObject(string) interface{} { return "" }

func (r *logREST) NewGetOptions() (runtime.Object, bool, string) {
	return &corev1.PodLogOptions{}, false, ""
}

func (r *logREST) Get(ctx context.Context, name string, opts runtime.Object) (runtime.Object, error) {
	o, ok := opts.(*corev1.PodLogOptions)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("invalid options object: %#v", opts))
	}
	if errs := validateLogOptions(o); len(errs) > 0 {
		return nil, apierrors.NewInvalid(corev1.SchemeGroupVersion.WithKind("PodLogOptions").GroupKind(), name, errs)
	}
	t, err := locateContainer(ctx, r.store, r.agents, name, o.Container)
	if err != nil {
		return nil, err
	}
	loc, transport := t.url("containerLogs", logQuery(o)), t.transport
	return &genericrest.LocationStreamer{
		Location:        loc,
		Transport:       transport,
		ContentType:     "text/plain",
		Flush:           o.Follow,
		ResponseChecker: genericrest.NewGenericHttpResponseChecker(corev1.Resource("pods/log"), name),
		RedirectChecker: genericrest.PreventRedirects,
	}, nil
}

// agentTarget is a container of a scheduled pod and how to reach the agent
// that runs it.
type agentTarget struct {
	pod       *corev1.Pod
	container string
	base      *url.URL
	transport http.RoundTripper
}

// locateContainer finds the pod, picks the container, and asks where its
// node's agent is. Logs and exec share it.
func locateContainer(ctx context.Context, store *genericregistry.Store, agents Agents, name, container string) (*agentTarget, error) {
	obj, err := store.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	pod := obj.(*corev1.Pod)
	c, err := logContainer(pod, container)
	if err != nil {
		return nil, err
	}
	if pod.Spec.NodeName == "" || agents == nil {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("container %q in pod %q is waiting to start: ContainerCreating", c, pod.Name))
	}
	base, transport, err := agents.Location(ctx, pod.Spec.NodeName)
	if err != nil {
		return nil, err
	}
	return &agentTarget{pod: pod, container: c, base: base, transport: transport}, nil
}

// url is the agent endpoint for this container, e.g. /exec/<ns>/<pod>/<c>.
func (t *agentTarget) url(endpoint string, query url.Values) *url.URL {
	u := *t.base
	u.Path = fmt.Sprintf("/%s/%s/%s/%s", endpoint, t.pod.Namespace, t.pod.Name, t.container)
	u.RawQuery = query.Encode()
	return &u
}

// logContainer picks the container: the one named, or the only one.
func logContainer(pod *corev1.Pod, name string) (string, error) {
	var all []string
	for _, c := range append(append([]corev1.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...) {
		if c.Name == name {
			return name, nil
		}
		all = append(all, c.Name)
	}
	for _, ec := range pod.Spec.EphemeralContainers {
		if ec.Name == name {
			return name, nil
		}
		all = append(all, ec.Name)
	}
	if name != "" {
		return "", apierrors.NewBadRequest(fmt.Sprintf("container %s is not valid for pod %s", name, pod.Name))
	}
	if len(pod.Spec.Containers) == 1 && len(pod.Spec.InitContainers) == 0 {
		return pod.Spec.Containers[0].Name, nil
	}
	return "", apierrors.NewBadRequest(fmt.Sprintf("a container name must be specified for pod %s, choose one of: [%s]", pod.Name, strings.Join(all, " ")))
}

func validateLogOptions(o *corev1.PodLogOptions) field.ErrorList {
	var errs field.ErrorList
	if o.TailLines != nil && *o.TailLines < 0 {
		errs = append(errs, field.Invalid(field.NewPath("tailLines"), *o.TailLines, "must be greater than or equal to 0"))
	}
	if o.LimitBytes != nil && *o.LimitBytes < 1 {
		errs = append(errs, field.Invalid(field.NewPath("limitBytes"), *o.LimitBytes, "must be greater than 0"))
	}
	if o.SinceSeconds != nil && *o.SinceSeconds < 1 {
		errs = append(errs, field.Invalid(field.NewPath("sinceSeconds"), *o.SinceSeconds, "must be greater than 0"))
	}
	if o.SinceSeconds != nil && o.SinceTime != nil {
		errs = append(errs, field.Forbidden(field.NewPath(""), "at most one of `sinceTime` or `sinceSeconds` may be specified"))
	}
	return errs
}

// logQuery passes the options on to the agent.
func logQuery(o *corev1.PodLogOptions) url.Values {
	q := url.Values{}
	set := func(k string, on bool) {
		if on {
			q.Set(k, "true")
		}
	}
	set("follow", o.Follow)
	set("previous", o.Previous)
	set("timestamps", o.Timestamps)
	for k, v := range map[string]*int64{"tailLines": o.TailLines, "limitBytes": o.LimitBytes, "sinceSeconds": o.SinceSeconds} {
		if v != nil {
			q.Set(k, strconv.FormatInt(*v, 10))
		}
	}
	if o.SinceTime != nil {
		q.Set("sinceTime", o.SinceTime.UTC().Format("2006-01-02T15:04:05Z"))
	}
	return q
}
