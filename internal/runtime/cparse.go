package runtime

/*
#include <stdlib.h>
#include "ordo.h"
*/
import "C"

import (
	"errors"
	"syscall"
	"unsafe"
)

// parsedArgs is what the C parser of internal-exec and internal-enter
// (spec.c) made of a command line: the Go side of the tests that check
// Go's flags (runtime.go, enter.go) against C's parser, without root.
type parsedArgs struct {
	Sandbox, Workdir, UID, GID string
	EnterPID                   string
	Groups                     []int64
	Caps                       *uint64
	NoNewPrivs, ReadOnlyRoot   bool
	Hold, HostIPC              bool
	StdinFD, ConsoleFD         int
	Cgroups, Hide, Layers      []string
	Copies, Mounts             []Mount
	Argv                       []string
}

// parseArgsInC parses args (argv[1:] of ordo: the command, its flags, "--"
// and the command) with spec.c's ordo_parse_args.
func parseArgsInC(args []string) (parsedArgs, error) {
	argv := make([]*C.char, len(args)+2)
	argv[0] = C.CString("ordo")
	for i, a := range args {
		argv[i+1] = C.CString(a)
	}
	defer func() {
		for _, p := range argv {
			C.free(unsafe.Pointer(p))
		}
	}()
	cargv := (**C.char)(C.malloc(C.size_t(len(argv)) * C.size_t(unsafe.Sizeof(argv[0]))))
	defer C.free(unsafe.Pointer(cargv))
	list := unsafe.Slice(cargv, len(argv))
	copy(list, argv)
	var s C.struct_ordo_spec
	var errBuf [512]C.char
	if C.ordo_parse_args(C.int(len(args)+1), cargv, &s, &errBuf[0], C.size_t(len(errBuf))) != 0 {
		return parsedArgs{}, errors.New(C.GoString(&errBuf[0]))
	}
	defer freeSpec(&s)
	str := func(p *C.char) string {
		if p == nil {
			return ""
		}
		return C.GoString(p)
	}
	strs := func(p **C.char, n C.int) []string {
		var out []string
		for _, q := range unsafe.Slice(p, int(n)) {
			out = append(out, C.GoString(q))
		}
		return out
	}
	p := parsedArgs{
		Sandbox: str(s.sandbox), EnterPID: str(s.enter_pid), Workdir: str(s.workdir), UID: str(s.uid), GID: str(s.gid),
		NoNewPrivs: s.no_new_privs != 0, ReadOnlyRoot: s.read_only_root != 0, Hold: s.hold != 0, HostIPC: s.host_ipc != 0,
		StdinFD: int(s.stdin_fd), ConsoleFD: int(s.console_fd),
		Cgroups: strs(s.cgroups, s.ncgroups), Hide: strs(s.hide, s.nhide), Layers: strs(s.layers, s.nlayers),
	}
	if s.ngroups > 0 {
		for _, g := range unsafe.Slice(s.groups, int(s.ngroups)) {
			p.Groups = append(p.Groups, int64(g))
		}
	}
	if s.limit_caps != 0 {
		caps := uint64(s.caps)
		p.Caps = &caps
	}
	csrc, cdst := strs(s.csrc, s.ncopies), strs(s.cdst, s.ncopies)
	for i := range csrc {
		p.Copies = append(p.Copies, Mount{Source: csrc[i], Target: cdst[i]})
	}
	msrc, mdst := strs(s.msrc, s.nmounts), strs(s.mdst, s.nmounts)
	if s.nmounts > 0 {
		for i, ro := range unsafe.Slice(s.mro, int(s.nmounts)) {
			p.Mounts = append(p.Mounts, Mount{Source: msrc[i], Target: mdst[i], ReadOnly: ro != 0})
		}
	}
	for q := s.argv; q != nil && *q != nil; q = (**C.char)(unsafe.Add(unsafe.Pointer(q), unsafe.Sizeof(*q))) {
		p.Argv = append(p.Argv, C.GoString(*q))
	}
	return p, nil
}

// freeSpec frees the lists ordo_parse_args allocated (the constructors
// never free them: they exec).
func freeSpec(s *C.struct_ordo_spec) {
	for _, p := range []unsafe.Pointer{unsafe.Pointer(s.cgroups), unsafe.Pointer(s.hide), unsafe.Pointer(s.msrc),
		unsafe.Pointer(s.mdst), unsafe.Pointer(s.mro), unsafe.Pointer(s.csrc), unsafe.Pointer(s.cdst), unsafe.Pointer(s.groups), unsafe.Pointer(s.layers)} {
		C.free(p)
	}
}

// parsedSpawn is what the shim's C parser (shim.c) made of a "spawn"
// message.
type parsedSpawn struct {
	Tag, Path, Meta, Log string
	Flags, PIDNS         int64
	NChild               int
	Argv, Env            []string
}

// parseSpawnInC parses msg, a "spawn" message that came with nfds
// descriptors, with shim.c's ordo_shim_parse_spawn.
func parseSpawnInC(msg []byte, nfds int) (parsedSpawn, error) {
	buf := C.CBytes(append(append([]byte(nil), msg...), 0))
	defer C.free(buf)
	var fields []*C.char
	for off := 0; off < len(msg); {
		p := (*C.char)(unsafe.Add(buf, off))
		fields = append(fields, p)
		off += len(C.GoString(p)) + 1
	}
	cf := (**C.char)(C.malloc(C.size_t(len(fields)+1) * C.size_t(unsafe.Sizeof(fields[0]))))
	defer C.free(unsafe.Pointer(cf))
	copy(unsafe.Slice(cf, len(fields)), fields)
	var sp C.struct_ordo_spawn
	if e := C.ordo_shim_parse_spawn(cf, C.int(len(fields)), C.int(nfds), &sp); e != 0 {
		return parsedSpawn{}, syscall.Errno(e)
	}
	defer C.free(unsafe.Pointer(sp.argv))
	defer C.free(unsafe.Pointer(sp.envp))
	list := func(p **C.char) []string {
		var out []string
		for ; *p != nil; p = (**C.char)(unsafe.Add(unsafe.Pointer(p), unsafe.Sizeof(*p))) {
			out = append(out, C.GoString(*p))
		}
		return out
	}
	return parsedSpawn{Tag: C.GoString(sp.tag), Path: C.GoString(sp.path), Meta: C.GoString(sp.meta), Log: C.GoString(sp.log),
		Flags: int64(sp.flags), PIDNS: int64(sp.pidns), NChild: int(sp.nchild), Argv: list(sp.argv), Env: list(sp.envp)}, nil
}
