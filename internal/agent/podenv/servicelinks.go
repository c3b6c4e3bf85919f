package podenv

import (
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// masterService is the API server's Service, whose variables every pod gets
// (KUBERNETES_SERVICE_HOST and _PORT are how in-cluster clients find the
// API), whatever its enableServiceLinks says.
const masterService, masterNamespace = "kubernetes", "default"

// ServiceLinks returns the service-link variables of pod, chosen as the
// kubelet chooses them: the Services of the pod's namespace when
// spec.enableServiceLinks is unset or true, and always default/kubernetes
// unless the pod's namespace has a Service of that name. Services without a
// cluster IP (headless or ExternalName) have none. Each Service gives
// docker-link style variables: NAME_SERVICE_HOST, NAME_SERVICE_PORT,
// NAME_SERVICE_PORT_<port name>, NAME_PORT, and NAME_PORT_<port>_<PROTO>
// with _PROTO, _PORT and _ADDR.
func ServiceLinks(pod *corev1.Pod, services []*corev1.Service) []corev1.EnvVar {
	links := pod.Spec.EnableServiceLinks == nil || *pod.Spec.EnableServiceLinks
	chosen := map[string]*corev1.Service{}
	for _, s := range services {
		if !hasClusterIP(s) {
			continue
		}
		switch {
		case s.Namespace == pod.Namespace && links:
			chosen[s.Name] = s
		case s.Namespace == masterNamespace && s.Name == masterService:
			if _, own := chosen[s.Name]; !own {
				chosen[s.Name] = s
			}
		}
	}
	names := make([]string, 0, len(chosen))
	for n := range chosen {
		names = append(names, n)
	}
	sort.Strings(names)
	var env []corev1.EnvVar
	for _, n := range names {
		env = append(env, serviceVars(chosen[n])...)
	}
	return env
}

func hasClusterIP(s *corev1.Service) bool {
	return s.Spec.ClusterIP != "" && s.Spec.ClusterIP != corev1.ClusterIPNone
}

func serviceVars(s *corev1.Service) []corev1.EnvVar {
	name := envName(s.Name)
	ip := s.Spec.ClusterIP
	if len(s.Spec.Ports) == 0 {
		return []corev1.EnvVar{{Name: name + "_SERVICE_HOST", Value: ip}}
	}
	env := []corev1.EnvVar{
		{Name: name + "_SERVICE_HOST", Value: ip},
		{Name: name + "_SERVICE_PORT", Value: strconv.Itoa(int(s.Spec.Ports[0].Port))},
	}
	for _, p := range s.Spec.Ports {
		if p.Name != "" {
			env = append(env, corev1.EnvVar{Name: name + "_SERVICE_PORT_" + envName(p.Name), Value: strconv.Itoa(int(p.Port))})
		}
	}
	for i, p := range s.Spec.Ports {
		proto := p.Protocol
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		port := strconv.Itoa(int(p.Port))
		url := fmt.Sprintf("%s://%s", strings.ToLower(string(proto)), net.JoinHostPort(ip, port))
		if i == 0 {
			env = append(env, corev1.EnvVar{Name: name + "_PORT", Value: url})
		}
		prefix := fmt.Sprintf("%s_PORT_%s_%s", name, port, strings.ToUpper(string(proto)))
		env = append(env,
			corev1.EnvVar{Name: prefix, Value: url},
			corev1.EnvVar{Name: prefix + "_PROTO", Value: strings.ToLower(string(proto))},
			corev1.EnvVar{Name: prefix + "_PORT", Value: port},
			corev1.EnvVar{Name: prefix + "_ADDR", Value: ip})
	}
	return env
}

// envName is a Service or port name as a variable name: upper case, with
// dashes as underscores.
func envName(name string) string {
	return strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}
