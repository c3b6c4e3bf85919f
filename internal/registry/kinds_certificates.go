package registry

import (
	"context"

	certificatesv1 "k8s.io/api/certificates/v1"
	"k8s.io/apimachinery/pkg/runtime"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"

	"github.com/ordo-dev/ordo/internal/api/defaults"
	v "github.com/ordo-dev/ordo/internal/api/validation"
	"github.com/ordo-dev/ordo/internal/printers"
)

// certificatesGroup serves certificates.k8s.io/v1. CSRs record who asked
// (from the request's user, never from the body), keep their spec, and
// change their approval only through the approval subresource; the
// signing controller (internal/controller/csrsigning) issues approved
// requests of the built-in client signers. PodCertificateRequests are
// written by agents for their pods' podCertificate volumes and answered,
// through /status, by whoever may "sign" for their signer.
func certificatesGroup() Group {
	gv := certificatesv1.SchemeGroupVersion
	return Group{Version: gv, AddToScheme: certificatesv1.AddToScheme, Kinds: []*Resource{
		kind(gv, "certificatesigningrequests", &certificatesv1.CertificateSigningRequest{}, &certificatesv1.CertificateSigningRequestList{}).
			cluster().short("csr").sub("status", "approval").
			with(Hooks{
				PrepareForCreate:         csrRequestor,
				PrepareForUpdate:         func(obj, old runtime.Object) { copyField(obj, old, "Spec") },
				PrepareForStatusUpdate:   csrKeepApproval,
				PrepareForApprovalUpdate: csrKeepCertificate,
			}).
			rules(v.For(v.ValidateCertificateSigningRequest, v.ValidateCertificateSigningRequestUpdate, v.ValidateCertificateSigningRequestStatusUpdate)).
			columns(printers.CertificateSigningRequests()),
		kind(gv, "clustertrustbundles", &certificatesv1.ClusterTrustBundle{}, &certificatesv1.ClusterTrustBundleList{}).cluster().
			rules(v.For(v.ValidateClusterTrustBundle, v.ValidateClusterTrustBundleUpdate, nil)).
			columns(printers.ClusterTrustBundles()),
		kind(gv, "podcertificaterequests", &certificatesv1.PodCertificateRequest{}, &certificatesv1.PodCertificateRequestList{}).
			sub("status").with(Hooks{AuthorizeStatus: pcrAuthorizeSign}).
			defaulting(typed(defaults.PodCertificateRequest)).
			rules(v.For(v.ValidatePodCertificateRequest, v.ValidatePodCertificateRequestUpdate, v.ValidatePodCertificateRequestStatusUpdate)).
			columns(printers.PodCertificateRequests()),
	}}
}

// csrRequestor fills the requestor fields from the authenticated user, as
// kube-apiserver does, overwriting whatever the body claimed.
func csrRequestor(ctx context.Context, obj runtime.Object) {
	csr := obj.(*certificatesv1.CertificateSigningRequest)
	csr.Spec.Username, csr.Spec.UID, csr.Spec.Groups, csr.Spec.Extra = "", "", nil, nil
	user, ok := genericapirequest.UserFrom(ctx)
	if !ok {
		return
	}
	csr.Spec.Username, csr.Spec.UID, csr.Spec.Groups = user.GetName(), user.GetUID(), user.GetGroups()
	if extra := user.GetExtra(); len(extra) > 0 {
		csr.Spec.Extra = map[string]certificatesv1.ExtraValue{}
		for k, vals := range extra {
			csr.Spec.Extra[k] = vals
		}
	}
}

// approvalConditions are the conditions only the approval subresource sets.
var approvalConditions = map[certificatesv1.RequestConditionType]bool{
	certificatesv1.CertificateApproved: true, certificatesv1.CertificateDenied: true,
}

// csrKeepApproval lets /status change everything but the approval
// conditions, which keep their previous state.
func csrKeepApproval(obj, old runtime.Object) {
	csr, prev := obj.(*certificatesv1.CertificateSigningRequest), old.(*certificatesv1.CertificateSigningRequest)
	var conds []certificatesv1.CertificateSigningRequestCondition
	for _, c := range prev.Status.Conditions {
		if approvalConditions[c.Type] {
			conds = append(conds, c)
		}
	}
	for _, c := range csr.Status.Conditions {
		if !approvalConditions[c.Type] {
			conds = append(conds, c)
		}
	}
	csr.Status.Conditions = conds
}

// csrKeepCertificate lets /approval change the conditions only.
func csrKeepCertificate(obj, old runtime.Object) {
	csr, prev := obj.(*certificatesv1.CertificateSigningRequest), old.(*certificatesv1.CertificateSigningRequest)
	csr.Status.Certificate = prev.Status.Certificate
}
