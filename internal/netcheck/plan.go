package netcheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/mpc-mesh/infra/internal/mesh"
)

// Identity names one party of one environment.
type Identity struct {
	// PartyID is the numeric party id.
	PartyID int `json:"party_id"`
	// Environment is the environment name, such as "testnet".
	Environment string `json:"environment"`
}

// Port is one MPC port to check.
type Port struct {
	// Name is the port name the peer's server answers with ("grpc", "peer", "metrics").
	Name string `json:"name"`
	// Port is the TCP port number, the same on both ends.
	Port int `json:"port"`
	// Optional marks a port whose failure is reported but does not fail the check.
	Optional bool `json:"optional,omitempty"`
}

// Target is one peer to probe.
type Target struct {
	// PartyID is the peer's party id; the answer must carry it.
	PartyID int `json:"party_id"`
	// Name is the peer's party name, for display.
	Name string `json:"name,omitempty"`
	// Address is the host to connect to: one of the peer's public IPs (KubeIP;
	// a peer with several has one target per address) or its mpc-node-<id>
	// service name (PrivateLink).
	Address string `json:"address"`
	// Ports are the MPC ports to check on that address.
	Ports []Port `json:"ports"`
}

// Plan is the input of a probe: who we are and whom to reach. Its JSON form
// is the --targets file.
type Plan struct {
	// Self is the probing party; its environment is the one every peer must answer with.
	Self Identity `json:"self"`
	// Peers are the parties to reach.
	Peers []Target `json:"peers"`
}

// Strategy is how peers publish their MPC ports.
type Strategy string

const (
	// KubeIP peers publish a public Elastic IP on their enclave node.
	KubeIP Strategy = "kubeip"
	// PrivateLink peers are reached through an interface endpoint that the
	// cluster names mpc-node-<id>.
	PrivateLink Strategy = "privatelink"
)

// Peer is what a party knows about another party, in plain values.
type Peer struct {
	// PartyID is the peer's party id.
	PartyID int
	// Name is the peer's party name.
	Name string
	// PublicIPs are the peer's published Elastic IPs; used by the KubeIP
	// strategy only, which probes every one.
	PublicIPs []string
}

// DefaultPorts returns the MPC ports a party publishes by default: peer
// 50001 and metrics 9646, all required (the gRPC port is probed only when
// an environment publishes it and passes it in).
func DefaultPorts() []Port {
	res := make([]Port, 0, len(mesh.PublishedPorts))
	for _, p := range mesh.PublishedPorts {
		res = append(res, Port{Name: p.Name, Port: p.Number})
	}
	return res
}

// PrivateLinkAddress is the in-cluster name of party id's endpoint,
// mpc-node-<id>; it matches internal/mesh.ServiceName (a test checks it).
func PrivateLinkAddress(partyID int) string { return "mpc-node-" + strconv.Itoa(partyID) }

// NewPlan builds the plan of one party from plain values: every peer gets
// every port, at each of its public IPs (KubeIP: one target per address) or
// at mpc-node-<id> (PrivateLink). A nil ports slice means DefaultPorts. It
// does not validate; call Validate.
func NewPlan(self Identity, strategy Strategy, ports []Port, peers []Peer) Plan {
	if ports == nil {
		ports = DefaultPorts()
	}
	plan := Plan{Self: self, Peers: make([]Target, 0, len(peers))}
	for _, p := range peers {
		addrs := p.PublicIPs
		switch {
		case strategy == PrivateLink:
			addrs = []string{PrivateLinkAddress(p.PartyID)}
		case len(addrs) == 0:
			// A peer without an address keeps one target, which Validate refuses.
			addrs = []string{""}
		}
		for _, addr := range addrs {
			plan.Peers = append(plan.Peers, Target{PartyID: p.PartyID, Name: p.Name, Address: addr, Ports: append([]Port(nil), ports...)})
		}
	}
	return plan
}

// ReadPlan reads and validates a JSON plan file; unknown fields are errors.
func ReadPlan(path string) (Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Plan{}, err
	}
	var plan Plan
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&plan); err != nil {
		return Plan{}, fmt.Errorf("%s: %w", path, err)
	}
	if err := plan.Validate(); err != nil {
		return Plan{}, fmt.Errorf("%s: %w", path, err)
	}
	return plan, nil
}

// Validate checks that the plan can be probed: valid identity, at least one
// peer, peer ids other than self, an address per target (a peer may have
// several targets, never the same address twice) and valid unique ports.
func (p Plan) Validate() error {
	if err := p.Self.Validate(); err != nil {
		return fmt.Errorf("self: %w", err)
	}
	if len(p.Peers) == 0 {
		return fmt.Errorf("peers: none to probe")
	}
	type target struct {
		id      int
		address string
	}
	seen := map[target]bool{}
	for i, t := range p.Peers {
		where := fmt.Sprintf("peers[%d]", i)
		if err := validPartyID(t.PartyID); err != nil {
			return fmt.Errorf("%s.party_id: %w", where, err)
		}
		if t.PartyID == p.Self.PartyID {
			return fmt.Errorf("%s.party_id: %d is self", where, t.PartyID)
		}
		if seen[target{t.PartyID, t.Address}] {
			return fmt.Errorf("%s: party %d at %q appears twice", where, t.PartyID, t.Address)
		}
		seen[target{t.PartyID, t.Address}] = true
		if strings.TrimSpace(t.Address) == "" || strings.ContainsAny(t.Address, " \t\r\n") {
			return fmt.Errorf("%s.address: %q is not a host", where, t.Address)
		}
		if err := validatePorts(t.Ports); err != nil {
			return fmt.Errorf("%s.%w", where, err)
		}
	}
	return nil
}

// Validate checks the party id range and the environment name.
func (id Identity) Validate() error {
	if err := validPartyID(id.PartyID); err != nil {
		return fmt.Errorf("party_id: %w", err)
	}
	if err := ValidToken(id.Environment); err != nil {
		return fmt.Errorf("environment: %w", err)
	}
	return nil
}

func validPartyID(id int) error {
	if id < 0 || id > MaxPartyID {
		return fmt.Errorf("%d is outside 0..%d", id, MaxPartyID)
	}
	return nil
}

func validatePorts(ports []Port) error {
	if len(ports) == 0 {
		return fmt.Errorf("ports: none given")
	}
	names := map[string]bool{}
	for j, port := range ports {
		if err := ValidToken(port.Name); err != nil {
			return fmt.Errorf("ports[%d].name: %w", j, err)
		}
		if names[port.Name] {
			return fmt.Errorf("ports[%d].name: %q appears twice", j, port.Name)
		}
		names[port.Name] = true
		if port.Port < 1 || port.Port > 65535 {
			return fmt.Errorf("ports[%d].port: %d is outside 1..65535", j, port.Port)
		}
	}
	return nil
}

// ServePorts returns the ports a party serving this plan's peers must listen
// on: every distinct port of every peer, in first-seen order. Ports are the
// same number on both ends, so what we probe is what we serve.
func (p Plan) ServePorts() []Port {
	var res []Port
	seen := map[string]bool{}
	for _, t := range p.Peers {
		for _, port := range t.Ports {
			if !seen[port.Name] {
				seen[port.Name] = true
				res = append(res, port)
			}
		}
	}
	return res
}

// FormatPorts writes ports as ParsePorts reads them.
func FormatPorts(ports []Port) string {
	items := make([]string, 0, len(ports))
	for _, p := range ports {
		item := fmt.Sprintf("%s=%d", p.Name, p.Port)
		if p.Optional {
			item += "?"
		}
		items = append(items, item)
	}
	return strings.Join(items, ",")
}

// ParsePorts parses a port list such as "grpc=50100,peer=50001,metrics=9646?"
// where a trailing "?" marks an optional port.
func ParsePorts(spec string) ([]Port, error) {
	var ports []Port
	for _, item := range strings.Split(spec, ",") {
		name, num, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok {
			return nil, fmt.Errorf("port %q is not name=number", item)
		}
		opt := strings.HasSuffix(num, "?")
		n, err := strconv.Atoi(strings.TrimSuffix(num, "?"))
		if err != nil {
			return nil, fmt.Errorf("port %q: %w", item, err)
		}
		ports = append(ports, Port{Name: name, Port: n, Optional: opt})
	}
	if err := validatePorts(ports); err != nil {
		return nil, err
	}
	return ports, nil
}
