package remote

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
)

// Group runs one call per key at a time: concurrent pulls of the same image
// with the same credentials (see Key) wait for the first one's result instead
// of fetching and unpacking it again. The agent wraps fetch plus store.Add in
// Do. The zero Group is ready to use.
type Group[T any] struct {
	mu    sync.Mutex
	calls map[string]*call[T]
}

type call[T any] struct {
	done    chan struct{}
	val     T
	err     error
	waiters int // callers waiting for this call, under Group.mu
}

// Do runs fn unless a call with the same key is running, in which case it
// waits for that call's result (or for ctx to end). fn runs under the first
// caller's context, so if that caller gives up, the others get its error and
// may retry. shared says whether the result came from another caller's call.
func (g *Group[T]) Do(ctx context.Context, key string, fn func() (T, error)) (val T, shared bool, err error) {
	g.mu.Lock()
	if c, ok := g.calls[key]; ok {
		c.waiters++
		g.mu.Unlock()
		select {
		case <-c.done:
			return c.val, true, c.err
		case <-ctx.Done():
			var zero T
			return zero, true, ctx.Err()
		}
	}
	c := &call[T]{done: make(chan struct{})}
	if g.calls == nil {
		g.calls = map[string]*call[T]{}
	}
	g.calls[key] = c
	g.mu.Unlock()

	defer func() {
		g.mu.Lock()
		delete(g.calls, key)
		g.mu.Unlock()
		close(c.done)
	}()
	c.val, c.err = fn()
	return c.val, false, c.err
}

// waiting returns how many callers wait for the running call of key.
func (g *Group[T]) waiting(key string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if c, ok := g.calls[key]; ok {
		return c.waiters
	}
	return 0
}

// Key is the de-duplication key of a pull: the normalized reference and a
// digest of the credentials kc would present for its registry, so that a pull
// with one pod's secret never stands in for another pod's without it.
func Key(ref string, kc authn.Keychain) string {
	r, err := name.ParseReference(ref)
	if err != nil {
		return ref
	}
	h := sha256.New()
	if kc != nil {
		var auths []authn.Authenticator
		if mk, ok := kc.(MultiKeychain); ok {
			auths, _ = mk.ResolveAll(r.Context())
		} else if a, err := kc.Resolve(r.Context()); err == nil {
			auths = []authn.Authenticator{a}
		}
		for _, a := range auths {
			if cfg, err := a.Authorization(); err == nil {
				b, _ := json.Marshal(cfg)
				h.Write(b)
			}
		}
	}
	return normalized(r) + " " + hex.EncodeToString(h.Sum(nil))[:16]
}
