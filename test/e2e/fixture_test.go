package e2e

import (
	"github.com/mpc-mesh/infra/config/prereq"
	"github.com/mpc-mesh/infra/internal/emulator"
)

// fixture is what the emulator fixture created for an environment, by party
// name (package internal/emulator, shared with make emulator).
type fixture = emulator.Fixture

// scope is an account and the regions of it that the stacks use.
type scope = emulator.Scope

// scopes are the accounts and regions of an environment's managed parties
// (package config/prereq, shared with make emulator).
var scopes = prereq.Scopes
