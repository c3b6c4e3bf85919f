package podenv

import "testing"

func TestExpand(t *testing.T) {
	vars := map[string]string{"A": "a", "B": "b", "EMPTY": "", "DOLLAR": "$(A)"}
	lookup := func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
	tests := []struct {
		name, in, want string
	}{
		{"no operator", "plain text", "plain text"},
		{"empty", "", ""},
		{"defined", "$(A)", "a"},
		{"embedded", "x-$(A)-y", "x-a-y"},
		{"adjacent", "$(A)$(B)", "ab"},
		{"defined empty", "[$(EMPTY)]", "[]"},
		{"undefined kept", "$(NOPE)", "$(NOPE)"},
		{"undefined among defined", "$(A)$(NOPE)$(B)", "a$(NOPE)b"},
		{"value not re-expanded", "$(DOLLAR)", "$(A)"},
		{"escaped reference", "$$(A)", "$(A)"},
		{"escape then reference", "$$$(A)", "$a"},
		{"double escape", "$$$$(A)", "$$(A)"},
		{"lone dollar pair", "$$", "$"},
		{"three dollars", "$$$", "$$"},
		{"lone dollar end", "cost$", "cost$"},
		{"lone dollar only", "$", "$"},
		{"dollar then letter", "$A", "$A"},
		{"shell braces untouched", "${A}", "${A}"},
		{"escaped shell var", "$$A", "$A"},
		{"unterminated", "$(A", "$(A"},
		{"unterminated then escape", "$(A$$B", "$(A$B"},
		{"unterminated at end", "x$(", "x$("},
		{"empty name", "$()", "$()"},
		{"nested ends at first paren", "$(A$(B))", "$(A$(B))"},
		{"opener inside name", "$($(A)", "$($(A)"},
		{"closer before opener", ")$(A)(", ")a("},
		{"multibyte text", "ü$(A)ö", "üaö"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Expand(tt.in, lookup); got != tt.want {
				t.Errorf("Expand(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestExpandNilLookupKeepsReferences(t *testing.T) {
	if got := Expand("$(A)$$", nil); got != "$(A)$" {
		t.Errorf("got %q", got)
	}
}
