package scheme

import (
	"net/url"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/conversion"
	"k8s.io/apimachinery/pkg/runtime"
)

// addQueryConversions reads subresource options from a request's query, as
// kube-apiserver's generated conversions do (kubectl logs sends
// ?container=&follow=&tailLines=..., port-forward clients ?ports=...).
func addQueryConversions(s *runtime.Scheme) error {
	if err := s.AddConversionFunc((*url.Values)(nil), (*corev1.PodExecOptions)(nil),
		func(a, b interface{}, _ conversion.Scope) error {
			return podExecOptionsFromQuery(*a.(*url.Values), b.(*corev1.PodExecOptions))
		}); err != nil {
		return err
	}
	if err := s.AddConversionFunc((*url.Values)(nil), (*corev1.PodAttachOptions)(nil),
		func(a, b interface{}, _ conversion.Scope) error {
			return podAttachOptionsFromQuery(*a.(*url.Values), b.(*corev1.PodAttachOptions))
		}); err != nil {
		return err
	}
	if err := s.AddConversionFunc((*url.Values)(nil), (*corev1.PodPortForwardOptions)(nil),
		func(a, b interface{}, scope conversion.Scope) error {
			// ?ports=8080&ports=9090 or ?ports=8080,9090, each in 0–65535.
			q := *a.(*url.Values)
			ports := q["ports"]
			return metav1.Convert_Slice_string_To_Slice_int32(&ports, &b.(*corev1.PodPortForwardOptions).Ports, scope)
		}); err != nil {
		return err
	}
	if err := s.AddConversionFunc((*url.Values)(nil), (*corev1.PodProxyOptions)(nil),
		func(a, b interface{}, _ conversion.Scope) error {
			b.(*corev1.PodProxyOptions).Path = a.(*url.Values).Get("path")
			return nil
		}); err != nil {
		return err
	}
	if err := s.AddConversionFunc((*url.Values)(nil), (*corev1.ServiceProxyOptions)(nil),
		func(a, b interface{}, _ conversion.Scope) error {
			b.(*corev1.ServiceProxyOptions).Path = a.(*url.Values).Get("path")
			return nil
		}); err != nil {
		return err
	}
	return s.AddConversionFunc((*url.Values)(nil), (*corev1.PodLogOptions)(nil),
		func(a, b interface{}, _ conversion.Scope) error {
			return podLogOptionsFromQuery(*a.(*url.Values), b.(*corev1.PodLogOptions))
		})
}

func podExecOptionsFromQuery(q url.Values, o *corev1.PodExecOptions) error {
	o.Container, o.Command = q.Get("container"), q["command"]
	for key, dst := range map[string]*bool{"stdin": &o.Stdin, "stdout": &o.Stdout, "stderr": &o.Stderr, "tty": &o.TTY} {
		if v := q.Get(key); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return err
			}
			*dst = b
		}
	}
	return nil
}

func podAttachOptionsFromQuery(q url.Values, o *corev1.PodAttachOptions) error {
	o.Container = q.Get("container")
	for key, dst := range map[string]*bool{"stdin": &o.Stdin, "stdout": &o.Stdout, "stderr": &o.Stderr, "tty": &o.TTY} {
		if v := q.Get(key); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return err
			}
			*dst = b
		}
	}
	return nil
}

func podLogOptionsFromQuery(q url.Values, o *corev1.PodLogOptions) error {
	o.Container = q.Get("container")
	for key, dst := range map[string]*bool{"follow": &o.Follow, "previous": &o.Previous, "timestamps": &o.Timestamps,
		"insecureSkipTLSVerifyBackend": &o.InsecureSkipTLSVerifyBackend} {
		if v := q.Get(key); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return err
			}
			*dst = b
		}
	}
	for key, dst := range map[string]**int64{"sinceSeconds": &o.SinceSeconds, "tailLines": &o.TailLines, "limitBytes": &o.LimitBytes} {
		if v := q.Get(key); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return err
			}
			*dst = &n
		}
	}
	if v := q.Get("sinceTime"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return err
		}
		mt := metav1.NewTime(t)
		o.SinceTime = &mt
	}
	if v := q.Get("stream"); v != "" {
		o.Stream = &v
	}
	return nil
}
