package defaults

import (
	certificatesv1 "k8s.io/api/certificates/v1"
)

// defaultPodCertificateSeconds is the lifetime certificates.k8s.io/v1
// asks for when a PodCertificateRequest names none: 24 hours.
const defaultPodCertificateSeconds int32 = 86400

// PodCertificateRequest defaults spec.maxExpirationSeconds to 24 hours, as
// certificates/v1 does.
func PodCertificateRequest(r *certificatesv1.PodCertificateRequest) {
	if r.Spec.MaxExpirationSeconds == nil {
		v := defaultPodCertificateSeconds
		r.Spec.MaxExpirationSeconds = &v
	}
}
