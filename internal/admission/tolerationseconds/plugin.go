// Package tolerationseconds is Kubernetes' DefaultTolerationSeconds
// admission plugin: a pod that does not tolerate the NoExecute
// node.kubernetes.io/not-ready and node.kubernetes.io/unreachable taints
// gets tolerations of both for 300 s, so the taint manager evicts it only
// once its node has been gone for five minutes.
package tolerationseconds

import (
	"context"
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apiserver/pkg/admission"
)

// PluginName is kube-apiserver's name for the plugin.
const PluginName = "DefaultTolerationSeconds"

// Register registers the plugin under PluginName, giving s.
func Register(plugins *admission.Plugins, s Seconds) {
	plugins.Register(PluginName, func(io.Reader) (admission.Interface, error) { return New(s), nil })
}

// DefaultSeconds is kube-apiserver's default of both flags.
const DefaultSeconds int64 = 300

// Seconds are the tolerationSeconds given: kube-apiserver's
// --default-not-ready-toleration-seconds and
// --default-unreachable-toleration-seconds, which ordo server takes too.
type Seconds struct {
	NotReady, Unreachable int64
}

// Defaults are Kubernetes' 300 s for both.
func Defaults() Seconds { return Seconds{NotReady: DefaultSeconds, Unreachable: DefaultSeconds} }

// Plugin adds the tolerations on pod create and update.
type Plugin struct {
	*admission.Handler
	seconds Seconds
}

var _ admission.MutationInterface = &Plugin{}

// New returns the plugin giving s.
func New(s Seconds) *Plugin {
	return &Plugin{Handler: admission.NewHandler(admission.Create, admission.Update), seconds: s}
}

// Admit adds the missing tolerations.
func (p *Plugin) Admit(_ context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	if a.GetResource().GroupResource() != corev1.Resource("pods") || a.GetSubresource() != "" {
		return nil
	}
	pod, ok := a.GetObject().(*corev1.Pod)
	if !ok {
		return apierrors.NewBadRequest(fmt.Sprintf("expected *v1.Pod but got %T", a.GetObject()))
	}
	pod.Spec.Tolerations = WithDefaults(pod.Spec.Tolerations, p.seconds)
	return nil
}

// WithDefaults appends the not-ready and unreachable tolerations that
// tolerations lack. A toleration with no key, or no effect, already
// covers them.
func WithDefaults(tolerations []corev1.Toleration, seconds Seconds) []corev1.Toleration {
	for _, d := range []struct {
		key  string
		secs int64
	}{{corev1.TaintNodeNotReady, seconds.NotReady}, {corev1.TaintNodeUnreachable, seconds.Unreachable}} {
		if !coversNoExecute(tolerations, d.key) {
			s := d.secs
			tolerations = append(tolerations, corev1.Toleration{Key: d.key, Operator: corev1.TolerationOpExists,
				Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &s})
		}
	}
	return tolerations
}

func coversNoExecute(tolerations []corev1.Toleration, key string) bool {
	for _, t := range tolerations {
		if (t.Key == key || t.Key == "") && (t.Effect == corev1.TaintEffectNoExecute || t.Effect == "") {
			return true
		}
	}
	return false
}
