package pulls

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"

	"github.com/ordo-dev/ordo/internal/image"
)

// The kubelet's image pull back-off: 10 s, doubling to 5 min.
const (
	initialBackOff = 10 * time.Second
	maxBackOff     = 5 * time.Minute
)

// downFor is how long a registry that could not be reached is not tried
// again for images the table can run instead, so that on a machine with no
// network only the first start pays for the failed attempt.
const downFor = time.Minute

// Store is the node's image store (package image).
type Store interface {
	Lookup(ref string) (*image.Image, error)
	Add(ctx context.Context, img v1.Image, names ...string) (*image.Image, error)
}

// Config is what a Manager needs.
type Config struct {
	Store Store
	// Fetch gets an image from its registry (remote.Puller.Fetch).
	Fetch func(ctx context.Context, ref string, kc authn.Keychain) (v1.Image, error)
	// Unreachable tells a failure to reach the registry (network, DNS,
	// refused connection) from a refusal (auth, not found).
	Unreachable func(error) bool
	// Wake is called with a waiter's key when the pull it waits for ends.
	Wake  func(waiter string)
	Clock clock.PassiveClock
	Mode  Mode
}

// Manager runs a node's pulls.
type Manager struct {
	cfg Config
	ctx context.Context

	mu       sync.Mutex
	pulls    map[string]*pull     // by pull key (ref and credentials)
	backoffs map[string]*backoff  // by waiter and ref, as the kubelet's
	down     map[string]time.Time // registry → until when it counts as down
}

// pull is one pull under way or just ended.
type pull struct {
	ref     string
	started time.Time
	waiters map[string]time.Time // waiter → when it began waiting
	done    bool
	img     *image.Image
	err     error
	took    time.Duration
}

type backoff struct {
	delay time.Duration
	until time.Time
	err   error
}

// New makes a Manager whose pulls run under ctx.
func New(ctx context.Context, cfg Config) *Manager {
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.Mode == "" {
		cfg.Mode = ModeAuto
	}
	return &Manager{cfg: cfg, ctx: ctx, pulls: map[string]*pull{}, backoffs: map[string]*backoff{}, down: map[string]time.Time{}}
}

// Request is one container's image.
type Request struct {
	Image  string // as the container gives it
	Policy corev1.PullPolicy
	// Keychain holds the pod's pull credentials; CredentialsKey names them
	// (pulls with other credentials do not share a result).
	Keychain       authn.Keychain
	CredentialsKey string
	// TableHas: the host's image table has an entry for the image.
	TableHas bool
	// Waiter is who asks (the pod's key): it is woken when a pull ends,
	// and its back-off is its own, as the kubelet keys it by pod and image.
	Waiter string
}

// Result is where the container's root comes from now.
type Result struct {
	// Image is the stored image to run; Table says to run the table's
	// entry instead. With neither, the container waits: Reason is empty
	// while a pull is under way (ContainerCreating), else it is the
	// kubelet's (ErrImagePull, ImagePullBackOff, ErrImageNeverPull,
	// InvalidImageName) with Message, until RetryAt.
	Image   *image.Image
	Table   bool
	Reason  string
	Message string
	RetryAt time.Time
	// TableWhy says why the table's entry runs.
	TableWhy string
	Events   []Event
}

// Event is one to record on the pod.
type Event struct{ Type, Reason, Message string }

// Ensure decides, and starts a pull when one is needed.
func (m *Manager) Ensure(req Request) Result {
	now := m.cfg.Clock.Now()
	ref, err := image.Normalize(req.Image)
	if err != nil {
		msg := fmt.Sprintf("Failed to apply default image tag %q: %v", req.Image, err)
		return Result{Reason: "InvalidImageName", Message: msg, RetryAt: now.Add(maxBackOff),
			Events: []Event{{corev1.EventTypeWarning, "InspectFailed", msg}}}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	key := pullKey(ref, req.CredentialsKey)
	if p := m.pulls[key]; p != nil {
		if r, ok := m.joined(p, key, req, now); ok {
			return r
		}
	}
	stored, _ := m.cfg.Store.Lookup(ref)
	s := situation{mode: m.cfg.Mode, policy: req.Policy, present: stored != nil, tableHas: req.TableHas,
		registryDown: now.Before(m.down[registryOf(ref)])}
	switch decide(s) {
	case fromTable:
		return Result{Table: true, TableWhy: tableWhy(s)}
	case fromStore:
		return Result{Image: stored, Events: []Event{{corev1.EventTypeNormal, "Pulled",
			fmt.Sprintf("Container image %q already present on machine", req.Image)}}}
	case neverPull:
		msg := fmt.Sprintf("Container image %q is not present with pull policy of Never", req.Image)
		return Result{Reason: "ErrImageNeverPull", Message: msg, RetryAt: now.Add(initialBackOff),
			Events: []Event{{corev1.EventTypeWarning, "ErrImageNeverPull", msg}}}
	}
	bk := m.backoffs[backoffKey(req.Waiter, ref)]
	if bk != nil && now.Before(bk.until) {
		msg := fmt.Sprintf("Back-off pulling image %q", req.Image)
		return Result{Reason: "ImagePullBackOff", Message: fmt.Sprintf("%s: ErrImagePull: %v", msg, bk.err), RetryAt: bk.until,
			Events: []Event{{corev1.EventTypeNormal, "BackOff", msg}}}
	}
	m.start(key, ref, req, s, now)
	return Result{Events: []Event{{corev1.EventTypeNormal, "Pulling", fmt.Sprintf("Pulling image %q", req.Image)}}}
}

// joined is the result for a waiter of a pull under way or ended; ok is
// false when the waiter should decide afresh (the pull ended before it
// asked, or its own result was taken already).
func (m *Manager) joined(p *pull, key string, req Request, now time.Time) (Result, bool) {
	since, waiting := p.waiters[req.Waiter]
	if !p.done {
		if !waiting {
			p.waiters[req.Waiter] = now
			return Result{Events: []Event{{corev1.EventTypeNormal, "Pulling", fmt.Sprintf("Pulling image %q", req.Image)}}}, true
		}
		return Result{}, true
	}
	if !waiting {
		return Result{}, false
	}
	delete(p.waiters, req.Waiter)
	if len(p.waiters) == 0 {
		delete(m.pulls, key)
	}
	return m.outcome(p, req, now.Sub(since)), true
}

// outcome is a finished pull's result for one of its waiters.
func (m *Manager) outcome(p *pull, req Request, waited time.Duration) Result {
	now := m.cfg.Clock.Now()
	bkKey := backoffKey(req.Waiter, p.ref)
	if p.err == nil {
		delete(m.backoffs, bkKey)
		return Result{Image: p.img, Events: []Event{{corev1.EventTypeNormal, "Pulled", fmt.Sprintf(
			"Successfully pulled image %q in %v (%v including waiting). Image size: %d bytes.",
			req.Image, p.took.Round(time.Millisecond), waited.Round(time.Millisecond), p.img.Size)}}}
	}
	unreachable := m.cfg.Unreachable != nil && m.cfg.Unreachable(p.err)
	s := situation{mode: m.cfg.Mode, policy: req.Policy, tableHas: req.TableHas}
	if afterFailedPull(s, unreachable) {
		return Result{Table: true, TableWhy: fmt.Sprintf("its registry could not be reached (%v)", p.err)}
	}
	bk := m.backoffs[bkKey]
	if bk == nil {
		bk = &backoff{}
		m.backoffs[bkKey] = bk
	}
	bk.delay = min(max(2*bk.delay, initialBackOff), maxBackOff)
	bk.until, bk.err = now.Add(bk.delay), p.err
	msg := p.err.Error()
	if unreachable && m.cfg.Mode != ModeRegistry {
		msg += "; and nothing on this node stands in for it: the image table has no entry for it and the container gives no command"
	}
	return Result{Reason: "ErrImagePull", Message: msg, RetryAt: bk.until, Events: []Event{
		{corev1.EventTypeWarning, "Failed", fmt.Sprintf("Failed to pull image %q: %v", req.Image, msg)},
		{corev1.EventTypeWarning, "Failed", "Error: ErrImagePull"},
	}}
}

// start begins a pull in the background; its end wakes every waiter.
func (m *Manager) start(key, ref string, req Request, s situation, now time.Time) {
	p := &pull{ref: ref, started: now, waiters: map[string]time.Time{req.Waiter: now}}
	m.pulls[key] = p
	go func() {
		img, err := m.fetch(ref, req.Keychain)
		m.mu.Lock()
		p.done, p.img, p.err, p.took = true, img, err, m.cfg.Clock.Since(p.started)
		if err != nil && m.cfg.Unreachable != nil && m.cfg.Unreachable(err) {
			m.down[registryOf(ref)] = m.cfg.Clock.Now().Add(downFor)
		}
		waiters := make([]string, 0, len(p.waiters))
		for w := range p.waiters {
			waiters = append(waiters, w)
		}
		m.mu.Unlock()
		klog.FromContext(m.ctx).V(2).Info("Image pull ended", "image", ref, "err", err, "took", p.took)
		for _, w := range waiters {
			if m.cfg.Wake != nil {
				m.cfg.Wake(w)
			}
		}
	}()
}

func (m *Manager) fetch(ref string, kc authn.Keychain) (*image.Image, error) {
	if m.cfg.Fetch == nil {
		return nil, errors.New("no registry client")
	}
	img, err := m.cfg.Fetch(m.ctx, ref, kc)
	if err != nil {
		return nil, err
	}
	return m.cfg.Store.Add(m.ctx, img, ref)
}

// Forget drops a waiter's back-offs and waits (its pod is gone).
func (m *Manager) Forget(waiter string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k := range m.backoffs {
		if w, _, _ := cutKey(k); w == waiter {
			delete(m.backoffs, k)
		}
	}
	for key, p := range m.pulls {
		delete(p.waiters, waiter)
		if p.done && len(p.waiters) == 0 {
			delete(m.pulls, key)
		}
	}
}

func tableWhy(s situation) string {
	switch {
	case s.mode == ModeTable:
		return "the node's --image-source is table"
	case s.policy == corev1.PullNever:
		return "it is not in the node's image store and its pull policy is Never"
	}
	return "its registry could not be reached a moment ago"
}

func pullKey(ref, creds string) string     { return ref + "\x00" + creds }
func backoffKey(waiter, ref string) string { return waiter + "\x00" + ref }
func cutKey(k string) (string, string, bool) {
	for i := 0; i < len(k); i++ {
		if k[i] == 0 {
			return k[:i], k[i+1:], true
		}
	}
	return k, "", false
}

// registryOf is the registry host of a normalized reference.
func registryOf(ref string) string {
	r, err := name.ParseReference(ref)
	if err != nil {
		return ref
	}
	return r.Context().RegistryStr()
}
