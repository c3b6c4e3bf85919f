// Package rbac enforces Kubernetes' RBAC: the Roles, ClusterRoles and
// their bindings that users create through the API decide what a request
// may do, with Kubernetes' matching rules.
//
//	request (user, verb, group, resource/subresource, namespace, name, path)
//	  ClusterRoleBindings whose subjects name the user, a group of theirs,
//	  or (as system:serviceaccount:NS:NAME) their ServiceAccount
//	    → the bound ClusterRole's rules
//	  RoleBindings in the request's namespace, likewise
//	    → the bound Role's or ClusterRole's rules
//	  any rule that allows it → Allow; else no opinion (403)
//
// RBAC only ever allows: there are no deny rules. A ClusterRole with an
// aggregationRule has the rules of every ClusterRole its selectors match
// (Kubernetes' clusterrole-aggregation controller copies them into
// .rules; here they are composed when read, recursively, so "admin" gets
// "edit" and "edit" gets "view").
//
// Bootstrap holds the default roles and bindings a new cluster starts with
// (cluster-admin for system:masters, discovery for every authenticated
// user, and admin/edit/view to bind to users and service accounts).
//
// Guard is Kubernetes' escalation rule for RBAC writes: a user may write a
// Role or ClusterRole only with rules they hold (or the escalate verb), and
// bind only a role whose rules they hold (or the bind verb on it); the
// registry asks it on every create and update that changes what an RBAC
// object grants.
package rbac
