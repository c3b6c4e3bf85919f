package apiserver

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	genericapiserver "k8s.io/apiserver/pkg/server"
)

// TestListenNeedsARealPort: port 0 turns the generic server's secure
// serving off, which crashed the start; it is refused instead.
func TestListenNeedsARealPort(t *testing.T) {
	for _, listen := range []string{"127.0.0.1:0", "127.0.0.1:70000", "127.0.0.1:x"} {
		cfg := genericapiserver.NewRecommendedConfig(serializer.NewCodecFactory(runtime.NewScheme()))
		err := applyServing(cfg, Config{Listen: listen})
		if err == nil || !strings.Contains(err.Error(), "the port must be 1-65535") {
			t.Errorf("--listen %s: error %v", listen, err)
		}
	}
}
