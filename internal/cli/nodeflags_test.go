package cli

import (
	"testing"

	"github.com/spf13/pflag"

	"github.com/ordo-dev/ordo/internal/node"
)

// ordo server and ordo agent offer every node flag with the same default
// and help: one node, one set of flags.
func TestServerAndAgentOfferTheSameNodeFlags(t *testing.T) {
	o := node.DefaultOptions()
	nodeFlags := pflag.NewFlagSet("node", pflag.ContinueOnError)
	addNodeFlags(nodeFlags, &o)
	server, agent := newServerCommand().Flags(), newAgentCommand().Flags()
	nodeFlags.VisitAll(func(want *pflag.Flag) {
		for cmd, fs := range map[string]*pflag.FlagSet{"server": server, "agent": agent} {
			got := fs.Lookup(want.Name)
			if got == nil {
				t.Errorf("ordo %s has no --%s", cmd, want.Name)
				continue
			}
			if got.DefValue != want.DefValue || got.Usage != want.Usage {
				t.Errorf("ordo %s --%s: default %q, help %q; want %q, %q", cmd, want.Name, got.DefValue, got.Usage, want.DefValue, want.Usage)
			}
		}
	})
}
