package servicerepair

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/ordo-dev/ordo/internal/storage/alloc"
)

// Owner is how an allocation names its Service, as the registry writes it.
func Owner(svc *corev1.Service) string { return svc.Namespace + "/" + svc.Name }

// ClusterIPsInUse maps each cluster IP a Service holds to that Service;
// an IP two Services hold is also returned as a conflict.
func ClusterIPsInUse(svcs []corev1.Service) (map[string]string, []alloc.Conflict) {
	return collect(svcs, func(s *corev1.Service) []string {
		ip := s.Spec.ClusterIP
		if ip == "" || ip == corev1.ClusterIPNone || s.Spec.Type == corev1.ServiceTypeExternalName {
			return nil
		}
		return []string{ip}
	})
}

// NodePortsInUse maps each node port a Service holds to that Service. One
// Service may use a port twice (TCP and UDP on one number), which is no
// conflict.
func NodePortsInUse(svcs []corev1.Service) (map[string]string, []alloc.Conflict) {
	return collect(svcs, func(s *corev1.Service) []string {
		var out []string
		for _, p := range s.Spec.Ports {
			if p.NodePort != 0 {
				out = append(out, fmt.Sprint(p.NodePort))
			}
		}
		return out
	})
}

func collect(svcs []corev1.Service, values func(*corev1.Service) []string) (map[string]string, []alloc.Conflict) {
	inUse := map[string]string{}
	var dups []alloc.Conflict
	for i := range svcs {
		owner := Owner(&svcs[i])
		for _, v := range values(&svcs[i]) {
			switch holder, ok := inUse[v]; {
			case !ok:
				inUse[v] = owner
			case holder != owner:
				dups = append(dups, alloc.Conflict{Value: v, Owner: owner, Holder: holder})
			}
		}
	}
	return inUse, dups
}
