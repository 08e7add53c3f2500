// Package scan runs tfsec on every synthesized stack of every example
// environment and fails on each finding that suppressions.yaml does not
// suppress with a reason, and on each suppression that matches nothing.
//
// The program is built and run as a separate process (no jsii runtime in
// this test binary); tfsec is a pinned binary cached outside the
// repository. Without tfsec the test skips with the install command, unless
// MPC_SCAN_REQUIRED=1 (CI), where it fails.
package scan

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Finding is one tfsec result, as tfsec's JSON output reports it, plus the
// stack it was found in.
type Finding struct {
	// Stack is the stack folder name, <env>-<party>-<layer>.
	Stack string `json:"-"`
	// RuleID is the AVD id, such as AVD-AWS-0088.
	RuleID string `json:"rule_id"`
	// LongID is the readable id, such as aws-s3-enable-bucket-encryption.
	LongID string `json:"long_id"`
	// Description says what the rule checks.
	Description string `json:"rule_description"`
	// Severity is CRITICAL, HIGH, MEDIUM or LOW.
	Severity string `json:"severity"`
	// Resource is the Terraform address, such as aws_s3_bucket.vault_public-bucket_6C5447BF.
	Resource string `json:"resource"`
	// Location is the file and line of the finding.
	Location struct {
		Filename  string `json:"filename"`
		StartLine int    `json:"start_line"`
	} `json:"location"`
}

// String renders the finding as one line: severity, rule, resource, stack and description.
func (f Finding) String() string {
	return fmt.Sprintf("%s %s (%s) on %s in stack %s: %s", f.Severity, f.LongID, f.RuleID, f.Resource, f.Stack, f.Description)
}

// parseFindings decodes tfsec's --format json output of one stack folder.
func parseFindings(stack string, data []byte) ([]Finding, error) {
	var out struct {
		Results []Finding `json:"results"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("tfsec output of %s is not JSON: %w", stack, err)
	}
	for i := range out.Results {
		out.Results[i].Stack = stack
	}
	return out.Results, nil
}

// Suppression is one deliberate exception: a rule, the resources it is
// accepted on, and why.
type Suppression struct {
	// Rule is the tfsec long id (aws-s3-no-public-buckets) or AVD id.
	Rule string `yaml:"rule"`
	// Resource is a Terraform address or a path.Match pattern over it; the
	// logical ids end in a hash, so patterns such as
	// aws_s3_bucket.vault_public-bucket_* are the norm.
	Resource string `yaml:"resource"`
	// Stacks is a path.Match pattern over stack names. Default: "*".
	Stacks string `yaml:"stacks"`
	// Reason says why the finding is a deliberate exception. Required.
	Reason string `yaml:"reason"`
}

// Matches reports whether the suppression covers a finding.
func (s Suppression) Matches(f Finding) bool {
	if s.Rule != f.LongID && s.Rule != f.RuleID {
		return false
	}
	stacks := s.Stacks
	if stacks == "" {
		stacks = "*"
	}
	okStack, _ := path.Match(stacks, f.Stack)
	okRes, _ := path.Match(s.Resource, f.Resource)
	return okStack && okRes
}

// LoadSuppressions reads and checks the suppression file: every entry needs
// a rule, a resource pattern and a reason, and patterns must be valid.
func LoadSuppressions(file string) ([]Suppression, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Suppressions []Suppression `yaml:"suppressions"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var problems []string
	for i, s := range doc.Suppressions {
		where := fmt.Sprintf("%s: suppressions[%d]", file, i)
		if s.Rule == "" || s.Resource == "" || strings.TrimSpace(s.Reason) == "" {
			problems = append(problems, where+": rule, resource and reason are all required")
		}
		for _, p := range []string{s.Resource, s.Stacks} {
			if _, err := path.Match(p, ""); err != nil {
				problems = append(problems, fmt.Sprintf("%s: bad pattern %q: %v", where, p, err))
			}
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(problems, "\n"))
	}
	return doc.Suppressions, nil
}

// Verdict is the outcome of applying the suppressions to the findings.
type Verdict struct {
	// Unsuppressed are the findings no suppression covers.
	Unsuppressed []Finding
	// Stale are the suppressions that cover no finding.
	Stale []Suppression
	// Suppressed counts the findings each suppression covers, by index.
	Suppressed []int
}

// Apply sorts the findings into suppressed and unsuppressed and finds the
// stale suppressions.
func Apply(findings []Finding, sups []Suppression) Verdict {
	v := Verdict{Suppressed: make([]int, len(sups))}
	for _, f := range findings {
		covered := false
		for i, s := range sups {
			if s.Matches(f) {
				v.Suppressed[i]++
				covered = true
			}
		}
		if !covered {
			v.Unsuppressed = append(v.Unsuppressed, f)
		}
	}
	for i, n := range v.Suppressed {
		if n == 0 {
			v.Stale = append(v.Stale, sups[i])
		}
	}
	return v
}

// CountByRule returns "<severity> <long id>: n" lines, sorted, for a summary.
func CountByRule(findings []Finding) []string {
	counts := map[string]int{}
	for _, f := range findings {
		counts[f.Severity+" "+f.LongID]++
	}
	res := make([]string, 0, len(counts))
	for k, n := range counts {
		res = append(res, fmt.Sprintf("%s: %d", k, n))
	}
	sort.Strings(res)
	return res
}
