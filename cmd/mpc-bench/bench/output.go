package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
)

// PrintSaved prints a report saved with -json as tables.
func PrintSaved(file string, out io.Writer) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var rep Report
	if err := json.Unmarshal(data, &rep); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	writeTable(out, &rep)
	return nil
}

func writeJSON(out io.Writer, rep *Report) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// writeTable prints the report as plain tables.
func writeTable(out io.Writer, rep *Report) {
	m := rep.Machine
	fmt.Fprintf(out, "machine: %d CPUs, %s, %.1f GiB RAM, Linux %s, %s, node %s\n", m.CPUs, m.CPUModel, m.MemoryGiB, m.Kernel, m.Go, m.Node)
	fmt.Fprintf(out, "load average: %s before, %s after; bench took %.0f s\n", m.LoadBefore, rep.LoadAfter, rep.Seconds)
	if len(rep.Cases) > 0 {
		fmt.Fprintf(out, "\nSYNTH (%d timed runs per case, interleaved; median wall time, spread, ratio to the floor)\n", rep.Runs)
		tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "case\tstacks\tresources\tdata\toutputs\twall s\tmin-max s\tx floor\tcpu s\tcpu x floor\tnode peak MiB\tmaxrss MiB\t")
		for _, c := range rep.Cases {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%.2f\t%.2f-%.2f\t%.2f\t%.2f\t%.2f\t%.0f\t%.0f\t\n", c.Name, c.Stacks, c.Resources, c.DataSources, c.Outputs,
				c.MedianSeconds, c.MinSeconds, c.MaxSeconds, c.Ratio, c.CPUSeconds, c.CPURatio, c.NodePeakMiB, c.MaxRSSMiB)
		}
		tw.Flush()
		for _, c := range rep.Cases {
			fmt.Fprintf(out, "  %-28s %s\n", c.Name, c.Description)
		}
	}
	if len(rep.Fits) > 0 {
		fmt.Fprintln(out, "\nGROWTH (least squares over the medians, wall and CPU time)")
		for _, f := range rep.Fits {
			excess := "n/a (a case is not above the floor)"
			if f.ExcessExponent != 0 {
				excess = fmt.Sprintf("%.2f", f.ExcessExponent)
			}
			fmt.Fprintf(out, "  %-4s %s (%d cases, %d-%d stacks): time ~ stacks^%.2f; time above the floor ~ stacks^%s; linear: %.2f s + %.3f s/stack\n",
				f.Metric, f.Over, f.Cases, f.SmallestStacks, f.LargestStacks, f.Exponent, excess, f.InterceptSeconds, f.SecondsPerStack)
		}
	}
	if len(rep.Profiles) > 0 {
		writeProfiles(out, rep.Profiles)
	}
	if b := rep.Build; b != nil {
		fmt.Fprintln(out, "\nGO BUILD (the app, "+fmt.Sprint(b.Packages)+" packages)")
		fmt.Fprintf(out, "  cold (empty GOCACHE, module cache kept)  %7.1f s\n", b.ColdSeconds)
		fmt.Fprintf(out, "  warm (nothing changed)                   %7.1f s\n", b.WarmSeconds)
		fmt.Fprintf(out, "  go run . validate (warm, what cdktf pays per synth before Node starts) %.2f s; the built binary: %.2f s\n", b.GoRunSeconds, b.BinaryValidateSeconds)
	}
	if c := rep.Cache; c != nil {
		fmt.Fprintln(out, "\nBUILD CACHE FROM A CHECKOUT AT ANOTHER PATH (CI runners, worktrees)")
		fmt.Fprintf(out, "  cold, no -trimpath                       %7.1f s\n", c.PlainColdSeconds)
		fmt.Fprintf(out, "  warm cache, other path, no -trimpath     %7.1f s\n", c.RelocatedSeconds)
		fmt.Fprintf(out, "  -trimpath cold                           %7.1f s\n", c.TrimpathColdSeconds)
		fmt.Fprintf(out, "  -trimpath warm cache, other path         %7.1f s\n", c.TrimpathRelocatedSeconds)
	}
	if t := rep.Test; t != nil {
		writeTest(out, t)
	}
	if e := rep.E2E; e != nil {
		fmt.Fprintf(out, "\nMAKE E2E  %.0f s wall, %.0f s CPU (Terraform, provider plugins, moto, app)\n", e.Seconds, e.CPUSeconds)
		for _, s := range e.Stages {
			fmt.Fprintf(out, "  %s\n", s)
		}
		if e.Error != "" {
			fmt.Fprintf(out, "  failed: %s\n", e.Error)
		}
	}
}

func writeProfiles(out io.Writer, ps []Profile) {
	fmt.Fprintln(out, "\nPROFILE (one run per case; per phase: wall s (Go CPU s + Node CPU s); jsii requests from JSII_DEBUG=1)")
	var names []string
	for _, p := range ps {
		for _, ph := range p.Phases {
			if !slices.Contains(names, ph.Name) {
				names = append(names, ph.Name)
			}
		}
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "case\tstacks\t%s\tbuild+synth CPU ms/stack\trequests\trequests/stack\t\n", strings.Join(names, "\t"))
	for _, p := range ps {
		row := []string{p.Case, fmt.Sprint(p.Stacks)}
		byName := map[string]Phase{}
		for _, ph := range p.Phases {
			byName[ph.Name] = ph
		}
		for _, n := range names {
			if v, ok := byName[n]; ok {
				row = append(row, fmt.Sprintf("%.2f (%.2f+%.2f)", v.Seconds, v.GoCPU, v.NodeCPU))
			} else {
				row = append(row, "-")
			}
		}
		per, perReq := "-", "-"
		if p.Stacks > 0 && len(p.Phases) > 0 {
			b, s := byName["build"], byName["synth"]
			per = fmt.Sprintf("%.0f", (b.GoCPU+b.NodeCPU+s.GoCPU+s.NodeCPU)*1000/float64(p.Stacks))
			perReq = fmt.Sprintf("%.0f", float64(p.Requests["total"])/float64(p.Stacks))
		}
		row = append(row, per, fmt.Sprint(p.Requests["total"]), perReq)
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
	}
	tw.Flush()
	for _, p := range ps {
		fmt.Fprintf(out, "  %-28s requests %s\n", p.Case, formatRequests(p.Requests))
	}
}

func writeTest(out io.Writer, t *TestResult) {
	fmt.Fprintln(out, "\nMAKE TEST (the recipe's steps, wall time)")
	for _, p := range t.Phases {
		fmt.Fprintf(out, "  %-6s %7.1f s\n", p.Name, p.Seconds)
	}
	fmt.Fprintf(out, "  total  %7.1f s   tests: %d passed, %d failed, %d skipped\n", t.TotalSeconds, t.Passed, t.Failed, t.Skipped)
	// A binary that links jsii starts Node only when a test calls into it;
	// the construct packages' compile-only examples never do.
	started := 0
	for _, p := range t.Packages {
		if p.JSII && p.Seconds >= 1 {
			started++
		}
	}
	fmt.Fprintf(out, "  %d test binaries link the jsii runtime, %d of them ran over a second (a Node start costs 4-5 s): %.1f s of package time; the other %d: %.1f s\n",
		t.JSIIPackages, started, t.JSIISeconds, len(t.Packages)-t.JSIIPackages, t.OtherSeconds)
	if len(t.SkippedTests) > 0 {
		fmt.Fprintf(out, "  skipped: %s\n", strings.Join(t.SkippedTests, ", "))
	}
	if t.Error != "" {
		fmt.Fprintf(out, "  a step failed: %s\n", t.Error)
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "  package\tstatus\ttests\tjsii\tseconds\t")
	for _, p := range t.Packages {
		j := ""
		if p.JSII {
			j = "yes"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\t%.1f\t\n", strings.TrimPrefix(p.Package, "github.com/mpc-mesh/infra/"), p.Status, p.Tests, j, p.Seconds)
	}
	tw.Flush()
}
