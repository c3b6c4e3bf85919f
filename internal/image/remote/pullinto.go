package remote

import (
	"context"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Adder is the part of the image store a pull writes to (internal/image's
// *Store, whose Add returns *image.Image). It is generic in the result so
// that this package need not import the store.
type Adder[T any] interface {
	Add(ctx context.Context, img v1.Image, names ...string) (T, error)
}

// PullInto fetches ref and adds it to the store under its normalized name.
// The layers are downloaded while the store unpacks them, so a failure there
// (a layer the registry lost, a connection cut, a layer the store refuses) is
// also a *PullError, of kind Failed: the registry did answer, so it is never
// a reason to fall back to the host's image table.
func PullInto[T any](ctx context.Context, store Adder[T], p *Puller, ref string, kc authn.Keychain) (T, error) {
	var zero T
	img, err := p.Fetch(ctx, ref, kc)
	if err != nil {
		return zero, err
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		return zero, err
	}
	norm := normalized(r)
	added, err := store.Add(ctx, img, norm)
	if err != nil {
		return zero, &PullError{Ref: norm, Kind: Failed, Err: err}
	}
	return added, nil
}
