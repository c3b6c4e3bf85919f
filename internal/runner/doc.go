// Package runner holds the decisions of warm runners (seed 001): a CronJob
// annotated ordo.dev/runner: warm runs its slots inside one long-lived
// runner pod instead of a Job and a pod per slot, and hands a token from
// runner to runner so that no slot runs twice or is lost at a hand-off.
//
// This package is the pure core (slot claims, hand-off, rotation,
// concurrency policy), table-tested with a fake clock; the CronJob
// controller (controller/cronjob/warm*.go) keeps the runner pods and the
// hand-offs, and the agent (agent/warm) claims and runs the slots.
//
// # Design
//
// The token is a coordination.k8s.io/v1 Lease <cronjob>-runner in the
// CronJob's namespace. Its holderIdentity is the runner pod that may run
// slots; its annotations carry the claim state:
//
//	ordo.dev/last-slot  the newest slot claimed (RFC 3339), the high-water mark
//	ordo.dev/hand-to    the successor waiting for the token
//	ordo.dev/hand-at    the first slot the successor runs
//	ordo.dev/unstarted  slots claimed, then given back unstarted (GaveUp)
//
// Every change is an update with the Lease's resourceVersion, so two
// writers never both succeed. A slot runs only after the write that moves
// last-slot to it succeeded: a slot is claimed at most once, whatever
// crashes. A runner whose runs are killed (its pod force-deleted, its
// container gone) between a claim and the run knows the slot never
// started and now never will there: it gives the slot back on the Lease
// as it releases it, and the next claim runs it (if the starting deadline
// and catch-up policy still allow) or reports it missed, once. Only a
// crash of the whole agent between the claim and the run still loses
// that one run silently (at most once, never twice).
//
// # State machine of a runner pod
//
//	Starting ──sandbox and volumes up──▶ Waiting (Ready, not holder)
//	Waiting ──token free or expired, or handed to me──▶ Holding
//	Holding ──slot due: claim (CAS last-slot) ok──▶ run the command in the
//	          pod's namespaces, mounts, env, user and cgroup; back to Holding
//	Holding ──hand-to set and the next slot ≥ hand-at──▶ Handing: CAS the
//	          holder to the successor; finish the running slot; exit
//	any ──lifetime over and no successor yet──▶ keeps holding (a slot is
//	          never left without a runner for want of a successor)
//
// The controller's side: it keeps one runner pod per warm CronJob, starts
// the successor at rotationStart (before the lifetime ends, spread by a
// jitter so that many CronJobs do not rotate together), and once the
// successor is Ready writes hand-to and hand-at (handoffSlot): the first
// slot far enough ahead that the old holder sees it before it is due.
package runner
