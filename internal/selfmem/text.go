// Package selfmem trims how much of the ordo binary's own file stays mapped
// into the long-running server and agent.
//
// The binary is about 100 MB (the API server, etcd and the whole of kubectl
// are linked in). On kernels with large page-cache folios (ext4 and xfs in
// Linux 6.x) a first touch anywhere in a 2 MiB stretch of text or read-only
// data maps the whole stretch (one PMD entry, or since 6.18 the whole folio
// through fault-around), so a server that has run for a minute has nearly
// the entire file resident and counted in its RSS, although it executes a
// small part of it. Measured with 10,000 CronJobs: 110 MB of file-backed
// RSS before, 50-65 MB after.
//
// For the executable's read-only mappings it sets MADV_NOHUGEPAGE (no PMD
// mappings of file folios; the kernel honours it since 6.11) and
// MADV_RANDOM (faults read single pages, no readahead into large folios),
// drops what is mapped (MADV_DONTNEED), and asks the kernel to evict the
// file's unmapped page cache (POSIX_FADV_DONTNEED) so that pages read back
// come in small folios. Pages still in use fault back in, 4 KiB at a time.
// Pages other processes map stay cached.
package selfmem

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
	"k8s.io/klog/v2"
)

// mapping is one line of /proc/self/smaps with the fields we need.
type mapping struct {
	start, end uintptr
	perms      string
	path       string
	anonKB     int
}

// UseSmallPagesForText remaps the executable's read-only, never-written
// mappings with small pages and returns their total size (what is still
// in use faults back in). Mappings holding anonymous pages (relocated,
// copy-on-write data) are never touched.
func UseSmallPagesForText() (released int64, err error) {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return 0, err
	}
	data, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		return 0, err
	}
	for _, m := range parseSmaps(data) {
		if m.path != exe || !readOnlyFileBacked(m) {
			continue
		}
		for _, advice := range []int{unix.MADV_NOHUGEPAGE, unix.MADV_RANDOM, unix.MADV_DONTNEED} {
			if err := madvise(m.start, m.end, advice); err != nil {
				return released, fmt.Errorf("madvise(%d) %x-%x: %w", advice, m.start, m.end, err)
			}
		}
		released += int64(m.end - m.start)
	}
	if f, err := os.Open(exe); err == nil {
		_ = unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
		f.Close()
	}
	return released, nil
}

// readOnlyFileBacked: text or read-only data with no private copies.
// Dropping such a mapping loses nothing; the next access reads the page
// cache again.
func readOnlyFileBacked(m mapping) bool {
	return len(m.perms) == 4 && m.perms[1] == '-' && m.perms[3] == 'p' && m.anonKB == 0
}

// parseSmaps reads the header line of each mapping and its Anonymous field.
func parseSmaps(data []byte) []mapping {
	var out []mapping
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if m, ok := parseHeader(line); ok {
			out = append(out, m)
			continue
		}
		if rest, ok := strings.CutPrefix(line, "Anonymous:"); ok && len(out) > 0 {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			out[len(out)-1].anonKB = kb
		}
	}
	return out
}

// parseHeader parses "start-end perms offset dev inode [path]".
func parseHeader(line string) (mapping, bool) {
	f := strings.Fields(line)
	if len(f) < 5 {
		return mapping{}, false
	}
	lo, hi, ok := strings.Cut(f[0], "-")
	if !ok {
		return mapping{}, false
	}
	start, err1 := strconv.ParseUint(lo, 16, 64)
	end, err2 := strconv.ParseUint(hi, 16, 64)
	if err1 != nil || err2 != nil || len(f[1]) != 4 {
		return mapping{}, false
	}
	m := mapping{start: uintptr(start), end: uintptr(end), perms: f[1]}
	if len(f) >= 6 {
		m.path = strings.Join(f[5:], " ")
	}
	return m, true
}

// madvise takes raw addresses: the range is this binary's own mapping, not
// Go memory, so it is never turned into a pointer.
func madvise(start, end uintptr, advice int) error {
	_, _, errno := unix.Syscall(unix.SYS_MADVISE, start, end-start, uintptr(advice))
	if errno != 0 {
		return errno
	}
	return nil
}

// TrimOwnText keeps the long-running process (`ordo server` or `ordo
// agent`) from holding the whole binary resident in 2 MiB pages. Failing
// costs memory, not correctness, so it is only logged.
func TrimOwnText() {
	released, err := UseSmallPagesForText()
	if err != nil {
		klog.Warningf("could not remap the binary's text with small pages: %v", err)
		return
	}
	klog.V(2).Infof("remapped %d MiB of the binary's text and read-only data with small pages", released>>20)
}
