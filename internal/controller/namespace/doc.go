// Package namespace finishes namespace deletion, as Kubernetes' namespace
// controller does.
//
// DELETE only marks a namespace Terminating while spec.finalizers holds
// "kubernetes". This controller then deletes every namespaced object in it,
// waits until every list is empty, removes "kubernetes" through the finalize
// subresource and deletes the namespace again so the object goes away.
//
//	namespace event (deletionTimestamp set) ─► queue (name) ─► sync
//	sync: discover namespaced resources ─► deletecollection / list+delete
//	      ─► list what remains ─► conditions ─► decide:
//	         errors    → retry with backoff
//	         remaining → look again after contentRecheck
//	         empty     → finalize (drop "kubernetes") ─► DELETE namespace
package namespace
