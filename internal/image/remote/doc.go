// Package remote fetches container images from registries for ordo's image
// store: Docker's reference normalization, k3s' registries.yaml (mirrors,
// rewrites, per-host auth and TLS), the node's platform from multi-platform
// indexes, image pull secrets matched as the kubelet does, and errors that
// tell an unreachable registry (the agent may fall back to its host image
// table) from one that refused the pull. See README.md.
package remote
