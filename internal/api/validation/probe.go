package validation

import (
	corev1 "k8s.io/api/core/v1"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// handlerSet is one probe or lifecycle hook's possible actions, listed in
// Kubernetes' order so "more than 1 handler" errors name the same field.
type handlerSet struct {
	exec      *corev1.ExecAction
	httpGet   *corev1.HTTPGetAction
	tcpSocket *corev1.TCPSocketAction
	grpc      *corev1.GRPCAction
	sleep     *corev1.SleepAction
}

// validateProbe requires exactly one handler and non-negative timings.
func validateProbe(pr *corev1.Probe, p *field.Path) field.ErrorList {
	if pr == nil {
		return nil
	}
	h := handlerSet{exec: pr.Exec, httpGet: pr.HTTPGet, tcpSocket: pr.TCPSocket, grpc: pr.GRPC}
	errs := validateHandler(h, p)
	errs = append(errs, nonNegative(int64(pr.InitialDelaySeconds), p.Child("initialDelaySeconds"))...)
	errs = append(errs, nonNegative(int64(pr.TimeoutSeconds), p.Child("timeoutSeconds"))...)
	errs = append(errs, nonNegative(int64(pr.PeriodSeconds), p.Child("periodSeconds"))...)
	errs = append(errs, nonNegative(int64(pr.SuccessThreshold), p.Child("successThreshold"))...)
	errs = append(errs, nonNegative(int64(pr.FailureThreshold), p.Child("failureThreshold"))...)
	if g := pr.TerminationGracePeriodSeconds; g != nil && *g <= 0 {
		errs = append(errs, field.Invalid(p.Child("terminationGracePeriodSeconds"), *g, "must be greater than 0"))
	}
	return errs
}

func validateLifecycleHandler(lh *corev1.LifecycleHandler, p *field.Path) field.ErrorList {
	return validateHandler(handlerSet{exec: lh.Exec, httpGet: lh.HTTPGet, tcpSocket: lh.TCPSocket, sleep: lh.Sleep}, p)
}

// validateHandler enforces "exactly one handler type" with Kubernetes'
// messages, then checks the chosen one.
func validateHandler(h handlerSet, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	n := 0
	one := func(set bool, name string, check func() field.ErrorList) {
		if !set {
			return
		}
		if n > 0 {
			errs = append(errs, field.Forbidden(p.Child(name), "may not specify more than 1 handler type"))
			return
		}
		n++
		errs = append(errs, check()...)
	}
	one(h.exec != nil, "exec", func() field.ErrorList {
		if len(h.exec.Command) == 0 {
			return field.ErrorList{field.Required(p.Child("exec", "command"), "")}
		}
		return nil
	})
	one(h.httpGet != nil, "httpGet", func() field.ErrorList { return validateHTTPGet(h.httpGet, p.Child("httpGet")) })
	one(h.tcpSocket != nil, "tcpSocket", func() field.ErrorList {
		return portNumOrName(h.tcpSocket.Port, p.Child("tcpSocket", "port"))
	})
	one(h.grpc != nil, "grpc", func() field.ErrorList { return validateGRPC(h.grpc, p.Child("grpc")) })
	one(h.sleep != nil, "sleep", func() field.ErrorList {
		return nonNegative(h.sleep.Seconds, p.Child("sleep", "seconds"))
	})
	if n == 0 {
		errs = append(errs, field.Required(p, "must specify a handler type"))
	}
	return errs
}

func validateGRPC(g *corev1.GRPCAction, p *field.Path) field.ErrorList {
	errs := portNum(g.Port, p.Child("port"))
	if m := g.Mode; m != nil && *m != corev1.GRPCProbeModePlaintext && *m != corev1.GRPCProbeModeTLS {
		errs = append(errs, field.NotSupported(p.Child("mode"), *m, []corev1.GRPCProbeMode{corev1.GRPCProbeModePlaintext, corev1.GRPCProbeModeTLS}))
	}
	return errs
}

func validateHTTPGet(g *corev1.HTTPGetAction, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if g.Path == "" {
		errs = append(errs, field.Required(p.Child("path"), ""))
	}
	errs = append(errs, portNumOrName(g.Port, p.Child("port"))...)
	switch g.Scheme {
	case corev1.URISchemeHTTP, corev1.URISchemeHTTPS:
	default:
		errs = append(errs, field.NotSupported(p.Child("scheme"), g.Scheme, supportedURISchemes))
	}
	for i, hd := range g.HTTPHeaders {
		errs = append(errs, msgsToErrs(utilvalidation.IsHTTPHeaderName(hd.Name), hd.Name, p.Child("httpHeaders").Index(i).Child("name"))...)
	}
	return errs
}
