// Package statefulset runs StatefulSets' pods with Kubernetes'
// statefulset-controller semantics: stable names, ordered start, per-pod
// claims kept for life, revisions and rolling updates.
//
//	StatefulSet or pod event ─► queue (ns/name) ─► sync:
//	  claim member pods (controllerref; members are named <set>-<ordinal>)
//	  settle revisions: update = the revision of spec.template (created or
//	    renumbered newest); current = status.currentRevision while it exists
//	  claims' owner references per retention policy (retention.go): the
//	    set's (whenDeleted Delete), or a condemned pod's (whenScaled Delete)
//	  plan (pure, decide.go) ─► create pods (claims first) / delete pods
//	  status: replicas, ready, current, updated, available, revisions
//
// The plan, in order: fill the wanted ordinals lowest first (OrderedReady
// stops at the first one not Running and Ready; Parallel does not); delete
// pods beyond the range highest first (OrderedReady: one at a time, once
// all wanted pods are Ready); then roll the update from the highest
// ordinal down to the partition, maxUnavailable pods at a time (default
// 1; OrderedReady waits for each batch to be Ready). As in Kubernetes
// (kubernetes/kubernetes#67250), a pod that is not Ready holds an
// OrderedReady rollout up until it is Ready or deleted.
//
// Glossary:
//   - ordinal: the number in a pod's name; the range is
//     [ordinals.start, ordinals.start+replicas).
//   - condemned: a member pod whose ordinal is outside the range.
//   - revision: a ControllerRevision holding a template as Kubernetes'
//     patch ({"spec":{"template":{..., "$patch":"replace"}}}), named
//     <set>-<hash>; pods carry it in controller-revision-hash.
//
// Like Kubernetes' controller, it sets no status conditions.
package statefulset
