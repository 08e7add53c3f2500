package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"sort"
	"strings"
)

// Profile is where the time of one synth case goes, from one run of
// cmd/mpc-bench/profile, and how many jsii requests the app makes, from one
// run of the app with JSII_DEBUG=1.
type Profile struct {
	// Case is the synth case profiled.
	Case string `json:"case"`
	// Stacks is the stack count of the case (from the synth runs, if any).
	Stacks int `json:"stacks,omitempty"`
	// Phases are the phase timings in order (see cmd/mpc-bench/profile).
	Phases []Phase `json:"phases"`
	// Requests counts the Go-to-Node kernel requests by API (create, get,
	// set, invoke, sinvoke, sget, load, ...) and in total.
	Requests map[string]int `json:"requests"`
}

// Phase is one timed step.
type Phase struct {
	// Name of the step.
	Name string `json:"name"`
	// Seconds of wall time.
	Seconds float64 `json:"seconds"`
	// GoCPU and NodeCPU are the CPU seconds the Go process and its Node
	// child used during the step (profile phases only).
	GoCPU   float64 `json:"go_cpu,omitempty"`
	NodeCPU float64 `json:"node_cpu,omitempty"`
}

// profile runs the profile program and a request count on every case.
func (w *workspace) profile(cases []Case) ([]Profile, error) {
	var res []Profile
	for _, c := range cases {
		if c.Shards > 1 {
			continue // the same work as the unsharded case
		}
		p := Profile{Case: c.Name}
		if !c.Floor && c.prof != "" {
			w.logf("profile %s", c.Name)
			cmd := w.synthCmd(c, w.outdir(c, "profile"))
			cmd.Path, cmd.Args = c.prof, []string{c.prof}
			out, err := cmd.Output()
			if err != nil {
				return nil, fmt.Errorf("profile %s: %w%s", c.Name, err, stderrOf(err))
			}
			if err := json.Unmarshal(out, &p.Phases); err != nil {
				return nil, fmt.Errorf("profile %s: %w", c.Name, err)
			}
		}
		w.logf("count jsii requests %s", c.Name)
		var err error
		if p.Requests, err = w.countRequests(c); err != nil {
			return nil, err
		}
		if counts, err := countOutput(w.outdir(c, "requests")); err == nil {
			p.Stacks = counts.Stacks
		}
		res = append(res, p)
	}
	return res, nil
}

// reqLine matches the kernel request lines JSII_DEBUG prints: > {"api":"create",...}
var reqLine = regexp.MustCompile(`^> \{"api":"([a-z]+)"`)

// countRequests runs a case with JSII_DEBUG=1 and counts the requests.
func (w *workspace) countRequests(c Case) (map[string]int, error) {
	cmd := w.synthCmd(c, w.outdir(c, "requests"))
	cmd.Env = append(cmd.Env, "JSII_DEBUG=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	counts := map[string]int{}
	sc := bufio.NewScanner(stderr)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.HasPrefix(line, []byte("> {")) {
			continue
		}
		if m := reqLine.FindSubmatch(line); m != nil {
			counts[string(m[1])]++
			counts["total"]++
		}
	}
	io.Copy(io.Discard, stderr)
	if err := cmd.Wait(); err != nil {
		return nil, fmt.Errorf("count requests of %s: %w", c.Name, err)
	}
	return counts, nil
}

func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok && len(ee.Stderr) > 0 {
		return "\n" + tail(string(ee.Stderr), 3000)
	}
	return ""
}

// formatRequests renders request counts as "total 1117 (get 531, create 406, ...)".
func formatRequests(m map[string]int) string {
	type kv struct {
		k string
		v int
	}
	var all []kv
	for k, v := range m {
		if k != "total" {
			all = append(all, kv{k, v})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v > all[j].v || all[i].v == all[j].v && all[i].k < all[j].k })
	var parts []string
	for _, e := range all {
		parts = append(parts, fmt.Sprintf("%s %d", e.k, e.v))
	}
	return fmt.Sprintf("%d (%s)", m["total"], strings.Join(parts, ", "))
}
