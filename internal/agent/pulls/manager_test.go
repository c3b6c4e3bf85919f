package pulls

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	corev1 "k8s.io/api/core/v1"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/ordo-dev/ordo/internal/image"
)

// fakeStore records what was added.
type fakeStore struct {
	mu     sync.Mutex
	images map[string]*image.Image
}

func (s *fakeStore) Lookup(ref string) (*image.Image, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if img := s.images[ref]; img != nil {
		return img, nil
	}
	return nil, image.ErrNotFound
}

func (s *fakeStore) Add(_ context.Context, _ v1.Image, names ...string) (*image.Image, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	img := &image.Image{ID: "sha256:1", Names: names, Size: 42}
	for _, n := range names {
		s.images[n] = img
	}
	return img, nil
}

var errDown = errors.New("dial tcp: connection refused")

type fixture struct {
	m       *Manager
	clock   *clocktesting.FakeClock
	fetches chan string
	release chan error // the next fetch's result
	woken   chan string
}

func newFixture(mode Mode) *fixture {
	f := &fixture{clock: clocktesting.NewFakeClock(time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)),
		fetches: make(chan string, 10), release: make(chan error, 10), woken: make(chan string, 10)}
	f.m = New(context.Background(), Config{
		Store: &fakeStore{images: map[string]*image.Image{}},
		Fetch: func(_ context.Context, ref string, _ authn.Keychain) (v1.Image, error) {
			f.fetches <- ref
			if err := <-f.release; err != nil {
				return nil, err
			}
			return empty.Image, nil
		},
		Unreachable: func(err error) bool { return errors.Is(err, errDown) },
		Wake:        func(w string) { f.woken <- w },
		Clock:       f.clock, Mode: mode,
	})
	return f
}

func reasons(r Result) string {
	var out []string
	for _, e := range r.Events {
		out = append(out, e.Reason)
	}
	return strings.Join(out, ",")
}

func TestConcurrentWaitersShareOnePull(t *testing.T) {
	f := newFixture(ModeAuto)
	a := f.m.Ensure(Request{Image: "r/x:1", Policy: corev1.PullIfNotPresent, Waiter: "ns/a"})
	b := f.m.Ensure(Request{Image: "r/x:1", Policy: corev1.PullIfNotPresent, Waiter: "ns/b"})
	if reasons(a) != "Pulling" || reasons(b) != "Pulling" || a.Image != nil || b.Image != nil {
		t.Fatalf("first asks: %+v / %+v, want both waiting on a pull", a, b)
	}
	<-f.fetches
	f.release <- nil
	woken := map[string]bool{<-f.woken: true, <-f.woken: true}
	if !woken["ns/a"] || !woken["ns/b"] {
		t.Fatalf("woken %v", woken)
	}
	select {
	case ref := <-f.fetches:
		t.Fatalf("a second fetch of %s", ref)
	default:
	}
	for _, w := range []string{"ns/a", "ns/b"} {
		r := f.m.Ensure(Request{Image: "r/x:1", Policy: corev1.PullIfNotPresent, Waiter: w})
		if r.Image == nil || reasons(r) != "Pulled" || !strings.Contains(r.Events[0].Message, "Successfully pulled image") {
			t.Fatalf("%s after the pull: %+v", w, r)
		}
	}
	r := f.m.Ensure(Request{Image: "r/x:1", Policy: corev1.PullIfNotPresent, Waiter: "ns/a"})
	if r.Image == nil || !strings.Contains(r.Events[0].Message, "already present on machine") {
		t.Fatalf("a later start: %+v", r)
	}
}

func TestRefusedPullBacksOffThenRetries(t *testing.T) {
	f := newFixture(ModeAuto)
	req := Request{Image: "r/private:1", Policy: corev1.PullIfNotPresent, Waiter: "ns/a", TableHas: true}
	f.m.Ensure(req)
	<-f.fetches
	f.release <- errors.New("pull access denied")
	<-f.woken
	r := f.m.Ensure(req)
	if r.Reason != "ErrImagePull" || r.Table || !strings.Contains(r.Message, "pull access denied") {
		t.Fatalf("after a refused pull: %+v (a refusal must not fall back to the table)", r)
	}
	if got := r.RetryAt.Sub(f.clock.Now()); got != initialBackOff {
		t.Fatalf("first back-off %v", got)
	}
	r = f.m.Ensure(req)
	if r.Reason != "ImagePullBackOff" || !strings.HasPrefix(r.Message, `Back-off pulling image "r/private:1"`) {
		t.Fatalf("during the back-off: %+v", r)
	}
	f.clock.Step(initialBackOff)
	if r = f.m.Ensure(req); reasons(r) != "Pulling" {
		t.Fatalf("after the back-off: %+v", r)
	}
	<-f.fetches
	f.release <- errors.New("pull access denied")
	<-f.woken
	if r = f.m.Ensure(req); r.RetryAt.Sub(f.clock.Now()) != 2*initialBackOff {
		t.Fatalf("second back-off %v", r.RetryAt.Sub(f.clock.Now()))
	}
}

func TestUnreachableRegistryFallsBackToTheTableOnce(t *testing.T) {
	f := newFixture(ModeAuto)
	req := Request{Image: "redis:7", Policy: corev1.PullIfNotPresent, Waiter: "ns/a", TableHas: true}
	f.m.Ensure(req)
	<-f.fetches
	f.release <- errDown
	<-f.woken
	if r := f.m.Ensure(req); !r.Table || !strings.Contains(r.TableWhy, "could not be reached") {
		t.Fatalf("after an unreachable registry: %+v", r)
	}
	// Another image of the same registry goes to the table at once.
	r := f.m.Ensure(Request{Image: "nginx:1", Policy: corev1.PullIfNotPresent, Waiter: "ns/b", TableHas: true})
	if !r.Table {
		t.Fatalf("a second image of a registry known down: %+v", r)
	}
	// Without a table entry it still pulls (and fails for itself).
	if r = f.m.Ensure(Request{Image: "team/app:1", Policy: corev1.PullIfNotPresent, Waiter: "ns/c"}); reasons(r) != "Pulling" {
		t.Fatalf("an image with no table entry: %+v", r)
	}
	f.clock.Step(downFor)
	<-f.fetches
	f.release <- errDown
	<-f.woken
	if r = f.m.Ensure(Request{Image: "team/app:1", Policy: corev1.PullIfNotPresent, Waiter: "ns/c"}); r.Reason != "ErrImagePull" {
		t.Fatalf("no table entry and unreachable: %+v", r)
	}
}

func TestNeverAndInvalid(t *testing.T) {
	f := newFixture(ModeAuto)
	r := f.m.Ensure(Request{Image: "team/app:1", Policy: corev1.PullNever, Waiter: "ns/a"})
	if r.Reason != "ErrImageNeverPull" || r.Message != `Container image "team/app:1" is not present with pull policy of Never` {
		t.Fatalf("Never: %+v", r)
	}
}

func TestInvalidImageName(t *testing.T) {
	f := newFixture(ModeAuto)
	r := f.m.Ensure(Request{Image: "Team/App:1", Policy: corev1.PullIfNotPresent, Waiter: "ns/a", TableHas: true})
	if r.Reason != "InvalidImageName" || !strings.HasPrefix(r.Message, `Failed to apply default image tag "Team/App:1": `) || reasons(r) != "InspectFailed" {
		t.Fatalf("an invalid name: %+v", r)
	}
}
