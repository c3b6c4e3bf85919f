package expectations

import (
	"testing"
	"time"
)

func TestExpectations(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	e := New()
	if !e.Satisfied("a", t0) {
		t.Fatal("an unknown key is not satisfied")
	}
	e.ExpectCreations("a", 2, t0)
	e.ExpectDeletion("a", "uid-1", t0)
	e.CreationObserved("a")
	if e.Satisfied("a", t0) {
		t.Fatal("satisfied with a creation and a deletion outstanding")
	}
	e.CreationObserved("a")
	e.CreationObserved("a") // more than expected: not negative
	if e.Satisfied("a", t0) {
		t.Fatal("satisfied with a deletion outstanding")
	}
	e.DeletionObserved("a", "uid-1")
	if !e.Satisfied("a", t0) {
		t.Fatal("not satisfied once everything was observed")
	}
	e.ExpectCreations("b", 1, t0)
	if e.Satisfied("b", t0.Add(TTL)) || !e.Satisfied("b", t0.Add(TTL+time.Second)) {
		t.Error("expectations must expire after TTL, not before")
	}
	e.ExpectCreations("a", 1, t0)
	e.Forget("a")
	if !e.Satisfied("a", t0) {
		t.Error("a forgotten key is not satisfied")
	}
}
