// Package endpoints is kube-controller-manager's endpoints and
// endpointslice controllers in one: for every Service with a selector it
// keeps the Endpoints object of the same name and the Service's
// EndpointSlices in step with the pods the selector matches.
//
// The two Kubernetes controllers read the same inputs (a Service and its
// pods) under the same key, so ordo runs them as one controller with one
// workqueue; each sync decides both objects from one list of pods.
//
//	Service / Pod events ──▶ queue (ns/name of Service) ──▶ sync
//	sync: lister reads ──▶ desiredEndpoints, desiredSlices (pure)
//	                   ──▶ planSlices(desired, existing) (pure)
//	                   ──▶ apply: create / update / delete through the client
//
// Services without a selector are user-managed and left alone, as are
// ExternalName Services. Which pods count and how (ready, not ready,
// terminating, hostname, named target ports) is in pods.go; the rules are
// Kubernetes' own.
package endpoints
