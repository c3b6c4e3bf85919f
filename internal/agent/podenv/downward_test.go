package podenv

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestResolveFieldRef(t *testing.T) {
	paths := []struct{ path, want string }{
		{"metadata.name", "web-0"},
		{"metadata.namespace", "default"},
		{"metadata.uid", "0b1c-uid"},
		{"metadata.labels['app']", "web"},
		{"metadata.labels['app.kubernetes.io/tier']", "front"},
		{"metadata.labels['missing']", ""},
		{"metadata.annotations['owner']", "team-a"},
		{"spec.nodeName", "node-1"},
		{"spec.serviceAccountName", "builder"},
		{"spec.terminationGracePeriodSeconds", "45"},
		{"status.hostIP", "192.168.1.5"},
		{"status.hostIPs", "192.168.1.5,fd00::5"},
		{"status.podIP", "10.42.0.7"},
		{"status.podIPs", "10.42.0.7,fd42::7"},
	}
	var cases []resolveCase
	for _, p := range paths {
		cases = append(cases, resolveCase{
			name:      p.path,
			container: corev1.Container{Env: []corev1.EnvVar{from("V", field(p.path))}},
			wantEnv:   []string{"V=" + p.want},
		})
	}
	cases = append(cases,
		resolveCase{
			name:      "unsupported path",
			container: corev1.Container{Env: []corev1.EnvVar{from("V", field("spec.hostname"))}},
			wantErr:   "field label not supported: spec.hostname",
		},
		resolveCase{
			name:      "subscript on a field without one",
			container: corev1.Container{Env: []corev1.EnvVar{from("V", field("spec.nodeName['x']"))}},
			wantErr:   "does not support subscript",
		},
		resolveCase{
			name: "wrong API version",
			container: corev1.Container{Env: []corev1.EnvVar{from("V", corev1.EnvVarSource{
				FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v2", FieldPath: "metadata.name"}})}},
			wantErr: "unsupported pod version: v2",
		},
	)
	runResolveCases(t, cases)
}

func TestFieldRefSingularIPFallback(t *testing.T) {
	pod := testPod()
	pod.Status.PodIPs, pod.Status.HostIPs = nil, nil
	for path, want := range map[string]string{
		"status.podIP": "10.42.0.7", "status.podIPs": "10.42.0.7",
		"status.hostIP": "192.168.1.5", "status.hostIPs": "192.168.1.5",
	} {
		got, err := fieldRefValue(&corev1.ObjectFieldSelector{FieldPath: path}, pod)
		if err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", path, got, err, want)
		}
	}
}

func TestResolveResourceFieldRef(t *testing.T) {
	limited := corev1.ResourceRequirements{
		Limits: corev1.ResourceList{
			corev1.ResourceCPU:              resource.MustParse("250m"),
			corev1.ResourceMemory:           resource.MustParse("1G"),
			corev1.ResourceEphemeralStorage: resource.MustParse("2Gi"),
		},
		Requests: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("100m"),
			corev1.ResourceMemory: resource.MustParse("128Mi"),
		},
	}
	node := corev1.ResourceList{
		corev1.ResourceCPU:              resource.MustParse("4"),
		corev1.ResourceMemory:           resource.MustParse("8Gi"),
		corev1.ResourceEphemeralStorage: resource.MustParse("100Gi"),
	}
	env := func(vars ...corev1.EnvVar) corev1.Container {
		return corev1.Container{Name: "app", Resources: limited, Env: vars}
	}
	runResolveCases(t, []resolveCase{
		{
			name: "divisor 1Mi rounds memory up",
			container: env(
				from("LIM", res("", "limits.memory", "1Mi")), // 1e9 / 1048576 = 953.67
				from("REQ", res("", "requests.memory", "1Mi")),
				from("EPH", res("", "limits.ephemeral-storage", "1Mi")),
			),
			wantEnv: []string{"LIM=954", "REQ=128", "EPH=2048"},
		},
		{
			name: "divisor 1m gives millicores; default divisor rounds cores up",
			container: env(
				from("M", res("", "limits.cpu", "1m")),
				from("CORES", res("", "limits.cpu", "")),
				from("REQ", res("", "requests.cpu", "1m")),
				from("BYTES", res("", "requests.memory", "")),
			),
			wantEnv: []string{"M=250", "CORES=1", "REQ=100", "BYTES=134217728"},
		},
		{
			name:        "unset limits default to node allocatable",
			allocatable: node,
			container: corev1.Container{Env: []corev1.EnvVar{
				from("CPU", res("", "limits.cpu", "")),
				from("MCPU", res("", "limits.cpu", "1m")),
				from("MEM", res("", "limits.memory", "1Mi")),
				from("EPH", res("", "limits.ephemeral-storage", "1Gi")),
				from("REQ", res("", "requests.cpu", "1m")),
			}},
			wantEnv: []string{"CPU=4", "MCPU=4000", "MEM=8192", "EPH=100", "REQ=0"},
		},
		{
			name:        "a set limit is not replaced by allocatable",
			allocatable: node,
			container:   env(from("MEM", res("", "limits.memory", "1M"))),
			wantEnv:     []string{"MEM=1000"},
		},
		{
			name:        "another container by name, defaulted too",
			allocatable: node,
			container: env(
				from("MEM", res("sidecar", "limits.memory", "1Mi")),
				from("CPU", res("sidecar", "limits.cpu", "1m")),
			),
			wantEnv: []string{"MEM=64", "CPU=4000"},
		},
		{
			name:      "unknown container",
			container: env(from("X", res("ghost", "limits.cpu", ""))),
			wantErr:   "container ghost not found",
		},
		{
			name:      "unsupported resource",
			container: env(from("X", res("", "limits.gpu", ""))),
			wantErr:   "unsupported container resource : limits.gpu",
		},
	})
}

func TestResolveCommandAndArgs(t *testing.T) {
	runResolveCases(t, []resolveCase{
		{
			name: "expanded against the full environment, later vars included",
			container: corev1.Container{
				Command: []string{"/bin/sh", "-c", "echo $(GREETING) $$(GREETING) $HOME"},
				Args:    []string{"$(NAME)", "$(UNSET)", "$(GREETING"},
				Env:     []corev1.EnvVar{lit("GREETING", "hello $(NAME)"), lit("NAME", "world")},
			},
			wantEnv:     []string{"GREETING=hello $(NAME)", "NAME=world"},
			wantCommand: []string{"/bin/sh", "-c", "echo hello $(NAME) $(GREETING) $HOME"},
			wantArgs:    []string{"world", "$(UNSET)", "$(GREETING"},
		},
		{
			name:      "no command means none, args run as given",
			container: corev1.Container{Args: []string{"sleep", "1"}},
			wantArgs:  []string{"sleep", "1"},
		},
	})
}

// Seed 000: redis-cli gets the password from a Secret through $(REDIS_PASSWORD).
// The secret's value contains "$(word)", which must reach redis-cli untouched:
// expansion happens once, not on the substituted text.
func TestResolveSeed000RedisPassword(t *testing.T) {
	runResolveCases(t, []resolveCase{{
		name: "seed 000",
		container: corev1.Container{
			Name:  "redis",
			Image: "docker.io/bitnami/redis:4.0.12",
			Env:   []corev1.EnvVar{from("REDIS_PASSWORD", secretKey("redis-test", "redis-password", nil))},
			Args:  []string{"redis-cli", "-h", "redis-stage-master", "-a", "$(REDIS_PASSWORD)", "BGREWRITEAOF"},
		},
		wantEnv:  []string{"REDIS_PASSWORD=p@ss$(word)"},
		wantArgs: []string{"redis-cli", "-h", "redis-stage-master", "-a", "p@ss$(word)", "BGREWRITEAOF"},
	}, {
		name: "seed 000 without the secret cannot start",
		container: corev1.Container{
			Env:  []corev1.EnvVar{from("REDIS_PASSWORD", secretKey("redis-prod", "redis-password", nil))},
			Args: []string{"redis-cli", "-a", "$(REDIS_PASSWORD)"},
		},
		wantErr: `secret "redis-prod" not found`,
	}})
}
