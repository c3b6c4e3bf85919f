// Package e2e drives the built ordo binary with the embedded, upstream
// kubectl, the way a user does.
package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// seedBlock is one YAML manifest found in a seed document, unchanged but for
// the indentation of the text around it.
type seedBlock struct {
	File  string
	Index int
	YAML  string
}

var (
	fenceOpen  = regexp.MustCompile("^(```|~~~)\\s*ya?ml\\s*$")
	fenceClose = regexp.MustCompile("^(```|~~~)")
	bareStart  = regexp.MustCompile(`^( *)apiVersion:`)
	yamlish    = regexp.MustCompile(`^[A-Za-z#\-]`)
)

// seedsDir is ../shared/seeds next to the repository, or $ORDO_SEEDS.
func seedsDir() string {
	if d := os.Getenv("ORDO_SEEDS"); d != "" {
		return d
	}
	wd, _ := os.Getwd()
	return filepath.Join(wd, "..", "..", "..", "shared", "seeds")
}

// extractSeedBlocks finds every manifest in a seed: fenced ```yaml / ~~~yaml
// blocks (up to the closing fence, or the next fence if one is missing), and
// bare or indented blocks that start at an `apiVersion:` line and end at the
// first line of prose.
func extractSeedBlocks(file, text string) []seedBlock {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var out []seedBlock
	add := func(body []string) {
		out = append(out, seedBlock{File: file, Index: len(out), YAML: strings.Join(body, "\n") + "\n"})
	}
	for i := 0; i < len(lines); i++ {
		if fenceOpen.MatchString(strings.TrimSpace(lines[i])) {
			j := i + 1
			for j < len(lines) && !fenceClose.MatchString(strings.TrimSpace(lines[j])) {
				j++
			}
			add(lines[i+1 : j])
			i = j
			if j < len(lines) && fenceOpen.MatchString(strings.TrimSpace(lines[j])) {
				i = j - 1 // an unclosed fence: the next block starts here
			}
			continue
		}
		if m := bareStart.FindStringSubmatch(lines[i]); m != nil {
			indent := m[1]
			j := i + 1
			for j < len(lines) && inBareBlock(lines[j], indent) {
				j++
			}
			body := make([]string, 0, j-i)
			for _, l := range lines[i:j] {
				body = append(body, strings.TrimPrefix(l, indent))
			}
			add(trimBlank(body))
			i = j - 1
		}
	}
	return out
}

// inBareBlock reports whether line continues a bare block indented by indent.
func inBareBlock(line, indent string) bool {
	if strings.TrimSpace(line) == "" {
		return true
	}
	if !strings.HasPrefix(line, indent) {
		return false
	}
	rest := strings.TrimPrefix(line, indent)
	return strings.HasPrefix(rest, " ") || strings.HasPrefix(rest, "\t") || yamlish.MatchString(rest) && strings.Contains(rest, ":") || strings.HasPrefix(rest, "-")
}

func trimBlank(lines []string) []string {
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}
