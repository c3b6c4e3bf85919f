package serviceaccount

import (
	"time"

	"github.com/golang-jwt/jwt/v5"
	apiserviceaccount "k8s.io/apiserver/pkg/authentication/serviceaccount"
)

// claims are a token's JWT claims: the registered ones plus Kubernetes'
// private "kubernetes.io" claim.
type claims struct {
	jwt.RegisteredClaims
	Kubernetes kubernetesClaim `json:"kubernetes.io"`
}

// kubernetesClaim says whose token it is, as kube-apiserver's private claim.
type kubernetesClaim struct {
	Namespace      string `json:"namespace,omitempty"`
	ServiceAccount ref    `json:"serviceaccount"`
	Pod            *ref   `json:"pod,omitempty"`
	// Node is the bound pod's node, as kube-apiserver adds it
	// (ServiceAccountTokenPodNodeInfo); reviews report it as extra info.
	Node *ref `json:"node,omitempty"`
}

// ref names an object by name and UID, so a recreated object of the same
// name does not inherit the old one's tokens.
type ref struct {
	Name string `json:"name,omitempty"`
	UID  string `json:"uid,omitempty"`
}

// subject is what a token is issued for.
type subject struct {
	namespace       string
	serviceAccount  ref
	pod, node       *ref
	audiences       []string
	expiration      time.Duration
	issuedAt        time.Time
	issuer, tokenID string
}

// newClaims fills the claims of a token for s: valid from issuedAt for
// expiration.
func newClaims(s subject) claims {
	now := jwt.NewNumericDate(s.issuedAt)
	return claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    s.issuer,
			Subject:   apiserviceaccount.MakeUsername(s.namespace, s.serviceAccount.Name),
			Audience:  jwt.ClaimStrings(s.audiences),
			ExpiresAt: jwt.NewNumericDate(s.issuedAt.Add(s.expiration)),
			IssuedAt:  now,
			NotBefore: now,
			ID:        s.tokenID,
		},
		Kubernetes: kubernetesClaim{Namespace: s.namespace, ServiceAccount: s.serviceAccount, Pod: s.pod, Node: s.node},
	}
}
