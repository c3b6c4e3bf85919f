package registry

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	genericregistry "k8s.io/apiserver/pkg/registry/generic/registry"
	"k8s.io/klog/v2"
)

// hookServiceAllocation gives Services their cluster IP and node ports on
// create, keeps them across updates that leave them empty, and frees them on
// delete. Allocations live in etcd, so they survive restarts and are shared
// by every server of one cluster.
func hookServiceAllocation(store *genericregistry.Store, c Config) {
	store.BeginCreate = func(ctx context.Context, obj runtime.Object, options *metav1.CreateOptions) (genericregistry.FinishFunc, error) {
		if len(options.DryRun) > 0 {
			return func(context.Context, bool) {}, nil
		}
		svc := obj.(*corev1.Service)
		var taken []func()
		release := func(context.Context, bool) {}
		finish := func(ctx context.Context, ok bool) {
			if !ok {
				for _, undo := range taken {
					undo()
				}
			}
		}
		owner := svc.Namespace + "/" + svc.Name
		if undo, err := allocateClusterIP(ctx, c.ServiceIPs, svc, owner); err != nil {
			return release, err
		} else if undo != nil {
			taken = append(taken, undo)
		}
		undos, err := allocateNodePorts(ctx, c.NodePorts, svc, owner)
		taken = append(taken, undos...)
		if err != nil {
			finish(ctx, false)
			return release, err
		}
		return finish, nil
	}
	store.BeginUpdate = func(ctx context.Context, obj, old runtime.Object, options *metav1.UpdateOptions) (genericregistry.FinishFunc, error) {
		svc, oldSvc := obj.(*corev1.Service), old.(*corev1.Service)
		dropTypeDependentFields(svc, oldSvc)
		keepAllocations(svc, oldSvc)
		if len(options.DryRun) > 0 {
			return func(context.Context, bool) {}, nil
		}
		return reallocate(ctx, c, svc, oldSvc)
	}
	store.AfterDelete = func(obj runtime.Object, options *metav1.DeleteOptions) {
		if len(options.DryRun) > 0 {
			return
		}
		svc := obj.(*corev1.Service)
		ctx := context.Background()
		if c.ServiceIPs.Contains(svc.Spec.ClusterIP) {
			logRelease(ctx, c.ServiceIPs, svc, "cluster IP", svc.Spec.ClusterIP)
		}
		for _, p := range svc.Spec.Ports {
			if p.NodePort != 0 {
				logRelease(ctx, c.NodePorts, svc, "node port", fmt.Sprint(p.NodePort))
			}
		}
	}
}

// logRelease frees a deleted Service's value. The Service is gone already,
// so a failure cannot fail the delete: it is logged, and the repair
// controller (internal/controller/servicerepair) frees the value later.
func logRelease(ctx context.Context, a Allocator, svc *corev1.Service, what, value string) {
	if err := a.Release(ctx, value); err != nil {
		klog.FromContext(ctx).Error(err, "Release failed; the repair controller will free it", "service", klog.KObj(svc), "allocation", what, "value", value)
	}
}

func needsNodePorts(svc *corev1.Service) bool {
	return svc.Spec.Type == corev1.ServiceTypeNodePort || svc.Spec.Type == corev1.ServiceTypeLoadBalancer
}

func needsClusterIP(svc *corev1.Service) bool {
	return svc.Spec.Type != corev1.ServiceTypeExternalName && svc.Spec.ClusterIP != corev1.ClusterIPNone
}

func allocateClusterIP(ctx context.Context, a Allocator, svc *corev1.Service, owner string) (func(), error) {
	if !needsClusterIP(svc) {
		return nil, nil
	}
	ip := svc.Spec.ClusterIP
	if ip == "" {
		next, err := a.AllocateNext(ctx, owner)
		if err != nil {
			return nil, apierrors.NewInternalError(fmt.Errorf("failed to allocate a serviceIP: %w", err))
		}
		ip = next
	} else {
		path := field.NewPath("spec", "clusterIPs").Index(0)
		if !a.Contains(ip) {
			return nil, invalidService(svc, field.Invalid(path, ip, "provided IP is not in the valid range"))
		}
		if err := a.Allocate(ctx, ip, owner); err != nil {
			return nil, invalidService(svc, field.Invalid(path, ip, "provided IP is already allocated"))
		}
	}
	svc.Spec.ClusterIP = ip
	svc.Spec.ClusterIPs = []string{ip}
	if len(svc.Spec.IPFamilies) == 0 {
		svc.Spec.IPFamilies = []corev1.IPFamily{corev1.IPv4Protocol}
	}
	if svc.Spec.IPFamilyPolicy == nil {
		single := corev1.IPFamilyPolicySingleStack
		svc.Spec.IPFamilyPolicy = &single
	}
	return func() { _ = a.Release(context.Background(), ip) }, nil
}

func allocateNodePorts(ctx context.Context, a Allocator, svc *corev1.Service, owner string) ([]func(), error) {
	if !needsNodePorts(svc) {
		return nil, nil
	}
	var undos []func()
	for i := range svc.Spec.Ports {
		p := &svc.Spec.Ports[i]
		path := field.NewPath("spec", "ports").Index(i).Child("nodePort")
		if p.NodePort != 0 {
			v := fmt.Sprint(p.NodePort)
			if !a.Contains(v) {
				return undos, invalidService(svc, field.Invalid(path, p.NodePort, "provided port is not in the valid range. The range of valid ports is 30000-32767"))
			}
			if err := a.Allocate(ctx, v, owner); err != nil {
				return undos, invalidService(svc, field.Invalid(path, p.NodePort, "provided port is already allocated"))
			}
		} else {
			v, err := a.AllocateNext(ctx, owner)
			if err != nil {
				return undos, apierrors.NewInternalError(fmt.Errorf("failed to allocate a nodePort: %w", err))
			}
			fmt.Sscan(v, &p.NodePort)
		}
		port := fmt.Sprint(p.NodePort)
		undos = append(undos, func() { _ = a.Release(context.Background(), port) })
	}
	return undos, nil
}

// reallocate allocates what an update newly needs (a cluster IP when an
// ExternalName Service becomes another type, node ports for new ports or a
// new NodePort type) and, once the update is stored, frees what it no
// longer uses, as kube-apiserver does; a failed update gives back what it
// took.
func reallocate(ctx context.Context, c Config, svc, old *corev1.Service) (genericregistry.FinishFunc, error) {
	owner := svc.Namespace + "/" + svc.Name
	var taken []func()
	undo := func() {
		for _, u := range taken {
			u()
		}
	}
	if svc.Spec.ClusterIP != old.Spec.ClusterIP || !needsClusterIP(old) {
		u, err := allocateClusterIP(ctx, c.ServiceIPs, svc, owner)
		if err != nil {
			return nil, err
		}
		if u != nil {
			taken = append(taken, u)
		}
	}
	oldPorts := nodePortSet(old)
	keep := svc.DeepCopy()
	keep.Spec.Ports = nil
	for _, p := range svc.Spec.Ports {
		if p.NodePort == 0 || !oldPorts[p.NodePort] {
			keep.Spec.Ports = append(keep.Spec.Ports, p)
		}
	}
	undos, err := allocateNodePorts(ctx, c.NodePorts, keep, owner)
	taken = append(taken, undos...)
	if err != nil {
		undo()
		return nil, err
	}
	copyNewNodePorts(svc, keep)
	return func(ctx context.Context, ok bool) {
		if !ok {
			undo()
			return
		}
		if old.Spec.ClusterIP != svc.Spec.ClusterIP && c.ServiceIPs.Contains(old.Spec.ClusterIP) {
			logRelease(ctx, c.ServiceIPs, old, "cluster IP", old.Spec.ClusterIP)
		}
		now := nodePortSet(svc)
		for p := range oldPorts {
			if !now[p] {
				logRelease(ctx, c.NodePorts, old, "node port", fmt.Sprint(p))
			}
		}
	}, nil
}

// nodePortSet is the node ports a Service holds.
func nodePortSet(svc *corev1.Service) map[int32]bool {
	out := map[int32]bool{}
	for _, p := range svc.Spec.Ports {
		if p.NodePort != 0 {
			out[p.NodePort] = true
		}
	}
	return out
}

// copyNewNodePorts gives svc's ports the node ports allocated for them in
// fresh (a copy holding only svc's new ports, in order).
func copyNewNodePorts(svc, fresh *corev1.Service) {
	j := 0
	for i := range svc.Spec.Ports {
		p := &svc.Spec.Ports[i]
		if j < len(fresh.Spec.Ports) && p.Port == fresh.Spec.Ports[j].Port && p.Name == fresh.Spec.Ports[j].Name && p.Protocol == fresh.Spec.Ports[j].Protocol {
			p.NodePort = fresh.Spec.Ports[j].NodePort
			j++
		}
	}
}

// keepAllocations carries the allocated IP and node ports over an update
// that leaves them empty, as kube-apiserver does for PUTs of manifests.
func keepAllocations(svc, old *corev1.Service) {
	if svc.Spec.ClusterIP == "" && needsClusterIP(svc) {
		svc.Spec.ClusterIP = old.Spec.ClusterIP
		svc.Spec.ClusterIPs = old.Spec.ClusterIPs
	}
	if len(svc.Spec.IPFamilies) == 0 {
		svc.Spec.IPFamilies = old.Spec.IPFamilies
	}
	if svc.Spec.IPFamilyPolicy == nil {
		svc.Spec.IPFamilyPolicy = old.Spec.IPFamilyPolicy
	}
	if !needsNodePorts(svc) {
		return
	}
	for i := range svc.Spec.Ports {
		for _, op := range old.Spec.Ports {
			if svc.Spec.Ports[i].NodePort == 0 && op.Name == svc.Spec.Ports[i].Name && op.Port == svc.Spec.Ports[i].Port {
				svc.Spec.Ports[i].NodePort = op.NodePort
			}
		}
	}
}

func invalidService(svc *corev1.Service, err *field.Error) error {
	return apierrors.NewInvalid(corev1.SchemeGroupVersion.WithKind("Service").GroupKind(), svc.Name, field.ErrorList{err})
}
