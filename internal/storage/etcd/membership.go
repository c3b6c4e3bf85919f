package etcd

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/klog/v2"
)

// Membership changes follow etcd's runtime-reconfiguration guide: a new
// server is added as a learner (a non-voting member, so adding it does not
// raise the quorum before it has started and caught up), started with the
// cluster's member list and --initial-cluster-state=existing, and promoted
// to a voting member once the leader says its log is in sync.
//
// Several servers joining at once is serialised by etcd itself: the
// cluster admits one learner at a time (max-learners 1), so a second
// joiner is refused with "too many learner members" and retries until the
// first is promoted. Without learners, two members added together to a
// one-member cluster raise the quorum to 2 of 3 before either has started,
// and the cluster stops (k3s#4335).

// Joined is what a joining member starts with.
type Joined struct {
	// ID is the learner's member ID.
	ID uint64
	// InitialCluster is etcd's --initial-cluster: every member's
	// name=peerURL, the new one under its own name.
	InitialCluster string
}

// Retry is how often a refused membership change is tried again.
const Retry = 500 * time.Millisecond

// AddLearner adds name at peerURL as a learner, retrying while the cluster
// already has a learner or is unhealthy, until ctx ends. A learner already
// registered at peerURL that never started (an earlier attempt that
// crashed) is reused rather than added twice.
func AddLearner(ctx context.Context, cl clientv3.Cluster, name, peerURL string) (Joined, error) {
	logger := klog.FromContext(ctx)
	for {
		joined, err := tryAddLearner(ctx, cl, name, peerURL)
		if err == nil {
			logger.Info("Added etcd learner", "member", name, "id", fmt.Sprintf("%x", joined.ID), "peerURL", peerURL)
			return joined, nil
		}
		if !retriable(err) && !attemptTimedOut(ctx, err) {
			return Joined{}, fmt.Errorf("add etcd member %s: %w", name, err)
		}
		logger.Info("Waiting to add etcd learner", "member", name, "reason", rpctypes.ErrorDesc(err))
		if serr := sleep(ctx, Retry); serr != nil {
			return Joined{}, fmt.Errorf("add etcd member %s: %w (last refusal: %v)", name, serr, rpctypes.ErrorDesc(err))
		}
	}
}

// attemptTimeout bounds one membership request, so that one lost in a
// leader change is tried again rather than waited on forever.
const attemptTimeout = 5 * time.Second

func tryAddLearner(ctx context.Context, cl clientv3.Cluster, name, peerURL string) (Joined, error) {
	ctx, cancel := context.WithTimeout(ctx, attemptTimeout)
	defer cancel()
	list, err := cl.MemberList(ctx)
	if err != nil {
		return Joined{}, err
	}
	id, err := reusableMember(list.Members, name, peerURL)
	if err != nil || id != 0 {
		return Joined{ID: id, InitialCluster: initialCluster(list.Members, id, name)}, err
	}
	added, err := cl.MemberAddAsLearner(ctx, []string{peerURL})
	if err != nil {
		return Joined{}, err
	}
	return Joined{ID: added.Member.ID, InitialCluster: initialCluster(added.Members, added.Member.ID, name)}, nil
}

// reusableMember is the ID of a member already at peerURL that is ours to
// start (a learner, or one that never started), 0 if there is none, and an
// error if the name or the address belongs to a running voting member.
func reusableMember(members []*etcdserverpb.Member, name, peerURL string) (uint64, error) {
	for _, m := range members {
		if slices.Contains(m.PeerURLs, peerURL) {
			if m.IsLearner || m.Name == "" {
				return m.ID, nil
			}
			return 0, fmt.Errorf("etcd member %q already has peer URL %s: remove it first (ordo server remove %s)", m.Name, peerURL, m.Name)
		}
		if m.Name == name {
			return 0, fmt.Errorf("an etcd member named %q already exists at %s: remove it first (ordo server remove %s) or choose another --node-name", name, strings.Join(m.PeerURLs, ","), name)
		}
	}
	return 0, nil
}

// initialCluster lists every member as name=peerURL, as etcdctl member add
// prints it, naming the new member self.
func initialCluster(members []*etcdserverpb.Member, self uint64, name string) string {
	var out []string
	for _, m := range members {
		n := m.Name
		if m.ID == self {
			n = name
		}
		for _, u := range m.PeerURLs {
			out = append(out, n+"="+u)
		}
	}
	return strings.Join(out, ",")
}

// Promote makes learner id a voting member once the leader finds it in
// sync, retrying until then or until ctx ends. A member that is no longer
// a learner (promoted by an earlier run) is done.
func Promote(ctx context.Context, cl clientv3.Cluster, id uint64) error {
	for {
		actx, cancel := context.WithTimeout(ctx, attemptTimeout)
		_, err := cl.MemberPromote(actx, id)
		cancel()
		if err == nil {
			klog.FromContext(ctx).Info("Promoted etcd learner to voting member", "id", fmt.Sprintf("%x", id))
			return nil
		}
		if errors.Is(err, rpctypes.ErrMemberNotLearner) {
			return nil
		}
		if !errors.Is(err, rpctypes.ErrMemberLearnerNotReady) && !retriable(err) && !attemptTimedOut(ctx, err) {
			return fmt.Errorf("promote etcd member %x: %w", id, err)
		}
		if err := sleep(ctx, Retry); err != nil {
			return fmt.Errorf("promote etcd member %x: %w", id, err)
		}
	}
}

// ErrMemberNotFound is returned by RemoveMember for an unknown name.
type ErrMemberNotFound struct {
	Name    string
	Members []string
}

func (e ErrMemberNotFound) Error() string {
	return fmt.Sprintf("etcd member %q not found (members: %s)", e.Name, strings.Join(e.Members, ", "))
}

// RemoveMember removes the member called name. etcd refuses (strict
// reconfiguration check, "unhealthy cluster") a removal that would leave
// too few members connected for a quorum; that refusal is retried until
// ctx ends, since it passes once a member just started has been connected
// for etcd's health interval (5 s).
func RemoveMember(ctx context.Context, cl clientv3.Cluster, name string) (uint64, error) {
	for {
		id, err := tryRemove(ctx, cl, name)
		if err == nil || (!retriable(err) && !attemptTimedOut(ctx, err)) {
			return id, err
		}
		klog.FromContext(ctx).V(2).Info("Waiting to remove etcd member", "member", name, "reason", rpctypes.ErrorDesc(err))
		if serr := sleep(ctx, Retry); serr != nil {
			return 0, fmt.Errorf("remove etcd member %s: %w (last refusal: %v)", name, serr, rpctypes.ErrorDesc(err))
		}
	}
}

func tryRemove(ctx context.Context, cl clientv3.Cluster, name string) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, attemptTimeout)
	defer cancel()
	list, err := cl.MemberList(ctx)
	if err != nil {
		return 0, err
	}
	var names []string
	for _, m := range list.Members {
		if m.Name == name {
			_, err := cl.MemberRemove(ctx, m.ID)
			return m.ID, err
		}
		names = append(names, m.Name)
	}
	return 0, ErrMemberNotFound{Name: name, Members: names}
}

// retriable are the refusals that pass: another learner is still catching
// up, the cluster is briefly unhealthy (a member just added or a leader
// election), or a request timed out.
func retriable(err error) bool {
	for _, e := range []error{rpctypes.ErrTooManyLearners, rpctypes.ErrUnhealthy, rpctypes.ErrTimeout,
		rpctypes.ErrTimeoutDueToLeaderFail, rpctypes.ErrTimeoutDueToConnectionLost, rpctypes.ErrNoLeader, rpctypes.ErrLeaderChanged,
		rpctypes.ErrNotCapable} {
		if errors.Is(err, e) {
			return true
		}
	}
	return err != nil && strings.Contains(err.Error(), "Unavailable")
}

// attemptTimedOut: one attempt ran out of its attemptTimeout while the
// caller's ctx is still live.
func attemptTimedOut(ctx context.Context, err error) bool {
	return ctx.Err() == nil && (errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "DeadlineExceeded"))
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
