package podenv

import "strings"

// Expand applies Kubernetes' $(VAR) expansion to s, asking lookup for the
// value of each referenced name.
//
// The rules are the kubelet's, so that manifests written for a real cluster
// produce the same strings here:
//
//   - $(NAME) becomes the value of NAME when lookup knows it, and stays
//     "$(NAME)" verbatim when it does not (an unknown reference is not an error);
//   - $$ becomes a single $, which is how users escape a reference: $$(NAME)
//     yields the literal text $(NAME);
//   - a $ followed by anything else, or at the end of s, is kept as is;
//   - a "$(" with no closing ")" anywhere after it is kept as is.
//
// A reference ends at the first ")", so references do not nest: in
// "$(A$(B))" the name looked up is "A$(B".
func Expand(s string, lookup func(name string) (string, bool)) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		out, used := expandOperator(s[i+1:], lookup)
		b.WriteString(out)
		i += used
	}
	return b.String()
}

// expandOperator handles the text that follows a '$' (rest is never empty).
// It returns what the '$' and the bytes it consumed turn into, and how many
// bytes of rest were consumed.
func expandOperator(rest string, lookup func(string) (string, bool)) (string, int) {
	switch rest[0] {
	case '$':
		return "$", 1
	case '(':
		end := strings.IndexByte(rest, ')')
		if end < 0 {
			// Unterminated: keep "$(" and go on scanning after it, as the
			// kubelet does, so a later "$$" is still collapsed.
			return "$(", 1
		}
		name := rest[1:end]
		if lookup != nil {
			if v, ok := lookup(name); ok {
				return v, end + 1
			}
		}
		return "$(" + name + ")", end + 1
	default:
		return "$", 0
	}
}
