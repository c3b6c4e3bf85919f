package registry

import (
	"context"
	"fmt"
	"strings"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	resourcev1 "k8s.io/api/resource/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
)

// pcrAuthorizeSign lets only signers change a PodCertificateRequest's
// status: as in Kubernetes, a status write that changes anything needs
// "sign" on certificates.k8s.io signers named for the request's signer,
// or for "<its domain>/*".
func pcrAuthorizeSign(ctx context.Context, a authorizer.Authorizer, obj, old runtime.Object) field.ErrorList {
	pcr, prev := obj.(*certificatesv1.PodCertificateRequest), old.(*certificatesv1.PodCertificateRequest)
	if apiequality.Semantic.DeepEqual(pcr.Status, prev.Status) || a == nil {
		return nil
	}
	sp := field.NewPath("spec", "signerName")
	u, ok := genericapirequest.UserFrom(ctx)
	if !ok {
		return field.ErrorList{field.InternalError(sp, fmt.Errorf(`cannot determine calling user to perform "sign" check`))}
	}
	signer := prev.Spec.SignerName
	domain, _, _ := strings.Cut(signer, "/")
	for _, name := range []string{signer, domain + "/*"} {
		if mayForSigner(ctx, a, u, "sign", name) {
			return nil
		}
	}
	return field.ErrorList{field.Forbidden(sp, fmt.Sprintf("User %q is not permitted to \"sign\" for signer %q", u.GetName(), signer))}
}

func mayForSigner(ctx context.Context, a authorizer.Authorizer, u user.Info, verb, name string) bool {
	d, _, err := a.Authorize(ctx, authorizer.AttributesRecord{
		User: u, Verb: verb, Name: name, APIGroup: certificatesv1.GroupName, APIVersion: "*",
		Resource: "signers", ResourceRequest: true,
	})
	return err == nil && d == authorizer.DecisionAllow
}

// deviceTaintTimeAdded moves a DeviceTaintRule's taint.timeAdded to now
// when an update changes the effect but not the time, as Kubernetes does
// (timeAdded dates the effect, which tolerations count from).
func deviceTaintTimeAdded(obj, old runtime.Object) {
	r, prev := obj.(*resourcev1.DeviceTaintRule), old.(*resourcev1.DeviceTaintRule)
	if r.Spec.Taint.Effect != prev.Spec.Taint.Effect && r.Spec.Taint.TimeAdded.Equal(prev.Spec.Taint.TimeAdded) {
		r.Spec.Taint.TimeAdded = &metav1.Time{Time: time.Now().Truncate(time.Second)}
	}
}
