package netcheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"text/tabwriter"
	"time"
)

// Status is the outcome of probing one peer on one port.
type Status string

// The outcomes; see the package documentation.
const (
	StatusOK          Status = "ok"
	StatusRefused     Status = "refused"
	StatusTimeout     Status = "timeout"
	StatusWrongParty  Status = "wrong-party"
	StatusTLSError    Status = "tls-error"
	StatusBadAnswer   Status = "bad-answer"
	StatusUnreachable Status = "unreachable"
)

// retryable reports whether another attempt may change the outcome.
func (s Status) retryable() bool {
	return s == StatusRefused || s == StatusTimeout || s == StatusUnreachable
}

// Result is the outcome for one peer and one port.
type Result struct {
	// PeerID is the party id probed.
	PeerID int `json:"peer_id"`
	// PeerName is the peer's party name, when the plan gives one.
	PeerName string `json:"peer_name,omitempty"`
	// PortName and Port name the MPC port.
	PortName string `json:"port_name"`
	Port     int    `json:"port"`
	// Address is the host probed.
	Address string `json:"address"`
	// Status is the outcome of the last attempt.
	Status Status `json:"status"`
	// Detail explains a failure in words.
	Detail string `json:"detail,omitempty"`
	// Attempts is how many connections were tried.
	Attempts int `json:"attempts"`
	// Optional marks a port whose failure does not fail the check.
	Optional bool `json:"optional,omitempty"`
}

// Failed reports whether this result fails the check.
func (r Result) Failed() bool { return r.Status != StatusOK && !r.Optional }

// Report is one party's probe of all its peers; its JSON form is what mesh reads.
type Report struct {
	// Environment and PartyID identify the prober.
	Environment string `json:"environment"`
	PartyID     int    `json:"party_id"`
	// GeneratedAt is when the probe finished, in UTC.
	GeneratedAt time.Time `json:"generated_at"`
	// Results holds one entry per peer and port, sorted by peer id then plan port order.
	Results []Result `json:"results"`
}

// OK reports whether every required path succeeded.
func (r Report) OK() bool {
	for _, res := range r.Results {
		if res.Failed() {
			return false
		}
	}
	return true
}

// WriteJSON writes the report as indented JSON.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteFile writes the report as JSON to path.
func (r Report) WriteFile(path string) error {
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// ReadReport reads and checks one report file.
func ReadReport(path string) (Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Report{}, err
	}
	var r Report
	if err := json.Unmarshal(data, &r); err != nil {
		return Report{}, fmt.Errorf("%s: %w", path, err)
	}
	if err := (Identity{PartyID: r.PartyID, Environment: r.Environment}).Validate(); err != nil {
		return Report{}, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// ReadReports reads every *.json file of dir, sorted by file name.
func ReadReports(dir string) ([]Report, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%s: no *.json report", dir)
	}
	sort.Strings(paths)
	reports := make([]Report, 0, len(paths))
	for _, p := range paths {
		r, err := ReadReport(p)
		if err != nil {
			return nil, err
		}
		reports = append(reports, r)
	}
	return reports, nil
}

// WriteTable prints the peer × port matrix, then one line per failed path.
func (r Report) WriteTable(w io.Writer) error {
	var ports []string
	seenPort := map[string]bool{}
	type row struct {
		id          int
		label, addr string
		byPort      map[string]Status
	}
	var rows []*row
	byID := map[int]*row{}
	for _, res := range r.Results {
		if !seenPort[res.PortName] {
			seenPort[res.PortName] = true
			ports = append(ports, res.PortName)
		}
		rw := byID[res.PeerID]
		if rw == nil {
			rw = &row{id: res.PeerID, label: partyLabel(res.PeerID, res.PeerName), addr: res.Address, byPort: map[string]Status{}}
			byID[res.PeerID] = rw
			rows = append(rows, rw)
		}
		rw.byPort[res.PortName] = res.Status
	}
	fmt.Fprintf(w, "party %d (%s) → peers\n", r.PartyID, r.Environment)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "PEER\tADDRESS")
	for _, p := range ports {
		fmt.Fprint(tw, "\t", p)
	}
	fmt.Fprintln(tw)
	for _, rw := range rows {
		fmt.Fprintf(tw, "%s\t%s", rw.label, rw.addr)
		for _, p := range ports {
			s, ok := rw.byPort[p]
			if !ok {
				s = "-"
			}
			fmt.Fprint(tw, "\t", s)
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, res := range r.Results {
		if res.Status == StatusOK {
			continue
		}
		note := ""
		if res.Optional {
			note = " (optional)"
		}
		fmt.Fprintf(w, "  %s %s:%d %s%s: %s after %d attempt(s)\n", partyLabel(res.PeerID, res.PeerName), res.Address, res.Port, res.Status, note, res.Detail, res.Attempts)
	}
	if r.OK() {
		_, err := fmt.Fprintln(w, "result: every required path is ok")
		return err
	}
	_, err := fmt.Fprintln(w, "result: FAILED")
	return err
}

func partyLabel(id int, name string) string {
	if name == "" {
		return strconv.Itoa(id)
	}
	return fmt.Sprintf("%d (%s)", id, name)
}
