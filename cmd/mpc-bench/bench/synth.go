package bench

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mpc-mesh/infra/internal/manifest"
)

// Counts are what one synth produced.
type Counts struct {
	// Stacks in manifest.json.
	Stacks int `json:"stacks"`
	// Resources summed over every stack (Terraform resource blocks).
	Resources int `json:"resources"`
	// DataSources summed over every stack.
	DataSources int `json:"data_sources"`
	// Outputs summed over every stack (cross-stack references add some).
	Outputs int `json:"outputs"`
}

// CaseResult is the measurement of one synth case.
type CaseResult struct {
	Case
	Counts
	// Samples are the timed runs, in order.
	Samples []Sample `json:"samples"`
	// MedianSeconds is the median wall time of the runs.
	MedianSeconds float64 `json:"median_seconds"`
	// MinSeconds and MaxSeconds are the spread of the runs.
	MinSeconds float64 `json:"min_seconds"`
	MaxSeconds float64 `json:"max_seconds"`
	// NodePeakMiB is the median over runs of the node child's peak RSS.
	NodePeakMiB float64 `json:"node_peak_mib"`
	// MaxRSSMiB is the median over runs of ru_maxrss.
	MaxRSSMiB float64 `json:"max_rss_mib"`
	// CPUSeconds is the median CPU time (user+system, Node included).
	CPUSeconds float64 `json:"cpu_seconds"`
	// Ratio is MedianSeconds over the floor's MedianSeconds.
	Ratio float64 `json:"ratio_to_floor"`
	// CPURatio is CPUSeconds over the floor's CPUSeconds: close to the ratio an
	// idle machine would show.
	CPURatio float64 `json:"cpu_ratio_to_floor"`
}

// runCases runs one discarded warm-up of each case, then opts.Runs rounds
// of every case, and summarizes them.
func (w *workspace) runCases(cases []Case) ([]CaseResult, error) {
	res := make([]CaseResult, len(cases))
	for i, c := range cases {
		res[i].Case = c
		w.logf("warm-up %s", c.Name)
		outdirs, err := w.runCase(c, "warmup")
		if err != nil {
			return nil, err
		}
		for _, d := range outdirs {
			counts, err := countOutput(d)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", c.Name, err)
			}
			res[i].Counts = res[i].Counts.add(counts)
		}
	}
	for r := 1; r <= w.opts.Runs; r++ {
		for i, c := range cases {
			s, err := w.measureCase(c, fmt.Sprintf("run%d", r))
			if err != nil {
				return nil, err
			}
			res[i].Samples = append(res[i].Samples, s)
			w.logf("run %d/%d %-28s %6.2f s  cpu %6.2f s  node %5.0f MiB  load %s", r, w.opts.Runs, c.Name, s.Seconds, s.CPUSeconds, s.NodePeakMiB, loadAverage())
		}
	}
	var floor, floorCPU float64
	for i := range res {
		summarize(&res[i])
		if res[i].Floor {
			floor, floorCPU = res[i].MedianSeconds, res[i].CPUSeconds
		}
	}
	for i := range res {
		if floor > 0 && floorCPU > 0 {
			res[i].Ratio = res[i].MedianSeconds / floor
			res[i].CPURatio = res[i].CPUSeconds / floorCPU
		}
	}
	return res, nil
}

// add sums two counts.
func (c Counts) add(o Counts) Counts {
	return Counts{c.Stacks + o.Stacks, c.Resources + o.Resources, c.DataSources + o.DataSources, c.Outputs + o.Outputs}
}

// runCase runs a case once, keeping its output, and returns its output folders.
func (w *workspace) runCase(c Case, run string) ([]string, error) {
	cmds, outdirs := w.caseCmds(c, run)
	_, err := measureAll(cmds)
	return outdirs, err
}

// measureCase runs a case once, measures it and removes its output.
func (w *workspace) measureCase(c Case, run string) (Sample, error) {
	cmds, outdirs := w.caseCmds(c, run)
	s, err := measureAll(cmds)
	for _, d := range outdirs {
		os.RemoveAll(d)
	}
	return s, err
}

// caseCmds are the commands of one run of a case: one, or one per shard.
func (w *workspace) caseCmds(c Case, run string) ([]*exec.Cmd, []string) {
	if c.Shards < 2 {
		d := w.outdir(c, run)
		return []*exec.Cmd{w.synthCmd(c, d)}, []string{d}
	}
	var cmds []*exec.Cmd
	var dirs []string
	for k, envs := range c.shardEnv {
		d := w.outdir(c, fmt.Sprintf("%s-shard%d", run, k+1))
		cmd := w.synthCmd(c, d)
		cmd.Env = append(cmd.Env, "MPC_ENV="+envs)
		cmds, dirs = append(cmds, cmd), append(dirs, d)
	}
	return cmds, dirs
}

// outdir is where one run of a case writes; its parent exists (cdktf
// creates the folder itself, but not its parents).
func (w *workspace) outdir(c Case, run string) string {
	parent := filepath.Join(w.tmp, "out")
	os.MkdirAll(parent, 0o755)
	return filepath.Join(parent, c.Name+"-"+run)
}

// synthCmd is the command of one synth run writing into outdir.
func (w *workspace) synthCmd(c Case, outdir string) *exec.Cmd {
	cmd := exec.Command(c.bin)
	cmd.Dir = w.opts.Repo
	cmd.Env = append(benchEnv(), "CDKTF_OUTDIR="+outdir)
	cmd.Env = append(cmd.Env, c.env...)
	return cmd
}

// benchEnv is the environment of every command the bench runs: the
// caller's, with the Node end-of-life banner silenced and the emulator and
// config selection of the caller removed.
func benchEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		switch key, _, _ := strings.Cut(kv, "="); key {
		case "MPC_ENV", "MPC_CONFIG_DIR", "MPC_AWS_ENDPOINT", "CDKTF_OUTDIR", "JSII_DEBUG":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20", "CHECKPOINT_DISABLE=1")
}

func summarize(r *CaseResult) {
	var secs, node, rss, cpu []float64
	for _, s := range r.Samples {
		secs = append(secs, s.Seconds)
		node = append(node, s.NodePeakMiB)
		rss = append(rss, s.MaxRSSMiB)
		cpu = append(cpu, s.CPUSeconds)
	}
	r.CPUSeconds = median(cpu)
	r.MedianSeconds = median(secs)
	r.MinSeconds, r.MaxSeconds = slices.Min(secs), slices.Max(secs)
	r.NodePeakMiB = median(node)
	r.MaxRSSMiB = median(rss)
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// countOutput counts stacks, resources, data sources and outputs of a
// synth output folder.
func countOutput(outdir string) (Counts, error) {
	m, err := manifest.Read(outdir)
	if err != nil {
		return Counts{}, err
	}
	c := Counts{Stacks: len(m.Stacks)}
	for name, s := range m.Stacks {
		data, err := os.ReadFile(filepath.Join(outdir, s.SynthesizedStackPath))
		if err != nil {
			return Counts{}, fmt.Errorf("stack %s: %w", name, err)
		}
		var doc struct {
			Resource map[string]map[string]json.RawMessage `json:"resource"`
			Data     map[string]map[string]json.RawMessage `json:"data"`
			Output   map[string]json.RawMessage            `json:"output"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			return Counts{}, fmt.Errorf("stack %s: %w", name, err)
		}
		for _, byName := range doc.Resource {
			c.Resources += len(byName)
		}
		for _, byName := range doc.Data {
			c.DataSources += len(byName)
		}
		c.Outputs += len(doc.Output)
	}
	return c, nil
}

// Fit is a least-squares fit of time against stack count over a set of
// cases.
type Fit struct {
	// Over names the cases fitted.
	Over string `json:"over"`
	// Metric is "wall" (median wall time) or "cpu" (median CPU time).
	Metric string `json:"metric"`
	// Cases is how many cases were fitted.
	Cases int `json:"cases"`
	// Exponent is the slope of ln(seconds) against ln(stacks): 1 is linear.
	Exponent float64 `json:"exponent"`
	// ExcessExponent is the same slope for the time above the floor
	// (seconds - floor), when every case is above the floor; it is how our
	// own code grows.
	ExcessExponent float64 `json:"excess_exponent,omitempty"`
	// InterceptSeconds and SecondsPerStack are the linear fit
	// seconds = intercept + k x stacks.
	InterceptSeconds float64 `json:"intercept_seconds"`
	SecondsPerStack  float64 `json:"seconds_per_stack"`
	// SmallestStacks and LargestStacks bound the fitted range.
	SmallestStacks int `json:"smallest_stacks"`
	LargestStacks  int `json:"largest_stacks"`
}

// fits fits every app case and the generated meshes alone, on wall and on
// CPU time.
func fits(cases []CaseResult) []Fit {
	var res []Fit
	for _, metric := range []string{"wall", "cpu"} {
		res = append(res, fitsOf(cases, metric)...)
	}
	return res
}

func fitsOf(cases []CaseResult, metric string) []Fit {
	if metric == "cpu" {
		cases = slices.Clone(cases)
		for i := range cases {
			cases[i].MedianSeconds = cases[i].CPUSeconds
		}
	}
	var floor float64
	var app, meshes, alt []CaseResult
	for _, c := range cases {
		switch {
		case c.Floor:
			floor = c.MedianSeconds
		case c.Stacks == 0 || c.Shards > 1:
		case strings.HasSuffix(c.Name, "@compare"):
			alt = append(alt, c)
		default:
			app = append(app, c)
			if strings.HasPrefix(c.Name, "mesh-") {
				meshes = append(meshes, c)
			}
		}
	}
	var res []Fit
	for _, set := range []struct {
		name  string
		cases []CaseResult
	}{{"every app case", app}, {"generated meshes", meshes}, {"every @compare case", alt}} {
		if f, ok := fit(set.name, set.cases, floor); ok {
			f.Metric = metric
			res = append(res, f)
		}
	}
	return res
}

func fit(name string, cases []CaseResult, floor float64) (Fit, bool) {
	var xs, ys, ns, ts, ex []float64
	f := Fit{Over: name, Cases: len(cases), SmallestStacks: math.MaxInt}
	excessOK := floor > 0
	for _, c := range cases {
		xs = append(xs, math.Log(float64(c.Stacks)))
		ys = append(ys, math.Log(c.MedianSeconds))
		ns = append(ns, float64(c.Stacks))
		ts = append(ts, c.MedianSeconds)
		if c.MedianSeconds > floor {
			ex = append(ex, math.Log(c.MedianSeconds-floor))
		} else {
			excessOK = false
		}
		f.SmallestStacks = min(f.SmallestStacks, c.Stacks)
		f.LargestStacks = max(f.LargestStacks, c.Stacks)
	}
	if f.SmallestStacks == f.LargestStacks || len(cases) < 2 {
		return Fit{}, false
	}
	f.Exponent, _ = leastSquares(xs, ys)
	if excessOK {
		f.ExcessExponent, _ = leastSquares(xs, ex)
	}
	f.SecondsPerStack, f.InterceptSeconds = leastSquares(ns, ts)
	return f, true
}

// leastSquares returns slope and intercept of the least-squares line y = a x + b.
func leastSquares(x, y []float64) (slope, intercept float64) {
	n := float64(len(x))
	var sx, sy, sxx, sxy float64
	for i := range x {
		sx += x[i]
		sy += y[i]
		sxx += x[i] * x[i]
		sxy += x[i] * y[i]
	}
	d := n*sxx - sx*sx
	if d == 0 {
		return math.NaN(), math.NaN()
	}
	slope = (n*sxy - sx*sy) / d
	return slope, (sy - slope*sx) / n
}
