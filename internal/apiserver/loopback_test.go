package apiserver

import (
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
)

// The typed loopback client (the local agent's, the own informers') speaks
// protobuf; the generic server's LoopbackClientConfig, which also backs
// dynamic clients of custom resources, is left as it was.
func TestProtobufConfigLeavesTheLoopbackConfigAlone(t *testing.T) {
	base := &rest.Config{Host: "https://127.0.0.1:6443", BearerToken: "t"}
	got := protobufConfig(base)
	if got.ContentType != runtime.ContentTypeProtobuf {
		t.Errorf("ContentType = %q, want %q", got.ContentType, runtime.ContentTypeProtobuf)
	}
	if want := runtime.ContentTypeProtobuf + "," + runtime.ContentTypeJSON; got.AcceptContentTypes != want {
		t.Errorf("AcceptContentTypes = %q, want %q", got.AcceptContentTypes, want)
	}
	if got.Host != base.Host || got.BearerToken != base.BearerToken {
		t.Errorf("protobufConfig lost the connection settings: %+v", got)
	}
	if base.ContentType != "" || base.AcceptContentTypes != "" {
		t.Errorf("protobufConfig changed its input: %q %q", base.ContentType, base.AcceptContentTypes)
	}
}
