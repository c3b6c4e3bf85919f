// Package garbagecollector deletes objects whose owners are gone and carries
// out the orphan and foreground deletion policies, as Kubernetes' garbage
// collector does.
//
// The API server only marks owners (deletionTimestamp plus the `orphan` or
// `foregroundDeletion` finalizer); this package does the rest by watching the
// metadata of every deletable resource, keeping an owner/dependent graph, and
// deciding per object with the pure function plan. See README.md for the flow.
package garbagecollector
