package server

import (
	"strings"
	"testing"
)

// TestClusterOptionsValidate: bad combinations name the flags involved.
func TestClusterOptionsValidate(t *testing.T) {
	join := ClusterOptions{Join: "https://10.0.0.1:6443", Token: "t", CACert: "ca.crt"}
	for _, tc := range []struct {
		name     string
		c        ClusterOptions
		listen   string
		external []string
		want     string
	}{
		{"single server", ClusterOptions{}, "0.0.0.0:6443", nil, ""},
		{"init", ClusterOptions{Init: true}, "10.0.0.1:6443", nil, ""},
		{"join", join, "10.0.0.2:6443", nil, ""},
		{"both", ClusterOptions{Init: true, Join: join.Join}, "10.0.0.2:6443", nil, "--cluster-init and --join are mutually exclusive"},
		{"external", ClusterOptions{Init: true}, "10.0.0.1:6443", []string{"http://e:2379"}, "--etcd-servers cannot be used"},
		{"no token", ClusterOptions{Join: join.Join}, "10.0.0.2:6443", nil, "--join requires --token and --ca-cert"},
		{"bad url", ClusterOptions{Join: "10.0.0.1:6443", Token: "t", CACert: "c"}, "10.0.0.2:6443", nil, `--join: invalid value "10.0.0.1:6443"`},
		{"wildcard listen", ClusterOptions{Init: true}, "0.0.0.0:6443", nil, "--advertise-address: invalid value"},
		{"wildcard listen, address given", ClusterOptions{Init: true, AdvertiseAddress: "10.0.0.1"}, "0.0.0.0:6443", nil, ""},
	} {
		err := tc.c.validate(tc.listen, tc.external)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: got %v, want %q", tc.name, err, tc.want)
		}
	}
}
