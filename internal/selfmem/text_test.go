package selfmem

import (
	"os"
	"strings"
	"testing"
)

const sampleSmaps = `00400000-00402000 r--p 00000000 fe:00 9978482                            /opt/ordo/bin/ordo
Size:                  8 kB
Rss:                   8 kB
Anonymous:             0 kB
00402000-030c5000 r-xp 00002000 fe:00 9978482                            /opt/ordo/bin/ordo
Rss:               45836 kB
Anonymous:             0 kB
0690d000-0690e000 r--p 0650c000 fe:00 9978482                            /opt/ordo/bin/ordo
Anonymous:             4 kB
0690e000-06a4a000 rw-p 0650d000 fe:00 9978482                            /opt/ordo/bin/ordo
Anonymous:           296 kB
7f0000000000-7f0000001000 rw-p 00000000 00:00 0 
Anonymous:             4 kB
7f0000002000-7f0000003000 r-xp 00000000 fe:00 12 /usr/lib/my lib.so
Anonymous:             0 kB
`

// Only read-only mappings without private pages may be dropped: the
// relocated read-only page (RELRO, 4 kB anonymous) and the data segment
// must be left alone.
func TestOnlyCleanReadOnlyMappingsQualify(t *testing.T) {
	maps := parseSmaps([]byte(sampleSmaps))
	if len(maps) != 6 {
		t.Fatalf("parsed %d mappings, want 6: %+v", len(maps), maps)
	}
	var got []string
	for _, m := range maps {
		if m.path == "/opt/ordo/bin/ordo" && readOnlyFileBacked(m) {
			got = append(got, m.perms)
		}
	}
	if strings.Join(got, ",") != "r--p,r-xp" {
		t.Errorf("qualifying mappings %v, want the header and the text", got)
	}
	if maps[5].path != "/usr/lib/my lib.so" || maps[2].anonKB != 4 || maps[1].end != 0x030c5000 {
		t.Errorf("fields misparsed: %+v", maps)
	}
}

var initialised = map[string]int{"a": 1}

// The test binary drops its own text and read-only data and keeps working:
// code, type data and initialised variables fault back in.
func TestDroppingOwnTextKeepsTheProcessWorking(t *testing.T) {
	released, err := UseSmallPagesForText()
	if err != nil {
		t.Fatal(err)
	}
	if released == 0 {
		t.Fatal("no mapping of the executable was remapped")
	}
	if initialised["a"] != 1 || strings.Repeat("x", 3) != "xxx" {
		t.Fatal("process state changed")
	}
	if _, err := os.ReadFile("/proc/self/status"); err != nil {
		t.Fatal(err)
	}
}
