package printers

import (
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/duration"
)

// CertificateSigningRequests prints NAME AGE SIGNERNAME REQUESTOR
// REQUESTEDDURATION CONDITION; CONDITION reads Pending, Approved or
// Denied, then ",Failed" and ",Issued" when they apply.
func CertificateSigningRequests() Printer {
	spec := certificatesv1.CertificateSigningRequestSpec{}.SwaggerDoc()
	return printer[certificatesv1.CertificateSigningRequest]{
		columns: columns(
			nameColumn(), ageColumn(),
			column("SignerName", "string", spec["signerName"]),
			column("Requestor", "string", "Name of the user which requested the CSR"),
			column("RequestedDuration", "string", spec["expirationSeconds"]),
			column("Condition", "string", "Condition indicates the current condition of the CSR"),
		),
		cells: func(csr *certificatesv1.CertificateSigningRequest, now time.Time) ([]any, error) {
			requested := none
			if s := csr.Spec.ExpirationSeconds; s != nil {
				requested = duration.HumanDuration(time.Duration(*s) * time.Second)
			}
			return []any{csr.Name, age(csr.CreationTimestamp, now), csr.Spec.SignerName, csr.Spec.Username, requested, csrCondition(csr)}, nil
		},
	}
}

func csrCondition(csr *certificatesv1.CertificateSigningRequest) string {
	var approved, denied, failed bool
	for _, c := range csr.Status.Conditions {
		switch c.Type {
		case certificatesv1.CertificateApproved:
			approved = true
		case certificatesv1.CertificateDenied:
			denied = true
		case certificatesv1.CertificateFailed:
			failed = true
		}
	}
	status := "Pending"
	if denied {
		status = "Denied"
	} else if approved {
		status = "Approved"
	}
	if failed {
		status += ",Failed"
	}
	if len(csr.Status.Certificate) > 0 {
		status += ",Issued"
	}
	return status
}

// ClusterTrustBundles prints NAME SIGNERNAME.
func ClusterTrustBundles() Printer {
	return printer[certificatesv1.ClusterTrustBundle]{
		columns: columns(nameColumn(), column("SignerName", "string", certificatesv1.ClusterTrustBundleSpec{}.SwaggerDoc()["signerName"])),
		cells: func(b *certificatesv1.ClusterTrustBundle, _ time.Time) ([]any, error) {
			return []any{b.Name, orNone(b.Spec.SignerName)}, nil
		},
	}
}

// PodCertificateRequests prints NAME PODNAME SERVICEACCOUNTNAME NODENAME
// SIGNERNAME STATE, and UNVERIFIEDUSERANNOTATIONS with -o wide; STATE is
// Pending until the request is Issued, Denied or Failed.
func PodCertificateRequests() Printer {
	spec := certificatesv1.PodCertificateRequestSpec{}.SwaggerDoc()
	return printer[certificatesv1.PodCertificateRequest]{
		columns: columns(
			nameColumn(),
			column("PodName", "string", spec["podName"]),
			column("ServiceAccountName", "string", spec["serviceAccountName"]),
			column("NodeName", "string", spec["nodeName"]),
			column("SignerName", "string", spec["signerName"]),
			column("State", "string", "Is the request Pending, Issued, Denied, or Failed?"),
			wideColumn("UnverifiedUserAnnotations", "string", spec["unverifiedUserAnnotations"]),
		),
		cells: func(r *certificatesv1.PodCertificateRequest, _ time.Time) ([]any, error) {
			state := "Pending"
			for _, c := range r.Status.Conditions {
				switch c.Type {
				case certificatesv1.PodCertificateRequestConditionTypeIssued, certificatesv1.PodCertificateRequestConditionTypeDenied,
					certificatesv1.PodCertificateRequestConditionTypeFailed:
					state = c.Type
				}
			}
			return []any{r.Name, r.Spec.PodName, r.Spec.ServiceAccountName, string(r.Spec.NodeName), r.Spec.SignerName, state,
				labels.FormatLabels(r.Spec.UnverifiedUserAnnotations)}, nil
		},
	}
}
