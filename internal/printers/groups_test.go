package printers

import (
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	nodev1 "k8s.io/api/node/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestNetworkingPrinters(t *testing.T) {
	np := schema.GroupResource{Group: "networking.k8s.io", Resource: "networkpolicies"}
	assertColumns(t, np, &networkingv1.NetworkPolicy{}, columnSet{normal: []string{"Name", "Pod-Selector", "Age"}})
	assertCells(t, np, &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "deny", CreationTimestamp: ago(day)},
		Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}}}, "deny", "app=web", "24h")
	assertCells(t, np, &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "all", CreationTimestamp: ago(day)}}, "all", "<none>", "24h")

	ing := schema.GroupResource{Group: "networking.k8s.io", Resource: "ingresses"}
	assertColumns(t, ing, &networkingv1.Ingress{}, columnSet{normal: []string{"Name", "Class", "Hosts", "Address", "Ports", "Age"}})
	rules := []networkingv1.IngressRule{{Host: "a.example.com"}, {Host: "b.example.com"}, {}, {Host: "c.example.com"}, {Host: "d.example.com"}}
	assertCells(t, ing, &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: "web", CreationTimestamp: ago(time.Hour)},
		Spec:   networkingv1.IngressSpec{IngressClassName: ptr("nginx"), Rules: rules, TLS: []networkingv1.IngressTLS{{}}},
		Status: networkingv1.IngressStatus{LoadBalancer: networkingv1.IngressLoadBalancerStatus{Ingress: []networkingv1.IngressLoadBalancerIngress{{IP: "192.0.2.10"}, {Hostname: "lb.example.com"}}}}},
		"web", "nginx", "a.example.com,b.example.com,c.example.com + 2 more...", "192.0.2.10,lb...", "80, 443", "60m")
	assertCells(t, ing, &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: "bare", CreationTimestamp: ago(time.Hour)}}, "bare", "<none>", "*", "", "80", "60m")

	ic := schema.GroupResource{Group: "networking.k8s.io", Resource: "ingressclasses"}
	assertCells(t, ic, &networkingv1.IngressClass{ObjectMeta: metav1.ObjectMeta{Name: "nginx", CreationTimestamp: ago(day)}, Spec: networkingv1.IngressClassSpec{
		Controller: "k8s.io/ingress-nginx", Parameters: &networkingv1.IngressClassParametersReference{APIGroup: ptr("k8s.example.com"), Kind: "Params", Name: "p"}}},
		"nginx", "k8s.io/ingress-nginx", "Params.k8s.example.com/p", "24h")

	sc := schema.GroupResource{Group: "networking.k8s.io", Resource: "servicecidrs"}
	assertCells(t, sc, &networkingv1.ServiceCIDR{ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", CreationTimestamp: ago(day)},
		Spec: networkingv1.ServiceCIDRSpec{CIDRs: []string{"10.43.0.0/16", "fd00::/108"}}}, "kubernetes", "10.43.0.0/16,fd00::/108", "24h")
	ip := schema.GroupResource{Group: "networking.k8s.io", Resource: "ipaddresses"}
	assertColumns(t, ip, &networkingv1.IPAddress{}, columnSet{normal: []string{"Name", "ParentRef"}})
	assertCells(t, ip, &networkingv1.IPAddress{ObjectMeta: metav1.ObjectMeta{Name: "10.43.0.1"},
		Spec: networkingv1.IPAddressSpec{ParentRef: &networkingv1.ParentReference{Resource: "services", Namespace: "default", Name: "kubernetes"}}},
		"10.43.0.1", "services/default/kubernetes")
}

func TestHorizontalPodAutoscalerPrinter(t *testing.T) {
	hpa := schema.GroupResource{Group: "autoscaling", Resource: "horizontalpodautoscalers"}
	assertColumns(t, hpa, &autoscalingv2.HorizontalPodAutoscaler{}, columnSet{normal: []string{"Name", "Reference", "Targets", "MinPods", "MaxPods", "Replicas", "Age"}})
	cpu := autoscalingv2.MetricSpec{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
		Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr[int32](80)}}}
	h := &autoscalingv2.HorizontalPodAutoscaler{ObjectMeta: metav1.ObjectMeta{Name: "web", CreationTimestamp: ago(day)}, Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
		ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{Kind: "Deployment", Name: "web"}, MinReplicas: ptr[int32](2), MaxReplicas: 10,
		Metrics: []autoscalingv2.MetricSpec{cpu}}}
	assertCells(t, hpa, h, "web", "Deployment/web", "cpu: <unknown>/80%", "2", int64(10), int64(0), "24h")
	h.Status = autoscalingv2.HorizontalPodAutoscalerStatus{CurrentReplicas: 3, CurrentMetrics: []autoscalingv2.MetricStatus{{Type: autoscalingv2.ResourceMetricSourceType,
		Resource: &autoscalingv2.ResourceMetricStatus{Name: corev1.ResourceCPU, Current: autoscalingv2.MetricValueStatus{AverageUtilization: ptr[int32](45)}}}}}
	h.Spec.MinReplicas = nil
	assertCells(t, hpa, h, "web", "Deployment/web", "cpu: 45%/80%", "<unset>", int64(10), int64(3), "24h")
	h.Spec.Metrics = []autoscalingv2.MetricSpec{cpu, cpu, cpu}
	if got := cell(t, hpa, h, "Targets"); got != "cpu: 45%/80%, cpu: <unknown>/80% + 1 more..." {
		t.Errorf("three metrics: %q", got)
	}
}

func TestCertificateAndNodeAndCSIPrinters(t *testing.T) {
	csr := schema.GroupResource{Group: "certificates.k8s.io", Resource: "certificatesigningrequests"}
	assertColumns(t, csr, &certificatesv1.CertificateSigningRequest{}, columnSet{normal: []string{"Name", "Age", "SignerName", "Requestor", "RequestedDuration", "Condition"}})
	c := &certificatesv1.CertificateSigningRequest{ObjectMeta: metav1.ObjectMeta{Name: "jane", CreationTimestamp: ago(time.Minute)}, Spec: certificatesv1.CertificateSigningRequestSpec{
		SignerName: "kubernetes.io/kube-apiserver-client", Username: "admin", ExpirationSeconds: ptr[int32](3600)}}
	assertCells(t, csr, c, "jane", "60s", "kubernetes.io/kube-apiserver-client", "admin", "60m", "Pending")
	c.Status = certificatesv1.CertificateSigningRequestStatus{Certificate: []byte("x"), Conditions: []certificatesv1.CertificateSigningRequestCondition{{Type: certificatesv1.CertificateApproved}}}
	c.Spec.ExpirationSeconds = nil
	assertCells(t, csr, c, "jane", "60s", "kubernetes.io/kube-apiserver-client", "admin", "<none>", "Approved,Issued")
	c.Status = certificatesv1.CertificateSigningRequestStatus{Conditions: []certificatesv1.CertificateSigningRequestCondition{{Type: certificatesv1.CertificateDenied}, {Type: certificatesv1.CertificateFailed}}}
	if got := cell(t, csr, c, "Condition"); got != "Denied,Failed" {
		t.Errorf("denied and failed: %q", got)
	}

	rc := schema.GroupResource{Group: "node.k8s.io", Resource: "runtimeclasses"}
	assertCells(t, rc, &nodev1.RuntimeClass{ObjectMeta: metav1.ObjectMeta{Name: "ordo", CreationTimestamp: ago(day)}, Handler: "ordo"}, "ordo", "ordo", "24h")

	drivers := schema.GroupResource{Group: "storage.k8s.io", Resource: "csidrivers"}
	assertCells(t, drivers, &storagev1.CSIDriver{ObjectMeta: metav1.ObjectMeta{Name: "csi.example.com", CreationTimestamp: ago(day)}, Spec: storagev1.CSIDriverSpec{
		AttachRequired: ptr(true), PodInfoOnMount: ptr(false), VolumeLifecycleModes: []storagev1.VolumeLifecycleMode{storagev1.VolumeLifecyclePersistent, storagev1.VolumeLifecycleEphemeral},
		TokenRequests: []storagev1.TokenRequest{{Audience: "vault"}}}},
		"csi.example.com", true, false, false, "vault", false, "Persistent,Ephemeral", "24h")
	va := schema.GroupResource{Group: "storage.k8s.io", Resource: "volumeattachments"}
	assertCells(t, va, &storagev1.VolumeAttachment{ObjectMeta: metav1.ObjectMeta{Name: "va", CreationTimestamp: ago(day)}, Spec: storagev1.VolumeAttachmentSpec{
		Attacher: "csi.example.com", NodeName: "n1", Source: storagev1.VolumeAttachmentSource{PersistentVolumeName: ptr("pv-1")}}, Status: storagev1.VolumeAttachmentStatus{Attached: true}},
		"va", "csi.example.com", "pv-1", "n1", true, "24h")
}
