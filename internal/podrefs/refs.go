// Package podrefs lists the API objects a pod references: what the node
// authorizer lets the pod's node read, and what the node's agent watches
// for the pod. Both must agree, so they share this list.
package podrefs

import (
	corev1 "k8s.io/api/core/v1"
)

// Refs are the objects one pod lets its node read, by kind, all in the
// pod's namespace.
type Refs struct {
	Secrets, ConfigMaps, Claims map[string]bool
	ServiceAccount              string
}

// Of lists what pod references, as Kubernetes' Node authorizer graph
// holds it: Secrets and ConfigMaps of volumes (projected included),
// environment and image pull secrets; claims of volumes (an ephemeral
// volume's claim is <pod>-<volume>); the service account.
func Of(pod *corev1.Pod) Refs {
	r := Refs{Secrets: map[string]bool{}, ConfigMaps: map[string]bool{}, Claims: map[string]bool{}, ServiceAccount: pod.Spec.ServiceAccountName}
	for _, s := range pod.Spec.ImagePullSecrets {
		r.Secrets[s.Name] = true
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

func (r Refs) volume(pod string, v corev1.Volume) {
	switch {
	case v.Secret != nil:
		r.Secrets[v.Secret.SecretName] = true
	case v.ConfigMap != nil:
		r.ConfigMaps[v.ConfigMap.Name] = true
	case v.PersistentVolumeClaim != nil:
		r.Claims[v.PersistentVolumeClaim.ClaimName] = true
	case v.Ephemeral != nil:
		r.Claims[pod+"-"+v.Name] = true
	case v.Projected != nil:
		for _, s := range v.Projected.Sources {
			if s.Secret != nil {
				r.Secrets[s.Secret.Name] = true
			}
			if s.ConfigMap != nil {
				r.ConfigMaps[s.ConfigMap.Name] = true
			}
		}
	case v.CSI != nil && v.CSI.NodePublishSecretRef != nil:
		r.Secrets[v.CSI.NodePublishSecretRef.Name] = true
	}
}

func (r Refs) env(env []corev1.EnvVar, from []corev1.EnvFromSource) {
	for _, e := range env {
		if e.ValueFrom == nil {
			continue
		}
		if s := e.ValueFrom.SecretKeyRef; s != nil {
			r.Secrets[s.Name] = true
		}
		if c := e.ValueFrom.ConfigMapKeyRef; c != nil {
			r.ConfigMaps[c.Name] = true
		}
	}
	for _, f := range from {
		if f.SecretRef != nil {
			r.Secrets[f.SecretRef.Name] = true
		}
		if f.ConfigMapRef != nil {
			r.ConfigMaps[f.ConfigMapRef.Name] = true
		}
	}
}
