package validation

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func TestValidatePod(t *testing.T) {
	c0 := "spec.containers[0]"
	cases := []struct {
		name   string
		mutate func(p *corev1.Pod)
		wants  []want
	}{
		{"valid", func(p *corev1.Pod) {}, nil},
		{"bad name", func(p *corev1.Pod) { p.Name = "Web_1" }, []want{inv("metadata.name")}},
		{"missing namespace", func(p *corev1.Pod) { p.Namespace = "" }, []want{req("metadata.namespace")}},
		{"no containers", func(p *corev1.Pod) { p.Spec.Containers = nil }, []want{req("spec.containers")}},
		{"container name not a label", func(p *corev1.Pod) { p.Spec.Containers[0].Name = "Main" }, []want{inv(c0 + ".name")}},
		{"duplicate across init and app", func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{validContainer("main")}
		}, []want{dup(c0 + ".name")}},
		{"image required", func(p *corev1.Pod) { p.Spec.Containers[0].Image = "" }, []want{req(c0 + ".image")}},
		{"image whitespace", func(p *corev1.Pod) { p.Spec.Containers[0].Image = " busybox" }, []want{inv(c0 + ".image")}},
		{"restart policy", func(p *corev1.Pod) { p.Spec.RestartPolicy = "Sometimes" }, []want{notSup("spec.restartPolicy")}},
		{"dns policy", func(p *corev1.Pod) { p.Spec.DNSPolicy = "Magic" }, []want{notSup("spec.dnsPolicy")}},
		{"shared PID namespace and host PID", func(p *corev1.Pod) {
			share := true
			p.Spec.ShareProcessNamespace, p.Spec.HostPID = &share, true
		}, []want{inv("spec.shareProcessNamespace")}},
		{"dns None without config", func(p *corev1.Pod) { p.Spec.DNSPolicy = corev1.DNSNone }, []want{req("spec.dnsConfig")}},
		{"ports", func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{
				{Name: "http", ContainerPort: 80, Protocol: corev1.ProtocolTCP},
				{Name: "http", ContainerPort: 70000, Protocol: "ICMP"},
				{ContainerPort: 0, Protocol: corev1.ProtocolUDP},
				{Name: "Not_A_Name", ContainerPort: 81, Protocol: corev1.ProtocolTCP},
			}
		}, []want{dup(c0 + ".ports[1].name"), inv(c0 + ".ports[1].containerPort"), notSup(c0 + ".ports[1].protocol"),
			req(c0 + ".ports[2].containerPort"), inv(c0 + ".ports[3].name")}},
		{"env", func(p *corev1.Pod) {
			p.Spec.Containers[0].Env = []corev1.EnvVar{
				{Name: "OK", Value: "1"},
				{Name: "NO=EQUALS", Value: "x"}, // 1BAD is valid since Kubernetes 1.34
				{Name: "", Value: "x"},
				{Name: "NONE", ValueFrom: &corev1.EnvVarSource{}},
				{Name: "TWO", ValueFrom: &corev1.EnvVarSource{
					FieldRef:        &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"},
					ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "cm"}, Key: "k"},
				}},
				{Name: "BOTH", Value: "v", ValueFrom: &corev1.EnvVarSource{
					FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.name"}}},
				{Name: "FIELD", ValueFrom: &corev1.EnvVarSource{
					FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "spec.containers"}}},
			}
		}, []want{inv(c0 + ".env[1].name"), req(c0 + ".env[2].name"), inv(c0 + ".env[3].valueFrom"),
			inv(c0 + ".env[4].valueFrom"), inv(c0 + ".env[5].valueFrom"), notSup(c0 + ".env[6].valueFrom.fieldRef.fieldPath")}},
		{"volumes", func(p *corev1.Pod) {
			p.Spec.Volumes = []corev1.Volume{
				{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}},
				{Name: "none"},
				{Name: "two", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{},
					HostPath: &corev1.HostPathVolumeSource{Path: "/x"}}},
				{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{}}},
			}
		}, []want{dup("spec.volumes[1].name"), req("spec.volumes[2]"), forbidden("spec.volumes[3].emptyDir"),
			req("spec.volumes[4].configMap.name")}},
		{"image volumes", func(p *corev1.Pod) {
			p.Spec.Volumes = []corev1.Volume{
				{Name: "ok", VolumeSource: corev1.VolumeSource{Image: &corev1.ImageVolumeSource{Reference: "data:1", PullPolicy: corev1.PullNever}}},
				{Name: "noref", VolumeSource: corev1.VolumeSource{Image: &corev1.ImageVolumeSource{PullPolicy: corev1.PullAlways}}},
				{Name: "policy", VolumeSource: corev1.VolumeSource{Image: &corev1.ImageVolumeSource{Reference: "data:1", PullPolicy: "Sometimes"}}},
			}
		}, []want{req("spec.volumes[1].image.reference"), notSup("spec.volumes[2].image.pullPolicy")}},
		{"volume mounts", func(p *corev1.Pod) {
			p.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
			p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{
				{Name: "data", MountPath: "/data"},
				{Name: "data", MountPath: "/data"},
				{Name: "missing", MountPath: "/m"},
				{Name: "data", MountPath: "relative"},
				{Name: "data"},
				{Name: "data", MountPath: "/sub", SubPath: "../up"},
			}
		}, []want{inv(c0 + ".volumeMounts[1].mountPath"), notFound(c0 + ".volumeMounts[2].name"),
			inv(c0 + ".volumeMounts[3].mountPath"), req(c0 + ".volumeMounts[4].mountPath"), inv(c0 + ".volumeMounts[5].subPath")}},
		{"resources", func(p *corev1.Pod) {
			p.Spec.Containers[0].Resources = corev1.ResourceRequirements{
				Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("-1Mi")},
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"),
					"bogus": resource.MustParse("1")},
			}
		}, []want{inv(c0 + ".resources.limits[memory]"), inv(c0 + ".resources.requests[cpu]"), inv(c0 + ".resources.requests[bogus]")}},
		{"probes", func(p *corev1.Pod) {
			p.Spec.Containers[0].LivenessProbe = &corev1.Probe{SuccessThreshold: 1}
			p.Spec.Containers[0].ReadinessProbe = &corev1.Probe{
				ProbeHandler: corev1.ProbeHandler{
					Exec:      &corev1.ExecAction{Command: []string{"true"}},
					TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(80)},
				},
				PeriodSeconds: -1, SuccessThreshold: 1,
			}
			p.Spec.Containers[0].StartupProbe = &corev1.Probe{
				ProbeHandler:     corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/", Port: intstr.FromInt32(0), Scheme: corev1.URISchemeHTTP}},
				SuccessThreshold: 2,
			}
		}, []want{req(c0 + ".livenessProbe"), forbidden(c0 + ".readinessProbe.tcpSocket"), inv(c0 + ".readinessProbe.periodSeconds"),
			inv(c0 + ".startupProbe.httpGet.port"), inv(c0 + ".startupProbe.successThreshold")}},
		{"grpc probe mode", func(p *corev1.Pod) {
			mode := corev1.GRPCProbeMode("h2c")
			p.Spec.Containers[0].LivenessProbe = &corev1.Probe{SuccessThreshold: 1,
				ProbeHandler: corev1.ProbeHandler{GRPC: &corev1.GRPCAction{Port: 5000, Mode: &mode}}}
		}, []want{notSup(c0 + ".livenessProbe.grpc.mode")}},
		{"init container probe", func(p *corev1.Pod) {
			c := validContainer("init")
			c.ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"x"}}}}
			p.Spec.InitContainers = []corev1.Container{c}
		}, []want{forbidden("spec.initContainers[0].readinessProbe")}},
		{"sidecar may probe", func(p *corev1.Pod) {
			c := validContainer("sidecar")
			c.RestartPolicy = ptr.To(corev1.ContainerRestartPolicyAlways)
			c.ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"x"}}}, SuccessThreshold: 1}
			p.Spec.InitContainers = []corev1.Container{c}
		}, nil},
		{"timing fields", func(p *corev1.Pod) {
			p.Spec.TerminationGracePeriodSeconds = ptr.To[int64](-1)
			p.Spec.ActiveDeadlineSeconds = ptr.To[int64](0)
		}, []want{inv("spec.terminationGracePeriodSeconds"), inv("spec.activeDeadlineSeconds")}},
		{"hostname and subdomain", func(p *corev1.Pod) {
			p.Spec.Hostname = "a.b"
			p.Spec.Subdomain = "Sub"
		}, []want{inv("spec.hostname"), inv("spec.subdomain")}},
		{"run as user", func(p *corev1.Pod) {
			p.Spec.SecurityContext.RunAsUser = ptr.To[int64](-1)
			p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{RunAsUser: ptr.To[int64](-5)}
		}, []want{inv("spec.securityContext.runAsUser"), inv(c0 + ".securityContext.runAsUser")}},
		{"tolerations", func(p *corev1.Pod) {
			p.Spec.Tolerations = []corev1.Toleration{
				{Operator: corev1.TolerationOpExists},
				{Key: "k", Operator: corev1.TolerationOpEqual, Value: "v", Effect: corev1.TaintEffectNoSchedule, TolerationSeconds: ptr.To[int64](5)},
				{Key: "k", Operator: corev1.TolerationOpExists, Value: "v"},
				{Operator: corev1.TolerationOpEqual},
			}
		}, []want{inv("spec.tolerations[1].effect"), inv("spec.tolerations[2].operator"), inv("spec.tolerations[3].operator")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := validPod()
			tc.mutate(p)
			expectErrs(t, ValidatePod(p), tc.wants...)
			expectErrs(t, Create(p), tc.wants...)
		})
	}
}

func TestValidatePodTemplateSpec(t *testing.T) {
	tmpl := &corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": strings.Repeat("x", 64)}},
		Spec:       validPodSpec(corev1.RestartPolicyAlways),
	}
	tmpl.Spec.EphemeralContainers = []corev1.EphemeralContainer{{}}
	expectErrs(t, ValidatePodTemplateSpec(tmpl, nil), inv("labels"), forbidden("spec.ephemeralContainers"))
}

func TestValidatePodUpdate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(p *corev1.Pod)
		wants  []want
	}{
		{"no change", func(p *corev1.Pod) {}, nil},
		{"image change allowed", func(p *corev1.Pod) { p.Spec.Containers[0].Image = "busybox:1.37" }, nil},
		{"toleration added", func(p *corev1.Pod) {
			p.Spec.Tolerations = append(p.Spec.Tolerations, corev1.Toleration{Key: "b", Operator: corev1.TolerationOpExists})
		}, nil},
		{"toleration removed", func(p *corev1.Pod) { p.Spec.Tolerations = nil }, []want{forbidden("spec.tolerations")}},
		{"deadline lowered", func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = ptr.To[int64](50) }, nil},
		{"deadline raised", func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = ptr.To[int64](500) }, []want{inv("spec.activeDeadlineSeconds")}},
		{"deadline removed", func(p *corev1.Pod) { p.Spec.ActiveDeadlineSeconds = nil }, []want{inv("spec.activeDeadlineSeconds")}},
		{"other field", func(p *corev1.Pod) { p.Spec.Containers[0].Args = []string{"x"} }, []want{forbidden("spec")}},
		{"node name", func(p *corev1.Pod) { p.Spec.NodeName = "node-1" }, []want{forbidden("spec")}},
		{"container added", func(p *corev1.Pod) {
			p.Spec.Containers = append(p.Spec.Containers, validContainer("extra"))
		}, []want{forbidden("spec.containers")}},
		{"grace period while deleting", func(p *corev1.Pod) {
			p.DeletionTimestamp = nil
			p.Spec.TerminationGracePeriodSeconds = ptr.To[int64](0)
		}, []want{forbidden("spec")}},
		{"labels revalidated", func(p *corev1.Pod) { p.Labels = map[string]string{"bad key!": "v"} }, []want{inv("metadata.labels")}},
		{"name immutable", func(p *corev1.Pod) { p.Name = "other" }, []want{inv("metadata.name")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			old := validPod()
			rv(&old.ObjectMeta)
			old.Spec.ActiveDeadlineSeconds = ptr.To[int64](100)
			old.Spec.Tolerations = []corev1.Toleration{{Key: "a", Operator: corev1.TolerationOpExists}}
			p := old.DeepCopy()
			tc.mutate(p)
			expectErrs(t, ValidatePodUpdate(p, old), tc.wants...)
			expectErrs(t, Update(p, old), tc.wants...)
		})
	}
}

func TestPodUpdateForbiddenWording(t *testing.T) {
	old := validPod()
	rv(&old.ObjectMeta)
	p := old.DeepCopy()
	p.Spec.Containers[0].Command = []string{"sh"}
	expectDetail(t, ValidatePodUpdate(p, old), "spec", podUpdateForbiddenMsg)
	if !strings.HasPrefix(podUpdateForbiddenMsg, "pod updates may not change fields other than `spec.containers[*].image`") {
		t.Fatalf("unexpected wording %q", podUpdateForbiddenMsg)
	}
}

func TestPodGracePeriodWhileDeleting(t *testing.T) {
	old := validPod()
	rv(&old.ObjectMeta)
	now := metav1.NewTime(time.Now())
	old.DeletionTimestamp = &now
	p := old.DeepCopy()
	p.Spec.TerminationGracePeriodSeconds = ptr.To[int64](0)
	expectErrs(t, ValidatePodUpdate(p, old))
}

func TestPodStatusUpdate(t *testing.T) {
	old := validPod()
	rv(&old.ObjectMeta)
	p := old.DeepCopy()
	p.Status.PodIPs = []corev1.PodIP{{IP: "10.0.0.1"}, {IP: "not-an-ip"}}
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "main", RestartCount: -1}}
	expectErrs(t, StatusUpdate(p, old), inv("status.podIPs[1].ip"), inv("status.containerStatuses[0].restartCount"))
	p.ResourceVersion = ""
	expectErrs(t, StatusUpdate(p, old), inv("status.podIPs[1].ip"), inv("status.containerStatuses[0].restartCount"), inv("metadata.resourceVersion"))
}
