package validation

import (
	"strings"
	"testing"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	nodev1 "k8s.io/api/node/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func TestNetworkPolicyValidation(t *testing.T) {
	np := &networkingv1.NetworkPolicy{ObjectMeta: objMeta("np"), Spec: networkingv1.NetworkPolicySpec{
		Ingress: []networkingv1.NetworkPolicyIngressRule{{
			Ports: []networkingv1.NetworkPolicyPort{{Protocol: ptr.To(corev1.ProtocolTCP), Port: ptr.To(intstr.FromInt32(80)), EndPort: ptr.To[int32](90)}},
			From:  []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/8", Except: []string{"10.1.0.0/16"}}}},
		}},
		PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
	}}
	expectErrs(t, ValidateNetworkPolicy(np))
	bad := np.DeepCopy()
	r := &bad.Spec.Ingress[0]
	r.Ports[0].Protocol = ptr.To(corev1.Protocol("ICMP"))
	r.Ports[0].EndPort = ptr.To[int32](70)
	r.From = append(r.From, networkingv1.NetworkPolicyPeer{}, networkingv1.NetworkPolicyPeer{PodSelector: &metav1.LabelSelector{}, IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/8"}})
	r.From[0].IPBlock.Except = []string{"192.168.0.0/16"}
	bad.Spec.PolicyTypes = []networkingv1.PolicyType{"Sideways"}
	expectErrs(t, ValidateNetworkPolicy(bad),
		notSup("spec.ingress[0].ports[0].protocol"), inv("spec.ingress[0].ports[0].endPort"),
		inv("spec.ingress[0].from[0].ipBlock.except[0]"), req("spec.ingress[0].from[1]"), forbidden("spec.ingress[0].from[2]"),
		notSup("spec.policyTypes[0]"))
}

func TestIngressValidation(t *testing.T) {
	ing := &networkingv1.Ingress{ObjectMeta: objMeta("web"), Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{{
		Host: "*.example.com",
		IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{{
			Path: "/", PathType: ptr.To(networkingv1.PathTypePrefix),
			Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80}}},
		}}}},
	}}}}
	expectErrs(t, ValidateIngress(ing))
	bad := ing.DeepCopy()
	bad.Spec.Rules[0].Host = "10.0.0.1"
	p := &bad.Spec.Rules[0].HTTP.Paths[0]
	p.Path, p.PathType = "relative", ptr.To(networkingv1.PathTypeExact)
	p.Backend.Service.Port = networkingv1.ServiceBackendPort{}
	bad.Spec.Rules[0].HTTP.Paths = append(bad.Spec.Rules[0].HTTP.Paths, networkingv1.HTTPIngressPath{Path: "/x"})
	expectErrs(t, ValidateIngress(bad), inv("spec.rules[0].host"), inv("spec.rules[0].http.paths[0].path"),
		req("spec.rules[0].http.paths[0].backend.service.port"), req("spec.rules[0].http.paths[1].pathType"),
		inv("spec.rules[0].http.paths[1].backend"))
	expectErrs(t, ValidateIngress(&networkingv1.Ingress{ObjectMeta: objMeta("empty")}), inv("spec"))
}

func TestIngressClassAndServiceCIDRAndIPAddressValidation(t *testing.T) {
	ic := &networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: "nginx"}, Spec: networkingv1.IngressClassSpec{Controller: "example.com/nginx"}}
	expectErrs(t, ValidateIngressClass(ic))
	expectErrs(t, ValidateIngressClass(&networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: "x"}}), req("spec.controller"))
	rv(&ic.ObjectMeta)
	upd := ic.DeepCopy()
	upd.Spec.Controller = "example.com/other"
	expectErrs(t, ValidateIngressClassUpdate(upd, ic), inv("spec.controller"))

	sc := &networkingv1.ServiceCIDR{ObjectMeta: metav1.ObjectMeta{Name: "kubernetes"}, Spec: networkingv1.ServiceCIDRSpec{CIDRs: []string{"10.43.0.0/16"}}}
	expectErrs(t, ValidateServiceCIDR(sc))
	expectErrs(t, ValidateServiceCIDR(&networkingv1.ServiceCIDR{ObjectMeta: metav1.ObjectMeta{Name: "x"}}), req("spec.cidrs"))
	expectErrs(t, ValidateServiceCIDR(&networkingv1.ServiceCIDR{ObjectMeta: metav1.ObjectMeta{Name: "x"}, Spec: networkingv1.ServiceCIDRSpec{CIDRs: []string{"10.0.0.0/8", "10.1.0.0/16"}}}), inv("spec.cidrs"))
	rv(&sc.ObjectMeta)
	dual := sc.DeepCopy()
	dual.Spec.CIDRs = append(dual.Spec.CIDRs, "fd00::/108")
	expectErrs(t, ValidateServiceCIDRUpdate(dual, sc))
	moved := sc.DeepCopy()
	moved.Spec.CIDRs = []string{"10.44.0.0/16"}
	expectErrs(t, ValidateServiceCIDRUpdate(moved, sc), inv("spec.cidrs"))

	ip := &networkingv1.IPAddress{ObjectMeta: metav1.ObjectMeta{Name: "10.43.0.10"}, Spec: networkingv1.IPAddressSpec{ParentRef: &networkingv1.ParentReference{Resource: "services", Namespace: "default", Name: "web"}}}
	expectErrs(t, ValidateIPAddress(ip))
	expectErrs(t, ValidateIPAddress(&networkingv1.IPAddress{ObjectMeta: metav1.ObjectMeta{Name: "2001:db8:0::1"}}), inv("metadata.name"), req("spec.parentRef"))
}

func TestHorizontalPodAutoscalerValidation(t *testing.T) {
	h := &autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: objMeta("web"), Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
		ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{Kind: "Deployment", Name: "web"}, MinReplicas: ptr.To[int32](1), MaxReplicas: 5,
		Metrics: []autoscalingv2.MetricSpec{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
			Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr.To[int32](60)}}}},
	}}
	expectErrs(t, ValidateHorizontalPodAutoscaler(h))
	bad := h.DeepCopy()
	bad.Spec.ScaleTargetRef = autoscalingv2.CrossVersionObjectReference{}
	bad.Spec.MinReplicas, bad.Spec.MaxReplicas = ptr.To[int32](3), 2
	bad.Spec.Metrics[0].Resource.Target = autoscalingv2.MetricTarget{Type: "Percent"}
	bad.Spec.Metrics = append(bad.Spec.Metrics, autoscalingv2.MetricSpec{Type: autoscalingv2.PodsMetricSourceType})
	bad.Spec.Behavior = &autoscalingv2.HorizontalPodAutoscalerBehavior{ScaleDown: &autoscalingv2.HPAScalingRules{
		StabilizationWindowSeconds: ptr.To[int32](4000), Policies: []autoscalingv2.HPAScalingPolicy{{Type: "Nodes", Value: 0, PeriodSeconds: 2000}}}}
	expectErrs(t, ValidateHorizontalPodAutoscaler(bad), req("spec.scaleTargetRef.kind"), req("spec.scaleTargetRef.name"),
		inv("spec.maxReplicas"), notSup("spec.metrics[0].resource.target.type"), req("spec.metrics[1].pods"),
		inv("spec.behavior.scaleDown.stabilizationWindowSeconds"), notSup("spec.behavior.scaleDown.policies[0].type"),
		inv("spec.behavior.scaleDown.policies[0].value"), inv("spec.behavior.scaleDown.policies[0].periodSeconds"))
}

func TestRuntimeClassAndCSIValidation(t *testing.T) {
	rc := &nodev1.RuntimeClass{ObjectMeta: metav1.ObjectMeta{Name: "ordo"}, Handler: "ordo"}
	expectErrs(t, ValidateRuntimeClass(rc))
	expectErrs(t, ValidateRuntimeClass(&nodev1.RuntimeClass{ObjectMeta: metav1.ObjectMeta{Name: "x"}, Handler: "Not_A_Label"}), inv("handler"))
	rv(&rc.ObjectMeta)
	upd := rc.DeepCopy()
	upd.Handler = "runc"
	expectErrs(t, ValidateRuntimeClassUpdate(upd, rc), inv("handler"))

	va := &storagev1.VolumeAttachment{ObjectMeta: metav1.ObjectMeta{Name: "va"}, Spec: storagev1.VolumeAttachmentSpec{Attacher: "csi.example.com", NodeName: "n"}}
	expectErrs(t, ValidateVolumeAttachment(va), req("spec.source"))
	vac := &storagev1.VolumeAttributesClass{ObjectMeta: metav1.ObjectMeta{Name: "gold"}, DriverName: "csi.example.com", Parameters: map[string]string{"iops": "1"}}
	expectErrs(t, ValidateVolumeAttributesClass(vac))
	rv(&vac.ObjectMeta)
	changed := vac.DeepCopy()
	changed.Parameters["iops"] = "2"
	expectErrs(t, ValidateVolumeAttributesClassUpdate(changed, vac), inv("parameters"))
	expectErrs(t, ValidateCSIDriver(&storagev1.CSIDriver{ObjectMeta: metav1.ObjectMeta{Name: strings.Repeat("a", 64)}}),
		tooLong("metadata.name"), req("spec.attachRequired"), req("spec.podInfoOnMount"))
}

func TestCertificateSigningRequestValidation(t *testing.T) {
	csr := &certificatesv1.CertificateSigningRequest{ObjectMeta: metav1.ObjectMeta{Name: "jane"}, Spec: certificatesv1.CertificateSigningRequestSpec{
		Request: []byte("not pem"), SignerName: LegacyUnknownSigner, Usages: []certificatesv1.KeyUsage{"client auth", "flying"},
		ExpirationSeconds: ptr.To[int32](60),
	}}
	expectErrs(t, ValidateCertificateSigningRequest(csr), inv("spec.request"), inv("spec.signerName"),
		notSup("spec.usages[1]"), inv("spec.expirationSeconds"))
	expectDetail(t, ValidateCertificateSigningRequest(csr), "spec.signerName", "the legacy signerName is not allowed via this API version")
	old := csr.DeepCopy()
	rv(&old.ObjectMeta)
	old.Status.Conditions = []certificatesv1.CertificateSigningRequestCondition{{Type: certificatesv1.CertificateApproved, Status: corev1.ConditionTrue}}
	both := old.DeepCopy()
	both.Status.Conditions = append(both.Status.Conditions, certificatesv1.CertificateSigningRequestCondition{Type: certificatesv1.CertificateDenied, Status: corev1.ConditionTrue})
	expectErrs(t, ValidateCertificateSigningRequestStatusUpdate(both, old), inv("status.conditions"))
	removed := old.DeepCopy()
	removed.Status.Conditions = nil
	expectErrs(t, ValidateCertificateSigningRequestStatusUpdate(removed, old), forbidden("status.conditions"))
}
