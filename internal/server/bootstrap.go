package server

import (
	"context"
	"fmt"
	"net"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// builtinNamespaces exist from the first start, as in Kubernetes.
var builtinNamespaces = []string{"default", "kube-system", "kube-public", "kube-node-lease"}

// bootstrap creates the built-in namespaces, the "kubernetes" Service in
// default, pointing at this API server, the default RBAC roles and
// bindings, and the default StorageClass.
// Existing objects are left alone, so it is safe on every start and from
// several servers.
func bootstrap(ctx context.Context, c kubernetes.Interface, serviceIP, listen string) error {
	for _, name := range builtinNamespaces {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		if _, err := c.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create namespace %s: %w", name, err)
		}
	}
	if err := ensureKubernetesService(ctx, c, serviceIP, listen); err != nil {
		return err
	}
	if err := ensureBootstrapRBAC(ctx, c); err != nil {
		return err
	}
	return ensureDefaultStorageClass(ctx, c)
}

func ensureKubernetesService(ctx context.Context, c kubernetes.Interface, serviceIP, listen string) error {
	host, portText, err := net.SplitHostPort(clientAddress(listen))
	if err != nil {
		return err
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return err
	}
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default", Labels: map[string]string{
			"component": "apiserver", "provider": "kubernetes",
		}},
		Spec: corev1.ServiceSpec{
			ClusterIP: serviceIP,
			Ports: []corev1.ServicePort{{
				Name: "https", Port: 443, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(int32(port)),
			}},
		},
	}
	// Look first: creating an existing Service with a fixed cluster IP fails
	// on the IP allocation before the name is checked.
	if _, err := c.CoreV1().Services("default").Get(ctx, "kubernetes", metav1.GetOptions{}); apierrors.IsNotFound(err) {
		if _, err := c.CoreV1().Services("default").Create(ctx, svc, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create kubernetes service: %w", err)
		}
	} else if err != nil {
		return fmt.Errorf("get kubernetes service: %w", err)
	}
	ep := &corev1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default"},
		Subsets: []corev1.EndpointSubset{{
			Addresses: []corev1.EndpointAddress{{IP: host}},
			Ports:     []corev1.EndpointPort{{Name: "https", Port: int32(port), Protocol: corev1.ProtocolTCP}},
		}},
	}
	_, err = c.CoreV1().Endpoints("default").Create(ctx, ep, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		// A restart on another address: the Endpoints follow it.
		var old *corev1.Endpoints
		if old, err = c.CoreV1().Endpoints("default").Get(ctx, "kubernetes", metav1.GetOptions{}); err == nil {
			ep.ResourceVersion = old.ResourceVersion
			_, err = c.CoreV1().Endpoints("default").Update(ctx, ep, metav1.UpdateOptions{})
		}
	}
	if err != nil {
		return fmt.Errorf("kubernetes endpoints: %w", err)
	}
	return ensureKubernetesEndpointSlice(ctx, c, host, int32(port))
}

// ensureKubernetesEndpointSlice writes the "kubernetes" EndpointSlice, as
// kube-apiserver's endpoint reconciler does beside the Endpoints: the
// Service has no selector, so no controller makes it, and clients (kube-
// proxy, the conformance tests) read slices, not Endpoints. A restart on
// another address updates it.
func ensureKubernetesEndpointSlice(ctx context.Context, c kubernetes.Interface, host string, port int32) error {
	ready := true
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: "default", Labels: map[string]string{
			discoveryv1.LabelServiceName: "kubernetes", discoveryv1.LabelManagedBy: "ordo-apiserver",
		}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{host}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}}},
		Ports:       []discoveryv1.EndpointPort{{Name: ptr.To("https"), Port: &port, Protocol: ptr.To(corev1.ProtocolTCP)}},
	}
	slices := c.DiscoveryV1().EndpointSlices("default")
	old, err := slices.Get(ctx, "kubernetes", metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = slices.Create(ctx, slice, metav1.CreateOptions{})
	case err == nil:
		slice.ResourceVersion = old.ResourceVersion
		_, err = slices.Update(ctx, slice, metav1.UpdateOptions{})
	}
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("kubernetes endpointslice: %w", err)
	}
	return nil
}
