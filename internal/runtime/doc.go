// Package runtime starts a pod's processes in their own Linux namespaces:
// a shim per pod (the parent of the pod's processes, which outlives the
// agent), a sandbox holding the pod's namespaces, and a process per
// container run. The shim is the ordo binary exec'd, its C constructor
// doing the work before the Go runtime starts; the sandbox and container
// runs are its cloned children, which run their C start in place with no
// exec of ordo (the container execs only its command). README.md in this
// directory has the glossary and the flow; ordo_proto.h is the one
// description of their command lines and messages.
//
// Limits are set on a cgroup per container run (cgroup.go). Holds, and
// sandboxes exec'd by a shim of another build, give back their clean
// read-only pages once set up (ordo_drop_clean_pages), since they only
// wait; a sandbox forked by its shim maps almost none of its own.
package runtime
