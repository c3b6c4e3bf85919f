package server

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"
)

// kubernetesServiceInterval is how often the "kubernetes" Service, its
// Endpoints and its EndpointSlice are checked even without a watch event:
// kube-apiserver's endpoint reconciler runs every 10 s.
const kubernetesServiceInterval = 10 * time.Second

// kubernetesService is the default/kubernetes Service and the Endpoints
// and EndpointSlice that point it at this API server. kube-apiserver's
// "kubernetes service controller" keeps them for the server's whole life,
// so a `kubectl delete all --all -A` does not leave pods without
// KUBERNETES_SERVICE_HOST until the next restart.
type kubernetesService struct {
	client    kubernetes.Interface
	serviceIP string // the first of the service range, named by the serving certificate
	host      string // this server's address, the Endpoints' only address
	port      int32
}

func newKubernetesService(c kubernetes.Interface, serviceIP, listen string) (*kubernetesService, error) {
	host, portText, err := net.SplitHostPort(clientAddress(listen))
	if err != nil {
		return nil, err
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, err
	}
	return &kubernetesService{client: c, serviceIP: serviceIP, host: host, port: int32(port)}, nil
}

// ensure writes the three objects at start. A restart on another address
// updates the Endpoints and EndpointSlice to follow it.
func (k *kubernetesService) ensure(ctx context.Context) error {
	if err := k.ensureService(ctx); err != nil {
		return err
	}
	if err := k.ensureEndpoints(ctx, true); err != nil {
		return err
	}
	return k.ensureEndpointSlice(ctx, true)
}

// recreate brings back whichever of the three objects is missing and
// leaves existing ones alone: with several servers each would otherwise
// overwrite the others' address in turn.
func (k *kubernetesService) recreate(ctx context.Context) error {
	if err := k.ensureService(ctx); err != nil {
		return err
	}
	if err := k.ensureEndpoints(ctx, false); err != nil {
		return err
	}
	return k.ensureEndpointSlice(ctx, false)
}

// run recreates the objects every kubernetesServiceInterval, and at once
// when a watch sees one of them deleted, until ctx ends.
func (k *kubernetesService) run(ctx context.Context) {
	logger := klog.FromContext(ctx).WithName("kubernetes-service")
	deleted := make(chan struct{}, 1)
	f := informers.NewSharedInformerFactoryWithOptions(k.client, 0, informers.WithNamespace(metav1.NamespaceDefault),
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("metadata.name", "kubernetes").String()
		}))
	onDelete := cache.ResourceEventHandlerFuncs{DeleteFunc: func(any) {
		select {
		case deleted <- struct{}{}:
		default:
		}
	}}
	for _, inf := range []cache.SharedIndexInformer{f.Core().V1().Services().Informer(),
		f.Core().V1().Endpoints().Informer(), f.Discovery().V1().EndpointSlices().Informer()} {
		if _, err := inf.AddEventHandler(onDelete); err != nil {
			logger.Error(err, "Cannot watch the kubernetes Service; it is recreated only periodically")
		}
	}
	f.Start(ctx.Done())
	defer f.Shutdown()
	tick := time.NewTicker(kubernetesServiceInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-deleted:
		}
		if err := k.recreate(ctx); err != nil && ctx.Err() == nil {
			logger.Error(err, "Unable to recreate the kubernetes Service")
		}
	}
}

func (k *kubernetesService) ensureService(ctx context.Context) error {
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: metav1.NamespaceDefault, Labels: map[string]string{
			"component": "apiserver", "provider": "kubernetes",
		}},
		Spec: corev1.ServiceSpec{
			ClusterIP: k.serviceIP,
			Ports: []corev1.ServicePort{{
				Name: "https", Port: 443, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(k.port),
			}},
		},
	}
	services := k.client.CoreV1().Services(metav1.NamespaceDefault)
	// Look first: creating an existing Service with a fixed cluster IP fails
	// on the IP allocation before the name is checked.
	_, err := services.Get(ctx, "kubernetes", metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		if _, err = services.Create(ctx, svc, metav1.CreateOptions{}); err == nil {
			klog.FromContext(ctx).Info("Created the kubernetes Service", "clusterIP", k.serviceIP)
		}
	}
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("kubernetes service: %w", err)
	}
	return nil
}

func (k *kubernetesService) ensureEndpoints(ctx context.Context, overwrite bool) error {
	ep := &corev1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: metav1.NamespaceDefault},
		Subsets: []corev1.EndpointSubset{{
			Addresses: []corev1.EndpointAddress{{IP: k.host}},
			Ports:     []corev1.EndpointPort{{Name: "https", Port: k.port, Protocol: corev1.ProtocolTCP}},
		}},
	}
	endpoints := k.client.CoreV1().Endpoints(metav1.NamespaceDefault)
	old, err := endpoints.Get(ctx, "kubernetes", metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = endpoints.Create(ctx, ep, metav1.CreateOptions{})
	case err == nil && overwrite:
		ep.ResourceVersion = old.ResourceVersion
		_, err = endpoints.Update(ctx, ep, metav1.UpdateOptions{})
	}
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("kubernetes endpoints: %w", err)
	}
	return nil
}

// ensureEndpointSlice writes the "kubernetes" EndpointSlice, as
// kube-apiserver's endpoint reconciler does beside the Endpoints: the
// Service has no selector, so no controller makes it, and clients (kube-
// proxy, the conformance tests) read slices, not Endpoints.
func (k *kubernetesService) ensureEndpointSlice(ctx context.Context, overwrite bool) error {
	ready, port := true, k.port
	slice := &discoveryv1.EndpointSlice{
		ObjectMeta: metav1.ObjectMeta{Name: "kubernetes", Namespace: metav1.NamespaceDefault, Labels: map[string]string{
			discoveryv1.LabelServiceName: "kubernetes", discoveryv1.LabelManagedBy: "ordo-apiserver",
		}},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints:   []discoveryv1.Endpoint{{Addresses: []string{k.host}, Conditions: discoveryv1.EndpointConditions{Ready: &ready}}},
		Ports:       []discoveryv1.EndpointPort{{Name: ptr.To("https"), Port: &port, Protocol: ptr.To(corev1.ProtocolTCP)}},
	}
	slices := k.client.DiscoveryV1().EndpointSlices(metav1.NamespaceDefault)
	old, err := slices.Get(ctx, "kubernetes", metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = slices.Create(ctx, slice, metav1.CreateOptions{})
	case err == nil && overwrite:
		slice.ResourceVersion = old.ResourceVersion
		_, err = slices.Update(ctx, slice, metav1.UpdateOptions{})
	}
	if err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("kubernetes endpointslice: %w", err)
	}
	return nil
}
