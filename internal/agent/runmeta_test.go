package agent

import (
	"reflect"
	"testing"

	"github.com/ordo-dev/ordo/internal/runtime"
)

// A run's credentials survive in its record, so that an agent that adopts
// the run execs in it as the container's user, not as root; a record
// without them (an older agent's) decodes with none.
func TestRunMetaKeepsCredentials(t *testing.T) {
	uid, gid, caps := int64(1000), int64(3000), uint64(1<<0|1<<6)
	creds := runtime.Credentials{UID: &uid, GID: &gid, Groups: []int64{4000}, NoNewPrivileges: true, Capabilities: &caps}
	m, err := decodeRunMeta(runMeta{Container: "c", Env: []string{"A=1"}, Creds: &creds}.encode())
	if err != nil {
		t.Fatal(err)
	}
	if m.Creds == nil || !reflect.DeepEqual(*m.Creds, creds) {
		t.Errorf("decoded credentials %+v, want %+v", m.Creds, creds)
	}
	old, err := decodeRunMeta([]byte(`{"v":1,"container":"c","run":0}`))
	if err != nil || old.Creds != nil {
		t.Errorf("an older record decodes as %+v, %v; want no credentials", old.Creds, err)
	}
}
