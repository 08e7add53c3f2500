package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Mesh is the size of a generated mesh: that many environment files, each
// with that many managed parties.
type Mesh struct {
	// Parties per environment (at least 4: a threshold network needs 3t+1).
	Parties int
	// Environments is the number of environment files.
	Environments int
}

// String is PARTIESxENVIRONMENTS, as ParseMeshes reads it.
func (m Mesh) String() string { return fmt.Sprintf("%dx%d", m.Parties, m.Environments) }

// ParseMeshes reads a comma-separated list of PARTIESxENVIRONMENTS.
func ParseMeshes(s string) ([]Mesh, error) {
	var res []Mesh
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		p, e, ok := strings.Cut(f, "x")
		np, err1 := strconv.Atoi(p)
		ne, err2 := strconv.Atoi(e)
		if !ok || err1 != nil || err2 != nil || np < 4 || np > 99 || ne < 1 || ne > 99 {
			return nil, fmt.Errorf("mesh %q: want PARTIESxENVIRONMENTS such as 13x4, with 4-99 parties and 1-99 environments", f)
		}
		res = append(res, Mesh{Parties: np, Environments: ne})
	}
	return res, nil
}

// FormatMeshes is the inverse of ParseMeshes.
func FormatMeshes(ms []Mesh) string {
	var parts []string
	for _, m := range ms {
		parts = append(parts, m.String())
	}
	return strings.Join(parts, ",")
}

// Case is one synth measurement: a binary run with an environment.
type Case struct {
	// Name identifies the case in the report.
	Name string `json:"name"`
	// Description says what is synthesized.
	Description string `json:"description"`
	// Floor marks the floor case, the denominator of every ratio.
	Floor bool `json:"floor,omitempty"`
	// Shards, when above 1, runs that many app processes at once, each on
	// its share of the environments (MPC_ENV), into separate folders: what
	// synthesizing environments in parallel processes would cost.
	Shards int `json:"shards,omitempty"`
	bin    string
	env    []string
	// prof is the profile program matching bin ("" when there is none).
	prof string
	// shardEnv is the MPC_ENV value of each shard.
	shardEnv []string
}

// cases lists the floor, the examples and the generated meshes, writing the
// generated environment files under the temporary folder.
func (w *workspace) cases() ([]Case, error) {
	examples := filepath.Join(w.opts.Repo, "config", "environments")
	all := []Case{
		{Name: "floor", Description: "one stack, AWS+Kubernetes+Helm providers, no resources", Floor: true, bin: w.floor},
		{Name: "app-one-env", Description: "example environment local (privatelink, 4 parties)", bin: w.app,
			env: []string{"MPC_CONFIG_DIR=" + examples, "MPC_ENV=local"}},
		{Name: "app-examples", Description: "all example environments", bin: w.app,
			env: []string{"MPC_CONFIG_DIR=" + examples}},
	}
	for i, m := range w.opts.Meshes {
		for _, s := range []string{"kubeip", "privatelink"} {
			dir := filepath.Join(w.tmp, "config", s+"-"+m.String())
			names, err := WriteMesh(dir, s, m)
			if err != nil {
				return nil, err
			}
			c := Case{
				Name:        fmt.Sprintf("mesh-%s-%s", s, m),
				Description: fmt.Sprintf("generated: %d environments x %d managed %s parties", m.Environments, m.Parties, s),
				bin:         w.app,
				env:         []string{"MPC_CONFIG_DIR=" + dir},
			}
			all = append(all, c)
			if n := w.opts.Shards; n > 1 && i == len(w.opts.Meshes)-1 && m.Environments >= n {
				c.Name = fmt.Sprintf("%s-%dprocs", c.Name, n)
				c.Description = fmt.Sprintf("the same in %d concurrent processes, environments split between them", n)
				c.Shards = n
				for k := 0; k < n; k++ {
					var share []string
					for j := k; j < len(names); j += n {
						share = append(share, names[j])
					}
					c.shardEnv = append(c.shardEnv, strings.Join(share, ","))
				}
				all = append(all, c)
			}
		}
	}
	var res []Case
	for _, c := range all {
		if c.Floor || w.keep(c.Name) {
			c.prof = w.profBin
			res = append(res, c)
			if w.altApp != "" && !c.Floor {
				alt := c
				alt.Name, alt.bin, alt.prof = c.Name+"@compare", w.altApp, w.altProf
				alt.Description = c.Description + ", app built from " + w.opts.Compare
				res = append(res, alt)
			}
		}
	}
	return res, nil
}

func (w *workspace) keep(name string) bool {
	if len(w.opts.CaseFilter) == 0 {
		return true
	}
	for _, f := range w.opts.CaseFilter {
		if f != "" && strings.Contains(name, f) {
			return true
		}
	}
	return false
}

// Regions the generated parties are spread over (the testnet default
// allow-list), so that cross-region paths are exercised.
var meshRegions = []string{"eu-west-1", "eu-west-3", "eu-central-1", "us-east-1", "us-west-2"}

// meshPCR0 is a syntactically valid SHA-384 measurement (96 hex characters).
var meshPCR0 = strings.Repeat("5292569b5945693a", 6)

// WriteMesh writes m.Environments environment files of m.Parties managed
// parties each into dir. Every party has its own account, cluster and
// (privatelink) VPC CIDR; every fourth party has a database and the first
// runs the netcheck Job, so the optional paths are part of the cost.
// It returns the environment names.
func WriteMesh(dir, strategy string, m Mesh) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var names []string
	short := map[string]string{"kubeip": "kip", "privatelink": "pl"}[strategy]
	for e := 1; e <= m.Environments; e++ {
		name := fmt.Sprintf("%s%d", short, e)
		names = append(names, name)
		var b strings.Builder
		fmt.Fprintf(&b, "# Generated by mpc-bench: %d managed %s parties.\nname: %s\nstrategy: %s\nnetwork: testnet\n", m.Parties, strategy, name, strategy)
		b.WriteString("tags:\n  Project: mpc-mesh-bench\nparties:\n")
		for id := 1; id <= m.Parties; id++ {
			fmt.Fprintf(&b, "  - id: %d\n    name: party%02d\n    account_id: \"%012d\"\n    region: %s\n    managed:\n",
				id, id, 100000000000+e*1000+id, meshRegions[(id-1)%len(meshRegions)])
			fmt.Fprintf(&b, "      cluster_name: mpc-%s-party%02d\n", name, id)
			fmt.Fprintf(&b, "      enclave: { pcr0: [\"%s\"] }\n      helm: { image: { tag: v0.14.0 } }\n", meshPCR0)
			if strategy == "privatelink" {
				fmt.Fprintf(&b, "      privatelink: { vpc_cidr: 10.%d.0.0/16 }\n", id)
			}
			if id%4 == 0 {
				b.WriteString("      rds: { enabled: true }\n")
			}
			if id == 1 {
				b.WriteString("      netcheck: { enabled: true, image: registry.example.com/mpc-netcheck:0.1.0 }\n")
			}
		}
		if err := os.WriteFile(filepath.Join(dir, name+".yaml"), []byte(b.String()), 0o644); err != nil {
			return nil, err
		}
	}
	return names, nil
}
