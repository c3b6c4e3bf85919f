package fieldsel

import (
	"strconv"

	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	resourcev1 "k8s.io/api/resource/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
)

// The selectable fields below are Kubernetes' own for these kinds (each
// registry's GetAttrs / field label conversion upstream).

func replicationControllerFields(obj runtime.Object) fields.Set {
	rc, _ := obj.(*corev1.ReplicationController)
	if rc == nil {
		rc = &corev1.ReplicationController{}
	}
	return fields.Set{"status.replicas": strconv.Itoa(int(rc.Status.Replicas))}
}

func serviceFields(obj runtime.Object) fields.Set {
	s, _ := obj.(*corev1.Service)
	if s == nil {
		s = &corev1.Service{}
	}
	return fields.Set{"spec.clusterIP": s.Spec.ClusterIP, "spec.type": string(s.Spec.Type)}
}

func csrFields(obj runtime.Object) fields.Set {
	c, _ := obj.(*certificatesv1.CertificateSigningRequest)
	if c == nil {
		c = &certificatesv1.CertificateSigningRequest{}
	}
	return fields.Set{"spec.signerName": c.Spec.SignerName}
}

func clusterTrustBundleFields(obj runtime.Object) fields.Set {
	b, _ := obj.(*certificatesv1.ClusterTrustBundle)
	if b == nil {
		b = &certificatesv1.ClusterTrustBundle{}
	}
	return fields.Set{"spec.signerName": b.Spec.SignerName}
}

func resourceSliceFields(obj runtime.Object) fields.Set {
	s, _ := obj.(*resourcev1.ResourceSlice)
	if s == nil {
		s = &resourcev1.ResourceSlice{}
	}
	node := ""
	if s.Spec.NodeName != nil {
		node = *s.Spec.NodeName
	}
	return fields.Set{"spec.nodeName": node, "spec.driver": s.Spec.Driver}
}

func podCertificateRequestFields(obj runtime.Object) fields.Set {
	r, _ := obj.(*certificatesv1.PodCertificateRequest)
	if r == nil {
		r = &certificatesv1.PodCertificateRequest{}
	}
	return fields.Set{"spec.signerName": r.Spec.SignerName, "spec.podName": r.Spec.PodName, "spec.nodeName": string(r.Spec.NodeName)}
}
