package scheme_test

import (
	"github.com/ordo-dev/ordo/internal/api/scheme"
	"github.com/ordo-dev/ordo/internal/registry"
	"net/url"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// pods/portforward's connect options come from ?ports=, repeated or
// comma-separated, as kube-apiserver reads them.
func TestPortForwardOptionsFromQuery(t *testing.T) {
	codec := runtime.NewParameterCodec(scheme.New(registry.SchemeGroups()).Scheme)
	tests := []struct {
		query   url.Values
		want    []int32
		wantErr bool
	}{
		{url.Values{}, nil, false},
		{url.Values{"ports": {"8080"}}, []int32{8080}, false},
		{url.Values{"ports": {"8080,9090", "1"}}, []int32{8080, 9090, 1}, false},
		{url.Values{"ports": {"65536"}}, nil, true},
		{url.Values{"ports": {"http"}}, nil, true},
	}
	for _, tt := range tests {
		var o corev1.PodPortForwardOptions
		err := codec.DecodeParameters(tt.query, corev1.SchemeGroupVersion, &o)
		if (err != nil) != tt.wantErr || (err == nil && !reflect.DeepEqual(o.Ports, tt.want)) {
			t.Errorf("%v: ports %v, error %v; want %v (error: %v)", tt.query, o.Ports, err, tt.want, tt.wantErr)
		}
	}
}
