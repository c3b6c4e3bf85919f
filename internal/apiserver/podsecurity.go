package apiserver

import (
	"context"
	"errors"
	"fmt"
	"io"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/admission/initializer"
	"k8s.io/apiserver/pkg/audit"
	"k8s.io/apiserver/pkg/warning"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/component-base/compatibility"
	"k8s.io/component-base/metrics"
	"k8s.io/component-base/metrics/legacyregistry"
	psadmission "k8s.io/pod-security-admission/admission"
	psconfig "k8s.io/pod-security-admission/admission/api/load"
	psapi "k8s.io/pod-security-admission/api"
	psmetrics "k8s.io/pod-security-admission/metrics"
	"k8s.io/pod-security-admission/policy"
)

const podSecurityPluginName = "PodSecurity"

// podSecurity is kube-apiserver's PodSecurity admission plugin: the Pod
// Security Standards of k8s.io/pod-security-admission, applied from each
// namespace's pod-security.kubernetes.io/enforce|audit|warn labels (and
// their -version labels), the default for an unlabelled namespace being
// privileged at latest (the library's default configuration, as
// kube-apiserver has without --admission-control-config-file):
//
//   - enforce refuses a pod that violates the level, and warns on a
//     workload whose pod template does (Deployment, StatefulSet, Job,
//     CronJob, DaemonSet, ReplicaSet, ReplicationController, PodTemplate);
//   - warn returns "would violate PodSecurity ..." warnings, which kubectl
//     prints;
//   - audit adds pod-security.kubernetes.io/* audit annotations;
//   - labelling a namespace with a stricter enforce level warns about the
//     pods already there that violate it.
//
// The library makes every decision; this wrapper only adapts admission
// attributes (ordo's objects are already the v1 types the library reads)
// and turns its response into a warning, audit annotations or a Forbidden
// error with the library's message.
type podSecurity struct {
	*admission.Handler
	delegate   *psadmission.Admission
	client     kubernetes.Interface
	namespaces corelisters.NamespaceLister
	emulated   *psapi.Version
}

var (
	_ admission.ValidationInterface                = &podSecurity{}
	_ admission.InitializationValidator            = &podSecurity{}
	_ initializer.WantsExternalKubeClientSet       = &podSecurity{}
	_ initializer.WantsExternalKubeInformerFactory = &podSecurity{}
	_ initializer.WantsEffectiveVersion            = &podSecurity{}
	_ psapi.Attributes                             = podSecurityAttributes{}
)

// registerPodSecurity registers the plugin; its configuration is the
// library's PodSecurityConfiguration (the defaults when there is none).
func registerPodSecurity(plugins *admission.Plugins) {
	plugins.Register(podSecurityPluginName, func(config io.Reader) (admission.Interface, error) {
		return newPodSecurity(config)
	})
}

func newPodSecurity(config io.Reader) (*podSecurity, error) {
	cfg, err := psconfig.LoadFromReader(config)
	if err != nil {
		return nil, err
	}
	return &podSecurity{
		Handler: admission.NewHandler(admission.Create, admission.Update),
		delegate: &psadmission.Admission{
			Configuration:    cfg,
			Metrics:          podSecurityMetrics(),
			PodSpecExtractor: psadmission.DefaultPodSpecExtractor{},
		},
	}, nil
}

// podSecurityMetrics is the library's recorder, registered with the
// process's metrics (pod_security_evaluations_total, ...). A second
// server in the same process (tests) records into an unregistered
// recorder: its counters are then not exported.
func podSecurityMetrics() psmetrics.Recorder {
	r := psmetrics.NewPrometheusRecorder(psapi.GetAPIVersion())
	r.MustRegister(func(ms ...metrics.Registerable) {
		for _, m := range ms {
			_ = legacyregistry.Register(m)
		}
	})
	return r
}

// SetExternalKubeClientSet is the client namespaces are read with when the
// cache does not have them yet.
func (p *podSecurity) SetExternalKubeClientSet(c kubernetes.Interface) {
	p.client = c
}

// SetExternalKubeInformerFactory gives the namespace and pod caches.
func (p *podSecurity) SetExternalKubeInformerFactory(f informers.SharedInformerFactory) {
	namespaces := f.Core().V1().Namespaces()
	pods := f.Core().V1().Pods()
	p.delegate.PodLister = psadmission.PodListerFromInformer(pods.Lister())
	p.namespaces = namespaces.Lister()
	p.SetReadyFunc(namespaces.Informer().HasSynced)
}

// InspectEffectiveVersion makes "latest" mean the checks of the emulated
// Kubernetes minor, as kube-apiserver does.
func (p *podSecurity) InspectEffectiveVersion(v compatibility.EffectiveVersion) {
	if v == nil || v.EmulationVersion() == nil {
		return
	}
	ev := psapi.MajorMinorVersion(int(v.EmulationVersion().Major()), int(v.EmulationVersion().Minor()))
	p.emulated = &ev
}

// ValidateInitialization builds the evaluator and checks the library has
// everything it needs.
func (p *podSecurity) ValidateInitialization() error {
	if p.namespaces == nil || p.client == nil {
		return errors.New("PodSecurity needs an informer factory and a client")
	}
	// Namespaces from the cache, else from the API (one created a moment
	// ago).
	p.delegate.NamespaceGetter = psadmission.NamespaceGetterFromListerAndClient(p.namespaces, p.client)
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks(), p.emulated)
	if err != nil {
		return fmt.Errorf("PodSecurity: %w", err)
	}
	p.delegate.Evaluator = evaluator
	if err := p.delegate.CompleteConfiguration(); err != nil {
		return err
	}
	return p.delegate.ValidateConfiguration()
}

// Validate evaluates namespaces, pods and workloads with pod templates.
func (p *podSecurity) Validate(ctx context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	gr := a.GetResource().GroupResource()
	if gr != corev1.Resource("namespaces") && gr != corev1.Resource("pods") && !p.delegate.PodSpecExtractor.HasPodSpec(gr) {
		return nil
	}
	if !p.WaitForReady() {
		return admission.NewForbidden(a, errors.New("not yet ready to handle request"))
	}
	result := p.delegate.Validate(ctx, podSecurityAttributes{a})
	for _, w := range result.Warnings {
		warning.AddWarning(ctx, "", w)
	}
	if len(result.AuditAnnotations) > 0 {
		kv := make([]string, 0, 2*len(result.AuditAnnotations))
		for k, v := range result.AuditAnnotations {
			kv = append(kv, psapi.AuditAnnotationPrefix+k, v)
		}
		audit.AddAuditAnnotations(ctx, kv...)
	}
	if result.Allowed {
		return nil
	}
	return podSecurityError(a, result)
}

// podSecurityError is the refusal: Forbidden, with the library's message,
// reason, details and code where it has them.
func podSecurityError(a admission.Attributes, result *admissionv1.AdmissionResponse) error {
	var status *apierrors.StatusError
	if !errors.As(admission.NewForbidden(a, errors.New("Not allowed by PodSecurity")), &status) {
		return admission.NewForbidden(a, errors.New("Not allowed by PodSecurity"))
	}
	if r := result.Result; r != nil {
		if r.Message != "" {
			status.ErrStatus.Message = r.Message
		}
		if r.Reason != "" {
			status.ErrStatus.Reason = r.Reason
		}
		if r.Details != nil {
			status.ErrStatus.Details = r.Details
		}
		if r.Code != 0 {
			status.ErrStatus.Code = r.Code
		}
	}
	return status
}

// podSecurityAttributes adapts admission attributes to the library's: the
// objects are ordo's v1 objects as they are.
type podSecurityAttributes struct{ a admission.Attributes }

func (p podSecurityAttributes) GetName() string      { return p.a.GetName() }
func (p podSecurityAttributes) GetNamespace() string { return p.a.GetNamespace() }
func (p podSecurityAttributes) GetResource() schema.GroupVersionResource {
	return p.a.GetResource()
}
func (p podSecurityAttributes) GetKind() schema.GroupVersionKind { return p.a.GetKind() }
func (p podSecurityAttributes) GetSubresource() string           { return p.a.GetSubresource() }
func (p podSecurityAttributes) GetOperation() admissionv1.Operation {
	return admissionv1.Operation(p.a.GetOperation())
}
func (p podSecurityAttributes) GetObject() (runtime.Object, error)    { return p.a.GetObject(), nil }
func (p podSecurityAttributes) GetOldObject() (runtime.Object, error) { return p.a.GetOldObject(), nil }
func (p podSecurityAttributes) GetUserName() string {
	if u := p.a.GetUserInfo(); u != nil {
		return u.GetName()
	}
	return ""
}
