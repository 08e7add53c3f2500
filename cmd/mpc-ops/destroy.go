package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// protection is one resource kind whose deletion AWS refuses while a flag
// is on, and the configuration field that sets the flag.
type protection struct {
	resourceType, attribute, field string
}

// protections are the deletion protections the stacks set.
var protections = []protection{
	{"aws_lb", "enable_deletion_protection", "managed.privatelink.deletion_protection"},
	{"aws_db_instance", "deletion_protection", "managed.rds.deletion_protection"},
}

// protectedResource is a deployed resource with its deletion protection on.
type protectedResource struct {
	stack, address, field string
}

// deployedProtections reads the state of every selected stack (terraform
// state pull: no provider starts) and returns the resources whose
// deletion protection is on.
func (o *ops) deployedProtections() ([]protectedResource, error) {
	var mu sync.Mutex
	var res []protectedResource
	var errs []string
	var wg sync.WaitGroup
	sem := make(chan struct{}, o.parallel)
	for _, s := range o.order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			r := o.terraform(context.Background(), s, false, "state", "pull")
			mu.Lock()
			defer mu.Unlock()
			if r.err != nil {
				errs = append(errs, fmt.Sprintf("%s: read the state: %s", s, r.cause))
				return
			}
			res = append(res, protectedIn(s, []byte(r.output))...)
		}()
	}
	wg.Wait()
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	slices.SortFunc(res, func(a, b protectedResource) int {
		return strings.Compare(a.stack+a.address, b.stack+b.address)
	})
	return res, nil
}

// protectedIn returns the resources of a state file whose deletion
// protection is on.
func protectedIn(stack string, state []byte) []protectedResource {
	var st struct {
		Resources []struct {
			Mode      string `json:"mode"`
			Type      string `json:"type"`
			Name      string `json:"name"`
			Instances []struct {
				Attributes map[string]any `json:"attributes"`
			} `json:"instances"`
		} `json:"resources"`
	}
	if len(strings.TrimSpace(string(state))) == 0 {
		return nil
	}
	if err := json.Unmarshal(state, &st); err != nil {
		return nil
	}
	var res []protectedResource
	for _, r := range st.Resources {
		for _, p := range protections {
			if r.Mode != "managed" || r.Type != p.resourceType {
				continue
			}
			for _, in := range r.Instances {
				if on, _ := in.Attributes[p.attribute].(bool); on {
					res = append(res, protectedResource{stack: stack, address: r.Type + "." + r.Name, field: p.field})
				}
			}
		}
	}
	return res
}

// destroy destroys the selected stacks in reverse dependency order after
// checking, before touching anything, that no deletion protection would
// stop it half-way.
func (o *ops) destroy() int {
	if !o.auto {
		fmt.Fprintf(os.Stderr, "Destroy %d stack(s) of %s (%s)? Type the environment name to confirm: ", len(o.order), o.env, strings.Join(o.order, " "))
		answer, _ := bufio.NewReader(os.Stdin).ReadString('\n')
		if strings.TrimSpace(answer) != o.env {
			return fail("not confirmed; nothing destroyed")
		}
	}
	if !o.initAll() {
		return 1
	}
	prot, err := o.deployedProtections()
	if err != nil {
		return fail("destroy: nothing destroyed: %v", err)
	}
	if len(prot) > 0 {
		o.say("destroy refused, nothing destroyed: deletion protection is on for")
		var parties []string
		for _, p := range prot {
			party, _ := splitStack(o.env, p.stack)
			o.say("  %s: %s (parties[%s].%s in %s)", p.stack, p.address, party, p.field, filepath.Join(configDir(), o.env+".yaml"))
			if !slices.Contains(parties, party) {
				parties = append(parties, party)
			}
		}
		for _, party := range parties {
			o.say("lift it with: make unprotect ENV=%s PARTY=%s", o.env, party)
		}
		o.say("then run make destroy again (set the field to false to keep it off for good)")
		return 1
	}
	order := slices.Clone(o.order)
	slices.Reverse(order)
	dependents := map[string][]string{}
	for n, ds := range o.deps {
		for _, d := range ds {
			dependents[d] = append(dependents[d], n)
		}
	}
	return o.runAll("destroy", order, dependents)
}

// unprotect applies, with deletion protection synthesized off (the
// Makefile synthesizes with MPC_UNPROTECT), the protected resources of the
// selected stacks, so that a destroy can delete them. The apply targets
// those resources only: whatever else differs between the configuration and
// the deployment is left for a reviewed make apply.
func (o *ops) unprotect() int {
	if !o.initAll() {
		return 1
	}
	prot, err := o.deployedProtections()
	if err != nil {
		return fail("unprotect: %v", err)
	}
	var targets []string
	o.targets = map[string][]string{}
	for _, p := range prot {
		if !slices.Contains(targets, p.stack) {
			targets = append(targets, p.stack)
		}
		o.targets[p.stack] = append(o.targets[p.stack], p.address)
	}
	if len(targets) == 0 {
		o.say("unprotect: no deployed resource of the selected stacks has deletion protection on; nothing to do")
		return 0
	}
	for _, s := range targets {
		data, err := os.ReadFile(filepath.Join(o.outdir, "stacks", s, "cdk.tf.json"))
		if err != nil {
			return fail("%v", err)
		}
		for _, p := range protections {
			if strings.Contains(string(data), fmt.Sprintf("%q: true", p.attribute)) {
				return fail("unprotect: %s is synthesized with %s on; synthesize with MPC_UNPROTECT=<party> first (make unprotect does)", s, p.attribute)
			}
		}
		o.say("unprotect: %s: deletion protection of %s goes off", s, strings.Join(o.targets[s], ", "))
	}
	if !o.auto {
		o.parallel = 1
	}
	return o.runAll("apply", targets, nil)
}
