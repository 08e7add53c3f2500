package tfcli

import (
	"regexp"
	"strings"
)

// sourceLine is a quoted line of configuration ("40:   }") in a diagnostic.
var sourceLine = regexp.MustCompile(`^\d+:`)

// Cause returns the first error Terraform reported in its output (run with
// -no-color) on one line: the diagnostic's summary and the first line of
// its detail. It returns "" when the output holds no "Error:" line.
func Cause(output string) string {
	lines := strings.Split(output, "\n")
	for i, l := range lines {
		l = trimBox(l)
		if !strings.HasPrefix(l, "Error: ") {
			continue
		}
		summary := l
		// The detail follows after the "with ..." / "on ..." location lines
		// and blank lines.
		for _, d := range lines[i+1:] {
			d = trimBox(d)
			if d == "" || strings.HasPrefix(d, "with ") || strings.HasPrefix(d, "on ") || strings.HasPrefix(d, "Error: ") {
				if strings.HasPrefix(d, "Error: ") {
					break
				}
				continue
			}
			if sourceLine.MatchString(d) {
				continue
			}
			return summary + " — " + d
		}
		return summary
	}
	return ""
}

func trimBox(l string) string {
	l = strings.TrimSpace(l)
	l = strings.TrimPrefix(l, "│")
	l = strings.TrimPrefix(l, "╷")
	l = strings.TrimPrefix(l, "╵")
	return strings.TrimSpace(l)
}
