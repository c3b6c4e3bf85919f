package runtime

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

// These tests need no root: they check that the flags and messages the Go
// side writes are what the C side reads (ordo_proto.h), by running the C
// parsers themselves (cparse.go).

// TestExecArgsParsedByC: every field of a container's command line comes
// out of internal-exec's C parser as Go meant it.
func TestExecArgsParsedByC(t *testing.T) {
	uid, gid, caps := int64(1000), int64(2000), uint64(0x30)
	r := &Runtime{Hide: []string{"/var/lib/ordo", "/home"}}
	c := ContainerConfig{
		UID: &uid, GID: &gid, Groups: []int64{3, 4000}, NoNewPrivileges: true, Capabilities: &caps, ReadOnlyRoot: true,
		Hold: os.Stdin, Cgroups: []string{"/sys/fs/cgroup/a", "/sys/fs/cgroup/b"},
		Copies: []Mount{{Source: "/host/passwd", Target: "/etc/passwd"}},
		Mounts: []Mount{{Source: "/vol a", Target: "/data", ReadOnly: true}, {Source: "/v2", Target: "/w"}},
		Argv:   []string{"sh", "-c", "echo --uid 5 -- x"},
	}
	args := r.execArgs(c, 4242, true, "/srv")
	args = append(append(args, flagStdinFD, "5", flagConsoleFD, "6", flagEnd), c.Argv...)
	got, err := parseArgsInC(args)
	if err != nil {
		t.Fatal(err)
	}
	want := parsedArgs{
		Sandbox: "4242", Workdir: "/srv", UID: "1000", GID: "2000", Groups: []int64{3, 4000}, Caps: &caps,
		NoNewPrivs: true, ReadOnlyRoot: true, Hold: true, HostIPC: true, StdinFD: 5, ConsoleFD: 6,
		Cgroups: c.Cgroups, Hide: r.Hide, Copies: c.Copies, Mounts: c.Mounts, Argv: c.Argv,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("C parsed\n%+v\nwant\n%+v", got, want)
	}
}

// TestCredentialArgsParsedByC: Credentials.args, as internal-enter reads
// them; no credentials leave everything unset.
func TestCredentialArgsParsedByC(t *testing.T) {
	uid, none := int64(0), uint64(0)
	got, err := parseArgsInC(append(append([]string{cmdEnter, flagPID, "42"}, Credentials{UID: &uid, Capabilities: &none}.args()...), flagEnd, "id"))
	if err != nil {
		t.Fatal(err)
	}
	if got.EnterPID != "42" || got.UID != "0" || got.GID != "" || got.Groups != nil || got.Caps == nil || *got.Caps != 0 || got.NoNewPrivs || !reflect.DeepEqual(got.Argv, []string{"id"}) {
		t.Errorf("C parsed %+v", got)
	}
	got, err = parseArgsInC(append(append([]string{cmdEnter}, Credentials{}.args()...), flagEnd, "id"))
	if err != nil {
		t.Fatal(err)
	}
	if got.UID != "" || got.Caps != nil {
		t.Errorf("no credentials parsed as %+v", got)
	}
}

// TestCParserRejectsBadCommandLines: the errors a container's start
// reports for a command line the agent should never write.
func TestCParserRejectsBadCommandLines(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{cmdExec, "--bogus", "x", flagEnd, "sh"}, "internal-exec: unknown flag --bogus"},
		{[]string{cmdExec, flagWorkdir, "/"}, "internal-exec: no command given"},
		{[]string{cmdExec, flagWorkdir, "/", flagEnd}, "internal-exec: no command given"},
		{[]string{cmdExec, flagMount, "/a", "/b", flagEnd}, "internal-exec: --mount needs a source, a target and ro or rw"},
		{[]string{cmdEnter, flagCopy, "/a"}, "internal-enter: --copy needs a source and a target"},
	} {
		_, err := parseArgsInC(tc.args)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q: error %v, want %q", tc.args, err, tc.want)
		}
	}
}

// TestSpawnMessageParsedByC: the agent's "spawn" message, as the shim
// reads it: empty and odd fields survive, and the LOG field says which
// kind of log.
func TestSpawnMessageParsedByC(t *testing.T) {
	q := spawnRequest{tag: "run-1", cloneFlags: 0x20020000, pidNSOf: 77,
		argv: []string{"/ordo", cmdExec, "", "a b"}, env: []string{"A=1", "EMPTY="},
		child: []*os.File{os.Stdin, os.Stdout, os.Stderr}, meta: []byte(`{"c":"x y"}`),
		log: []*os.File{os.Stdin, os.Stdin, os.Stdin}, tty: true, keep: []*os.File{os.Stdin}}
	fields, fds := spawnMessage("/proc/1/exe", q)
	got, err := parseSpawnInC(encodeMessage(fields), len(fds))
	if err != nil {
		t.Fatal(err)
	}
	want := parsedSpawn{Tag: "run-1", Path: "/proc/1/exe", Meta: `{"c":"x y"}`, Log: shimLogTTY, Flags: 0x20020000, PIDNS: 77, NChild: 3,
		Argv: q.argv, Env: q.env}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("C parsed\n%+v\nwant\n%+v", got, want)
	}
	q.log, q.tty = nil, false
	fields, fds = spawnMessage("/ordo", q)
	if got, err = parseSpawnInC(encodeMessage(fields), len(fds)); err != nil || got.Log != "0" {
		t.Errorf("a spawn without a log parsed as %+v, %v; want LOG 0", got, err)
	}
	if _, err := parseSpawnInC(encodeMessage(fields), 2); err == nil {
		t.Error("a spawn with fewer descriptors than NCHILD was accepted")
	}
	if _, err := parseSpawnInC(encodeMessage(fields[:6]), 3); err == nil {
		t.Error("a truncated spawn was accepted")
	}
}

// TestShimMessagesRoundTrip: fields, empty ones and ones with spaces
// included, come back as they were sent.
func TestShimMessagesRoundTrip(t *testing.T) {
	for _, fields := range [][]string{
		{shimList},
		{shimForget, "run-1"},
		{shimChild, "tag", "12", "0", "256", "1700000000000000000", `{"a": "b c"}`, "1"},
		{shimChild, "tag", "12", "1", "0", "0", "", "0"},
		{shimEnd, "3", ""},
	} {
		msg := encodeMessage(fields)
		if n := strings.Count(string(msg), "\x00"); n != len(fields) {
			t.Errorf("%q encoded with %d NULs", fields, n)
		}
		if got := decodeMessage(msg); !reflect.DeepEqual(got, fields) {
			t.Errorf("%q came back as %q", fields, got)
		}
	}
}

// TestImageRootArgsParsedByC: an image root's layers reach the C side in
// order, base first, and the host's hidden paths do not (nothing of the
// host's is in an image root).
func TestImageRootArgsParsedByC(t *testing.T) {
	r := &Runtime{Hide: []string{"/var/lib/ordo"}}
	layers := []string{"/images/layers/base", "/images/layers/mid", "/images/layers/top"}
	args := append(r.execArgs(ContainerConfig{Layers: layers}, 1, false, "/"), flagEnd, "sh")
	got, err := parseArgsInC(args)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Layers, layers) || got.Hide != nil {
		t.Errorf("C parsed layers %q and hidden paths %q, want %q and none", got.Layers, got.Hide, layers)
	}
}
