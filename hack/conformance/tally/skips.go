package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// entry is one line of the skip list: a test (or, for an area ordo does
// not serve, a pattern of tests) and the one-line reason it is skipped.
type entry struct {
	line   int
	area   bool   // pattern is a regular expression over test names
	name   string // the exact test name, or the area's expression
	reason string
	re     *regexp.Regexp
}

type skipList []entry

// readSkips parses lines "NAME | reason" and "area: REGEXP | reason";
// blank lines and lines starting with '#' are comments.
func readSkips(path string) (skipList, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var list skipList
	seen := map[string]int{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		e, err := parseEntry(text)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n, err)
		}
		if first, dup := seen[e.name]; dup {
			return nil, fmt.Errorf("%s:%d: listed already on line %d", path, n, first)
		}
		e.line, seen[e.name] = n, n
		list = append(list, e)
	}
	return list, sc.Err()
}

func parseEntry(text string) (entry, error) {
	i := strings.LastIndex(text, " | ")
	if i < 0 {
		return entry{}, fmt.Errorf(`want "TEST NAME | reason" or "area: REGEXP | reason"`)
	}
	e := entry{name: strings.TrimSpace(text[:i]), reason: strings.TrimSpace(text[i+3:])}
	if e.name == "" || e.reason == "" {
		return entry{}, fmt.Errorf("a test name and a reason are both needed")
	}
	expr := regexp.QuoteMeta(e.name)
	if rest, ok := strings.CutPrefix(e.name, "area:"); ok {
		e.area, e.name, expr = true, strings.TrimSpace(rest), strings.TrimSpace(rest)
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return entry{}, err
	}
	e.re = re
	return e, nil
}

// regex is one expression matching every listed test, for ginkgo --skip.
func (l skipList) regex() string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = e.re.String()
	}
	return strings.Join(parts, "|")
}

// match is the entry that skips the test with this full name, if any.
func (l skipList) match(name string) (entry, bool) {
	for _, e := range l {
		if (!e.area && e.name == name) || (e.area && e.re.MatchString(name)) {
			return e, true
		}
	}
	return entry{}, false
}
