// Package events sets up a controller's event recording the same way for
// every controller: a broadcaster whose spam filter and timestamps follow the
// controller's clock, a recorder with the component name Kubernetes uses,
// and a sink that writes core/v1 Events through the controller's client.
package events

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
)

// NewBroadcaster returns a broadcaster on clk (fake in tests).
func NewBroadcaster(clk clock.PassiveClock) record.EventBroadcaster {
	return record.NewBroadcaster(record.WithCorrelatorOptions(record.CorrelatorOptions{Clock: clk}))
}

// Recorder records events from component (e.g. "cronjob-controller").
func Recorder(b record.EventBroadcaster, component string) record.EventRecorder {
	return b.NewRecorder(clientgoscheme.Scheme, corev1.EventSource{Component: component})
}

// RecorderOnHost records events from component on one node (the agent
// reports as Kubernetes' "kubelet" with the node's name as host).
func RecorderOnHost(b record.EventBroadcaster, component, host string) record.EventRecorder {
	return b.NewRecorder(clientgoscheme.Scheme, corev1.EventSource{Component: component, Host: host})
}

// Start sends b's events to the API through client; the returned func
// stops the broadcaster, and with it the recording.
func Start(b record.EventBroadcaster, client kubernetes.Interface) (stop func()) {
	b.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
	return b.Shutdown
}
