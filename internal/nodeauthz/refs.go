package nodeauthz

import (
	corev1 "k8s.io/api/core/v1"
)

// refs are the objects one pod lets its node read, by kind.
type refs struct {
	secrets, configMaps, claims map[string]bool
	serviceAccount              string
}

// podRefs lists what pod references, as Kubernetes' Node authorizer graph
// holds it: Secrets and ConfigMaps of volumes (projected included),
// environment and image pull secrets; claims of volumes (an ephemeral
// volume's claim is <pod>-<volume>); the service account.
func podRefs(pod *corev1.Pod) refs {
	r := refs{secrets: map[string]bool{}, configMaps: map[string]bool{}, claims: map[string]bool{}, serviceAccount: pod.Spec.ServiceAccountName}
	for _, s := range pod.Spec.ImagePullSecrets {
		r.secrets[s.Name] = true
	}
	for _, v := range pod.Spec.Volumes {
		r.volume(pod.Name, v)
	}
	for _, cs := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for _, c := range cs {
			r.env(c.Env, c.EnvFrom)
		}
	}
	for _, c := range pod.Spec.EphemeralContainers {
		r.env(c.Env, c.EnvFrom)
	}
	return r
}

func (r refs) volume(pod string, v corev1.Volume) {
	switch {
	case v.Secret != nil:
		r.secrets[v.Secret.SecretName] = true
	case v.ConfigMap != nil:
		r.configMaps[v.ConfigMap.Name] = true
	case v.PersistentVolumeClaim != nil:
		r.claims[v.PersistentVolumeClaim.ClaimName] = true
	case v.Ephemeral != nil:
		r.claims[pod+"-"+v.Name] = true
	case v.Projected != nil:
		for _, s := range v.Projected.Sources {
			if s.Secret != nil {
				r.secrets[s.Secret.Name] = true
			}
			if s.ConfigMap != nil {
				r.configMaps[s.ConfigMap.Name] = true
			}
		}
	case v.CSI != nil && v.CSI.NodePublishSecretRef != nil:
		r.secrets[v.CSI.NodePublishSecretRef.Name] = true
	}
}

func (r refs) env(env []corev1.EnvVar, from []corev1.EnvFromSource) {
	for _, e := range env {
		if e.ValueFrom == nil {
			continue
		}
		if s := e.ValueFrom.SecretKeyRef; s != nil {
			r.secrets[s.Name] = true
		}
		if c := e.ValueFrom.ConfigMapKeyRef; c != nil {
			r.configMaps[c.Name] = true
		}
	}
	for _, f := range from {
		if f.SecretRef != nil {
			r.secrets[f.SecretRef.Name] = true
		}
		if f.ConfigMapRef != nil {
			r.configMaps[f.ConfigMapRef.Name] = true
		}
	}
}
