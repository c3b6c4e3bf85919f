// Package pvbinder binds PersistentVolumeClaims to PersistentVolumes with
// the semantics of Kubernetes' persistentvolume-controller, so claims,
// volumes, their phases, annotations and events look as they do on a real
// cluster. Provisioning is not done here: as for CSI drivers, the binder
// only marks a claim with its class's provisioner and a provisioner (ordo's
// is localprovisioner) creates a volume pre-bound to it.
//
//	claim add/update, pod placed ─► claim queue ─► syncClaim
//	  decideClaim (pure) on cached claim, volumes, class, consumer pod:
//	    bound claim: keep it bound (finish a half-done bind) or Lost
//	    spec.volumeName set: bind to that volume if free and fitting
//	    else: findVolume → bind, or say why it waits:
//	      WaitForFirstConsumer class, no pod yet → event WaitForFirstConsumer
//	      ... the scheduler annotates volume.kubernetes.io/selected-node
//	      (or, for a pod placed by spec.nodeName, the binder does);
//	      then only volumes whose node affinity that node matches count
//	      no class → event FailedBinding
//	      class missing → event ProvisioningFailed (`... "nfs-csi" not found`)
//	      class with a provisioner → annotate volume.kubernetes.io/
//	        storage-provisioner, event ExternalProvisioning
//	volume add/update, claim deleted ─► volume queue ─► syncVolume
//	  decideVolume (pure) on the volume and its claim (read past the cache
//	  before it is taken for gone):
//	    free → Available; claim bound to it → Bound; claim gone → Released,
//	    then by reclaim policy: Retain stays Released, Delete of a
//	    provisioned volume is left to its provisioner, other Delete and
//	    Recycle → Failed with an event (ordo has no deleter plugins).
//
// A bind is four writes (bind.go), each skipped when already done, so a
// crash between them is finished by the next sync. Every write carries
// the cached resourceVersion: two claims racing for one volume meet a
// conflict, and the loser decides again.
//
// Not done (as in Kubernetes but left out here): the pvc-protection and
// pv-protection finalizers, retroactive
// default class assignment, expansion, recycling.
//
// Glossary:
//   - pre-bound: a claim naming a volume in spec.volumeName, or a volume
//     naming a claim in spec.claimRef (no uid yet), set by a user or a
//     provisioner before the binder acts.
//   - bind-completed / bound-by-controller: Kubernetes' annotations on the
//     claim (both) and volume (the latter) saying the bind finished and
//     which side the controller filled in.
//   - delayed: the class's volumeBindingMode is WaitForFirstConsumer and no
//     node was selected yet.
package pvbinder
