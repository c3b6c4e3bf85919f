package apiserver

import (
	"context"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/client-go/informers"
	corelisters "k8s.io/client-go/listers/core/v1"

	"github.com/ordo-dev/ordo/internal/wellknown"
)

// Kubernetes' names for a pod's API credentials.
const (
	apiAccessVolumePrefix = "kube-api-access-"
	apiAccessMountPath    = "/var/run/secrets/kubernetes.io/serviceaccount"
	// apiAccessTokenSeconds is the token lifetime Kubernetes asks for
	// (an hour, plus the 7 s it uses to recognise these tokens).
	apiAccessTokenSeconds = 3607
	apiAccessMode         = 0o644
)

// serviceAccountAdmission is Kubernetes' ServiceAccount admission plugin
// but for its refusals: a new pod runs as "default" unless it
// names an account, and, unless the pod or its ServiceAccount sets
// automountServiceAccountToken: false, gets a kube-api-access-<random>
// projected volume (a bound token, the cluster's ca.crt from
// kube-root-ca.crt, and its namespace) mounted read-only at
// /var/run/secrets/kubernetes.io/serviceaccount in every container that has
// nothing mounted there. In-cluster clients (client-go's InClusterConfig,
// kubectl in a pod) read exactly these files. A pod without
// imagePullSecrets gets its account's.
//
// One difference, on purpose: Kubernetes refuses a pod whose ServiceAccount
// does not exist yet. ordo admits it (with a token mount, the default), as a
// pod in a namespace made a moment ago would otherwise fail until the
// serviceaccounts controller catches up.
type serviceAccountAdmission struct {
	*admission.Handler
	accounts corelisters.ServiceAccountLister
}

var _ admission.MutationInterface = &serviceAccountAdmission{}

func newServiceAccountAdmission(f informers.SharedInformerFactory) *serviceAccountAdmission {
	inf := f.Core().V1().ServiceAccounts()
	p := &serviceAccountAdmission{Handler: admission.NewHandler(admission.Create), accounts: inf.Lister()}
	p.SetReadyFunc(inf.Informer().HasSynced)
	return p
}

// Admit names the account and mounts its token into new pods.
func (p *serviceAccountAdmission) Admit(_ context.Context, a admission.Attributes, _ admission.ObjectInterfaces) error {
	if a.GetResource().GroupResource() != corev1.Resource("pods") || a.GetSubresource() != "" {
		return nil
	}
	pod, ok := a.GetObject().(*corev1.Pod)
	if !ok {
		return nil
	}
	if pod.Spec.ServiceAccountName == "" {
		pod.Spec.ServiceAccountName = "default"
	}
	var account *corev1.ServiceAccount
	if p.WaitForReady() {
		account, _ = p.accounts.ServiceAccounts(a.GetNamespace()).Get(pod.Spec.ServiceAccountName)
	}
	if automountToken(pod, account) {
		mountAPIAccess(pod)
	}
	addPullSecrets(pod, account)
	return nil
}

// addPullSecrets gives a pod that names no imagePullSecrets its
// ServiceAccount's, as Kubernetes' ServiceAccount admission plugin does,
// so the node pulls with them.
func addPullSecrets(pod *corev1.Pod, account *corev1.ServiceAccount) {
	if account == nil || len(pod.Spec.ImagePullSecrets) > 0 {
		return
	}
	pod.Spec.ImagePullSecrets = append([]corev1.LocalObjectReference(nil), account.ImagePullSecrets...)
}

// automountToken is Kubernetes' rule: the pod's setting, else the
// account's, else yes.
func automountToken(pod *corev1.Pod, account *corev1.ServiceAccount) bool {
	if pod.Spec.AutomountServiceAccountToken != nil {
		return *pod.Spec.AutomountServiceAccountToken
	}
	if account != nil && account.AutomountServiceAccountToken != nil {
		return *account.AutomountServiceAccountToken
	}
	return true
}

// mountAPIAccess adds the volume (reusing a kube-api-access-* volume the
// pod already has, as a copied spec may) and mounts it in every init and
// regular container with nothing at the mount path.
func mountAPIAccess(pod *corev1.Pod) {
	name, have := "", false
	for _, v := range pod.Spec.Volumes {
		if strings.HasPrefix(v.Name, apiAccessVolumePrefix) {
			name, have = v.Name, true
			break
		}
	}
	if name == "" {
		name = apiAccessVolumePrefix + rand.String(5)
	}
	mount := corev1.VolumeMount{Name: name, ReadOnly: true, MountPath: apiAccessMountPath}
	needed := false
	for _, list := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range list {
			if !mountsAt(list[i].VolumeMounts, apiAccessMountPath) {
				list[i].VolumeMounts = append(list[i].VolumeMounts, mount)
				needed = true
			}
		}
	}
	if needed && !have {
		pod.Spec.Volumes = append(pod.Spec.Volumes, apiAccessVolume(name))
	}
}

func mountsAt(mounts []corev1.VolumeMount, path string) bool {
	for _, m := range mounts {
		if m.MountPath == path {
			return true
		}
	}
	return false
}

func apiAccessVolume(name string) corev1.Volume {
	seconds, mode := int64(apiAccessTokenSeconds), int32(apiAccessMode)
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
		DefaultMode: &mode,
		Sources: []corev1.VolumeProjection{
			{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: &seconds}},
			{ConfigMap: &corev1.ConfigMapProjection{
				LocalObjectReference: corev1.LocalObjectReference{Name: wellknown.RootCAConfigMap},
				Items:                []corev1.KeyToPath{{Key: wellknown.RootCAKey, Path: wellknown.RootCAKey}},
			}},
			{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{
				Path: "namespace", FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"},
			}}}},
		},
	}}}
}
