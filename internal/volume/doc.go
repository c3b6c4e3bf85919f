// Package volume prepares a pod's volumes on the node, as the kubelet's
// volume manager does, for the agent (package agent) to mount into its
// containers. A Manager, built from a Config (API client, pod directories,
// node resources, clock), is the whole interface:
//
//	Prepare          every volume of a pod, before its first container:
//	                 its host path by name, or a *SetUpError (the kubelet's
//	                 FailedMount event; the agent backs off and retries)
//	PrepareImage     an image volume from its image's layers (the agent
//	                 pulls and holds the image)
//	ContainerMounts  a container's volumeMounts onto those paths, with
//	                 subPath and subPathExpr (pure, called by the start plan)
//	Refresh          a running pod's configMap, secret, downwardAPI and
//	                 projected volumes following the API (HasLive says
//	                 whether it has any)
//	Release          a finished pod's memory-backed volumes unmounted
//	Forget           a gone pod's tokens and refresh state dropped
//	RemovePodDir, UnmountUnder   the tmpfs-safe removal of pod directories
//
// The files, by volume type and part:
//
//	manager.go    Config, Manager, Prepare and the per-type dispatch
//	apidata.go    configMap, secret, downwardAPI and projected volumes: the
//	              objects read and written
//	payload.go    an object's keys or downward fields as files (payload)
//	projected.go  a projected volume's sources merged into one payload
//	token.go      service-account tokens: TokenRequest, cache, renewal at
//	              80% of their life
//	podcert.go    podCertificate sources (PodCertificateRequests, refresh
//	              at beginRefreshAt) and clusterTrustBundle sources
//	atomicdir.go  the kubelet's atomic writer: a timestamped directory
//	              behind the ..data symlink, swapped with one rename
//	tmpfs.go      memory-backed volumes (secret, projected, downwardAPI,
//	              emptyDir medium Memory) and their unmounting
//	hostpath.go   hostPath type checks
//	image.go      image volumes: a read-only, noexec overlay of the layers
//	pvc.go        persistentVolumeClaim: the bound hostPath or local volume
//	fsgroup.go    ownership under the pod's fsGroup
//	mounts.go     ContainerMounts: read-only rules, subPath, subPathExpr
//	refresh.go    Refresh's schedule: SyncFrequency, token renewal, label
//	              and annotation changes
//
// Volumes live in the pod's directory, <pod dir>/volumes/<name>; a
// hostPath or persistent volume is its own path on the node.
package volume
