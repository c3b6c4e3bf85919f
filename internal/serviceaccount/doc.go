// Package serviceaccount issues and checks service-account tokens: the JWTs
// of the TokenRequest API (POST .../serviceaccounts/NAME/token) that pods get
// through projected serviceAccountToken volumes.
//
//	agent ──TokenRequest{audiences, expirationSeconds, boundObjectRef: pod}──▶ Tokens.Request
//	        validate, default, check the pod runs as that ServiceAccount,
//	        sign ES256 with <data-dir>/pki/sa.key ──▶ TokenRequest.status.token
//	pod ──Authorization: Bearer JWT──▶ Tokens.AuthenticateToken
//	        signature, issuer, exp/nbf, audience ∩ the API server's audiences,
//	        ServiceAccount (and bound pod) still there with the claimed UIDs
//	        ──▶ user system:serviceaccount:NS:NAME,
//	            groups system:serviceaccounts, system:serviceaccounts:NS, system:authenticated
//
// The claims are Kubernetes': iss, sub, aud, exp, iat, nbf, jti and the
// private "kubernetes.io" claim naming the namespace, the ServiceAccount and
// the pod, so tokens from ordo read like tokens from any cluster.
//
// Glossary: audience — who a token is for (a token for "vault" is no good
// for the API server); bound object — the pod a token dies with; issuer —
// the URL naming who signed the token.
package serviceaccount
