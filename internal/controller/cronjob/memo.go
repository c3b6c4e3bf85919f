package cronjob

import (
	"sync"

	"k8s.io/apimachinery/pkg/types"
)

// memos holds each CronJob's memo by queue key; a memo from a CronJob of
// the same name but another UID is not reused.
type memos struct {
	mu sync.Mutex
	m  map[string]uidMemo
}

type uidMemo struct {
	uid types.UID
	memo
}

func newMemos() *memos { return &memos{m: map[string]uidMemo{}} }

func (s *memos) get(key string, uid types.UID) memo {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.m[key]; ok && m.uid == uid {
		return m.memo
	}
	return memo{}
}

func (s *memos) set(key string, uid types.UID, m memo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = uidMemo{uid: uid, memo: m}
}

func (s *memos) forget(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
}
