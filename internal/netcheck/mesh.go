package netcheck

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"text/tabwriter"
)

// PathState is the state of one direction between two parties.
type PathState string

// The path states of a mesh cell.
const (
	// PathOK: every required port of the direction answered as expected.
	PathOK PathState = "ok"
	// PathFailed: at least one required port failed.
	PathFailed PathState = "failed"
	// PathMissing: no report covers this direction (the source party sent no
	// report, or its plan does not list the destination).
	PathMissing PathState = "missing"
)

// Path is one direction From → To of the mesh.
type Path struct {
	// From is the probing party, To the probed one.
	From int `json:"from"`
	To   int `json:"to"`
	// State summarises the required ports.
	State PathState `json:"state"`
	// Failures are the non-ok results of this direction, optional ports included.
	Failures []Result `json:"failures,omitempty"`
}

// Mesh is the N×N view built from every party's report.
type Mesh struct {
	// Environment is the one environment all reports belong to.
	Environment string `json:"environment"`
	// Parties are every party id seen, sorted.
	Parties []int `json:"parties"`
	// Names are party names learnt from the reports' results.
	Names map[int]string `json:"names,omitempty"`
	// Paths holds every ordered pair of distinct parties, sorted by From then To.
	Paths []Path `json:"paths"`
	// Asymmetric lists the pairs where From reaches To but To does not reach From.
	Asymmetric []Path `json:"asymmetric"`
}

// BuildMesh joins reports of one environment, at most one per party.
func BuildMesh(reports []Report) (*Mesh, error) {
	if len(reports) == 0 {
		return nil, fmt.Errorf("no report")
	}
	m := &Mesh{Environment: reports[0].Environment, Names: map[int]string{}}
	type key struct{ from, to int }
	results := map[key][]Result{}
	reported := map[key]bool{}
	parties := map[int]bool{}
	byParty := map[int]bool{}
	for _, r := range reports {
		if r.Environment != m.Environment {
			return nil, fmt.Errorf("report of party %d is for environment %q, others for %q", r.PartyID, r.Environment, m.Environment)
		}
		if byParty[r.PartyID] {
			return nil, fmt.Errorf("two reports for party %d", r.PartyID)
		}
		byParty[r.PartyID] = true
		parties[r.PartyID] = true
		for _, res := range r.Results {
			parties[res.PeerID] = true
			if res.PeerName != "" {
				m.Names[res.PeerID] = res.PeerName
			}
			k := key{r.PartyID, res.PeerID}
			reported[k] = true
			results[k] = append(results[k], res)
		}
	}
	for id := range parties {
		m.Parties = append(m.Parties, id)
	}
	sort.Ints(m.Parties)
	state := map[key]PathState{}
	for _, from := range m.Parties {
		for _, to := range m.Parties {
			if from == to {
				continue
			}
			k := key{from, to}
			p := Path{From: from, To: to, State: PathMissing}
			if reported[k] {
				p.State = PathOK
				for _, res := range results[k] {
					if res.Status != StatusOK {
						p.Failures = append(p.Failures, res)
					}
					if res.Failed() {
						p.State = PathFailed
					}
				}
			}
			state[k] = p.State
			m.Paths = append(m.Paths, p)
		}
	}
	for _, p := range m.Paths {
		if p.State == PathOK && state[key{p.To, p.From}] == PathFailed {
			m.Asymmetric = append(m.Asymmetric, p)
		}
	}
	return m, nil
}

// OK reports whether every direction between every two parties is ok.
func (m *Mesh) OK() bool {
	for _, p := range m.Paths {
		if p.State != PathOK {
			return false
		}
	}
	return true
}

func (m *Mesh) label(id int) string { return partyLabel(id, m.Names[id]) }

// WriteJSON writes the mesh analysis as indented JSON.
func (m *Mesh) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(m)
}

// WriteTable prints the matrix (rows probe, columns are probed), then the
// asymmetric pairs, failed and missing paths.
func (m *Mesh) WriteTable(w io.Writer) error {
	cell := map[[2]int]Path{}
	for _, p := range m.Paths {
		cell[[2]int{p.From, p.To}] = p
	}
	fmt.Fprintf(w, "environment %s: row → column\n", m.Environment)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "FROM \\ TO")
	for _, to := range m.Parties {
		fmt.Fprint(tw, "\t", strconv.Itoa(to))
	}
	fmt.Fprintln(tw)
	for _, from := range m.Parties {
		fmt.Fprint(tw, m.label(from))
		for _, to := range m.Parties {
			text := "-"
			if from != to {
				text = string(cell[[2]int{from, to}].State)
			}
			fmt.Fprint(tw, "\t", text)
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, p := range m.Asymmetric {
		fmt.Fprintf(w, "ASYMMETRIC %s → %s ok, %s → %s fails: check the inbound allow-list of %s (security group or endpoint-service principals) for %s\n",
			m.label(p.From), m.label(p.To), m.label(p.To), m.label(p.From), m.label(p.From), m.label(p.To))
	}
	for _, p := range m.Paths {
		switch p.State {
		case PathMissing:
			fmt.Fprintf(w, "MISSING %s → %s: no report covers this path\n", m.label(p.From), m.label(p.To))
		case PathFailed, PathOK:
			for _, f := range p.Failures {
				note := ""
				if f.Optional {
					note = " (optional)"
				}
				fmt.Fprintf(w, "%s %s → %s port %s (%s:%d): %s%s %s\n", p.State, m.label(p.From), m.label(p.To), f.PortName, f.Address, f.Port, f.Status, note, f.Detail)
			}
		}
	}
	verdict := "result: every pair reaches each other"
	if !m.OK() {
		verdict = "result: FAILED"
	}
	_, err := fmt.Fprintln(w, verdict)
	return err
}
