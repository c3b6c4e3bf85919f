package validation

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// The conformance test's sysctls: the two malformed names are named, the
// well-formed ones (safe or not, the node decides) are not.
func TestSysctlNames(t *testing.T) {
	withSysctls := func(spec *corev1.PodSpec, names ...string) {
		spec.SecurityContext = &corev1.PodSecurityContext{}
		for _, n := range names {
			spec.SecurityContext.Sysctls = append(spec.SecurityContext.Sysctls, corev1.Sysctl{Name: n, Value: "1"})
		}
	}
	path := "spec.securityContext.sysctls"
	p := validPod()
	withSysctls(&p.Spec, "foo-", "kernel.shmmax", "safe-and-unsafe", "bar..", "net/ipv4/conf/eth0.100/forwarding")
	errs := ValidatePod(p)
	expectErrs(t, errs, inv(path+"[0].name"), inv(path+"[3].name"))
	msg := errs.ToAggregate().Error()
	for _, part := range []string{`Invalid value: "foo-"`, `Invalid value: "bar.."`} {
		if !strings.Contains(msg, part) {
			t.Errorf("message %q lacks %s", msg, part)
		}
	}

	p = validPod()
	withSysctls(&p.Spec, "kernel.shm_rmid_forced", "kernel.shm_rmid_forced", "")
	expectErrs(t, ValidatePod(p), dup(path+"[1].name"), req(path+"[2].name"))

	p = validPod()
	p.Spec.HostNetwork, p.Spec.HostIPC = true, true
	withSysctls(&p.Spec, "net.core.somaxconn", "kernel.msgmax", "kernel.hostname")
	errs = ValidatePod(p)
	expectErrs(t, errs, inv(path+"[0].name"), inv(path+"[1].name"))
	expectDetail(t, errs, path+"[0].name", "may not be specified when 'hostNetwork' is true")
	expectDetail(t, errs, path+"[1].name", "may not be specified when 'hostIPC' is true")
}
