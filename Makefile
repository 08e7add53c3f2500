# The verbs of the MPC mesh. `make help` lists them. Every verb brings in what
# it needs first: npm packages, generated Go bindings, Go modules.
SHELL := /bin/bash
.DEFAULT_GOAL := help

ENV ?=
PARTY ?=
LAYERS ?=
LAYER ?=
CMD ?=
AUTO_APPROVE ?=

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CHECKPOINT_DISABLE := 1
# -trimpath keeps the checkout's path out of Go's build cache keys, so a fresh
# clone elsewhere (CI, a worktree) reuses what another checkout compiled: the
# generated Kubernetes/Helm bindings and this module are otherwise rebuilt
# (measured: 23-29 s for a relocated build without it, under 1 s with it).
# cdktf.json's `go run -trimpath .` shares the same cache entries.
export GOFLAGS := $(strip $(filter-out -trimpath,$(GOFLAGS)) -trimpath)
# Tools built from source (tfsec) live outside the repository.
CACHE_DIR ?= $(HOME)/.cache/mpc-mesh
# The Terraform provider mirror: the folder holding registry.terraform.io/.
# Set TF_PLUGIN_MIRROR to choose it; by default the first of a few known
# places holding hashicorp/aws (`go run ./cmd/mpc-ops mirror` lists them).
TF_PLUGIN_MIRROR := $(or $(TF_PLUGIN_MIRROR),$(shell go run ./cmd/mpc-ops mirror 2>/dev/null))
export TF_PLUGIN_MIRROR
TFRC := $(CACHE_DIR)/terraformrc
# Every Terraform run of every verb, through the cdktf CLI too, uses the
# project's CLI configuration (the mirror, a shared plugin cache).
export TF_CLI_CONFIG_FILE := $(TFRC)
# `cdktf deploy/diff` run `terraform providers lock` in a stack folder that
# has no lock file, and that command ignores the CLI configuration's mirror.
ifneq ($(TF_PLUGIN_MIRROR),)
export TF_CLI_ARGS_providers_lock := -fs-mirror=$(TF_PLUGIN_MIRROR)
endif
# The emulator's pid, URL, log and fixture description (make emulator).
EMULATOR_DIR ?= $(CACHE_DIR)
export MPC_EMULATOR_DIR := $(EMULATOR_DIR)
# Synth output folder of the operator verbs.
OUTDIR ?= cdktf.out
# tfsec is built from the Go module proxy (about 3 minutes, once) into the cache.
TFSEC_VERSION := v1.28.14
TFSEC := $(CACHE_DIR)/bin/tfsec
LOCK_SUM = $(shell sha256sum package-lock.json | cut -d' ' -f1)
# The Kubernetes control plane of the API-server check: kube-apiserver and
# kube-controller-manager built from the Go module proxy into the cache
# (about 400-800 CPU-s, once per version), etcd from Debian's etcd-server.
K8S_VERSION := v1.36.3
K8S_BIN := $(CACHE_DIR)/k8s/$(K8S_VERSION)

.PHONY: help help-examples deps node-deps generate synth test check unit snapshots validate-config clean clean-cache \
	list plan apply destroy output unprotect emulator emulator-stop tf-env plan-all apply-all destroy-all output-all validate validate-all validate-stacks run-on netcheck-mesh \
	peers-export render e2e scan bench k8s-tools k8s-check netcheck-serve netcheck-probe terraformrc diagram docs trust-status

help: ## List the verbs
	@echo "MPC mesh (cdktf, Go). First run: make synth, then make test."
	@echo
	@grep -hE '^[a-z][a-z0-9-]*:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | awk -F'\t' '{printf "  %-16s %s\n", $$1, $$2}'
	@echo
	@echo "Variables: ENV=<environment> PARTY=<party name> LAYERS=aws|cluster|all LAYER=provider|consumer|party|cluster CMD=<terraform command> AUTO_APPROVE=1"
	@echo "LAYERS (plan, apply, output, destroy, unprotect): aws = provider, consumer and party stacks; cluster = the Kubernetes/Helm stacks."
	@echo "  Default: all; aws when MPC_AWS_ENDPOINT is set (the emulator has no Kubernetes API)."
	@echo "Provider mirror: TF_PLUGIN_MIRROR=$(TF_PLUGIN_MIRROR)"

help-examples: ## Show usage examples
	@echo "make synth ENV=local                      # synthesize one environment"
	@echo "make list ENV=kubeip-demo                 # stacks in apply order with their dependencies"
	@echo "make plan ENV=local                       # terraform plan of every stack of an environment"
	@echo "make emulator && export MPC_AWS_ENDPOINT=...  # try it without an AWS account (make emulator-stop ends it)"
	@echo "make apply ENV=local AUTO_APPROVE=1       # terraform apply, stack by stack, in dependency order"
	@echo "make apply ENV=zws-dev LAYERS=aws PARTY=zws-threshold-2   # one party's AWS layers"
	@echo "make run-on ENV=local PARTY=alice LAYER=provider CMD=output"
	@echo "make unprotect ENV=local PARTY=carol      # lift NLB/RDS deletion protection through Terraform"
	@echo "make destroy ENV=local AUTO_APPROVE=1     # destroy in reverse order, no prompt"
	@echo "make render ENV=local PARTY=alice       # review onboarding step 5 with the real chart"
	@echo "make peers-export ENV=zws-dev PARTY=zws-threshold-2   # block to hand to other organisations"
	@echo "make netcheck-probe ENV=kubeip-demo PARTY=alice"
	@echo "make trust-status ENV=kubeip-demo PARTY=alice   # peers' CA certificates in alice's public vault"

node-deps: ## Install the pinned npm packages (cdktf CLI, jsii-pacmak, provider assemblies)
	@if [ "$$(cat node_modules/.mpc-lock.sha256 2>/dev/null)" != "$(LOCK_SUM)" ]; then \
		echo "npm ci (package-lock.json changed or node_modules missing)"; \
		npm ci --no-audit --no-fund --ignore-scripts --loglevel=error && echo "$(LOCK_SUM)" > node_modules/.mpc-lock.sha256; \
	fi
	@# An npm package ships Go files; a nested go.mod keeps node_modules out of ./... patterns.
	@test -f node_modules/go.mod || echo 'module node_modules' > node_modules/go.mod

generate: node-deps ## Generate the Kubernetes and Helm Go bindings into generated/ (skipped when current)
	@if [ "$$(cat generated/.mpc-lock.sha256 2>/dev/null)" != "$(LOCK_SUM)" ] || [ ! -f generated/go/kubernetes/go.mod ] || [ ! -f generated/go/helm/go.mod ]; then \
		echo "jsii-pacmak: generating Go bindings from package-lock.json pins (~40 s)"; \
		rm -rf generated && mkdir -p generated && \
		npx --no-install jsii-pacmak --target go --code-only --no-npmignore --outdir generated \
			node_modules/@cdktf/provider-kubernetes node_modules/@cdktf/provider-helm && \
		echo "$(LOCK_SUM)" > generated/.mpc-lock.sha256; \
	fi

deps: generate ## Everything the Go code needs: bindings, Go modules, the Helm post-renderer of KubeIP releases
	@go mod download
	@go build -o bin/mpc-postrender ./cmd/mpc-postrender

synth: deps ## Synthesize all environments into cdktf.out (ENV=name for one)
	MPC_ENV=$(ENV) go run .

validate-config: ## Check the configuration files without synthesizing
	MPC_ENV=$(ENV) go run . validate

terraformrc: ## Write the Terraform CLI config: local provider mirror when present, shared plugin cache
	@mkdir -p $(CACHE_DIR)/plugins
	@{ echo 'plugin_cache_dir = "$(CACHE_DIR)/plugins"'; \
	   if [ -n "$(TF_PLUGIN_MIRROR)" ]; then printf 'provider_installation {\n  filesystem_mirror {\n    path = "%s"\n  }\n}\n' "$(TF_PLUGIN_MIRROR)"; fi; } > $(TFRC)

# The emulator end-to-end package is named first (go test drops the repeat in
# ./...) so that its run, the longest by far, starts while the rest builds.
TEST_PKGS := ./test/e2e/ ./...

test: deps terraformrc $(TFSEC) k8s-tools ## Run the whole test suite (unit, snapshots, bad input, netcheck, docs, scan, API server, emulator end-to-end)
	go vet ./...
	MPC_TFSEC=$(TFSEC) go test -count=1 -timeout 60m $(TEST_PKGS)

# The fast loop leaves out what needs outside tools or minutes: the emulator
# end-to-end run (test/e2e) and the tfsec scan (test/scan) by package, and
# Kubernetes API-server checks by test name (CHECK_SKIP, a go test -skip
# pattern), because they sit in packages whose other tests belong here.
# The packages that synthesize (each starts Node) are named first so that
# they start while the rest builds; go test drops the repeats.
CHECK_PKGS = ./stacks/ ./test/ ./test/constructs/ ./test/synthtest/ ./test/badinput/ \
	$(shell go list ./... | grep -vE '/test/(e2e|scan)$$')
CHECK_SKIP ?= KubeAPI

check: deps ## The fast loop: go vet and every test but the emulator end-to-end, the tfsec scan and API-server checks
	go vet ./...
	go test -count=1 -skip '$(CHECK_SKIP)' $(CHECK_PKGS)

$(TFSEC):
	GOBIN=$(CACHE_DIR)/bin go install github.com/aquasecurity/tfsec/cmd/tfsec@$(TFSEC_VERSION)

k8s-tools: ## Build kube-apiserver + kube-controller-manager into the cache (once) and install etcd-server if missing
	@CACHE_DIR=$(CACHE_DIR) K8S_VERSION=$(K8S_VERSION) nice -n 10 .ci/k8s-build
	@if ! command -v etcd >/dev/null && [ ! -x $(K8S_BIN)/etcd ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "apt-get install etcd-server"; apt-get update -qq && apt-get install -y -qq etcd-server >/dev/null; \
		else echo "etcd is missing: apt-get install etcd-server (the API-server check is skipped without it)"; fi; \
	fi

# The API-server check reads the folder CDKTF_OUTDIR names (absolute: the
# test runs in test/), else synthesizes the examples itself.
k8s-check: deps k8s-tools ## Create every cluster stack's objects (and the kms-core chart's) on a real kube-apiserver; one line per stack (ENV=, CDKTF_OUTDIR=)
	@set -o pipefail; MPC_K8S_REQUIRED=1 MPC_ENV=$(ENV) \
		$(if $(CDKTF_OUTDIR),CDKTF_OUTDIR=$(abspath $(CDKTF_OUTDIR))) $(if $(MPC_CONFIG_DIR),MPC_CONFIG_DIR=$(abspath $(MPC_CONFIG_DIR))) \
		go test -count=1 -v -run '^(TestClusterStacksAcceptedByKubeAPI|TestKubeAPIRefusesBrokenClusterStack)$$' ./test/ \
		| grep -vE '^(=== (RUN|PAUSE|CONT)|PASS$$)'

e2e: deps terraformrc ## Apply local and kubeip-demo against the AWS emulator (moto_server), re-plan, destroy
	MPC_E2E_REQUIRED=1 go test -count=1 -timeout 60m -v -run TestE2E ./test/e2e/

bench: deps ## Go benchmarks of synthesis: one example, all examples, generated 4/7/13-party meshes (docs/performance.md)
	go test -run '^$$' -bench . -benchtime 3x ./test/bench/

scan: deps $(TFSEC) ## tfsec on every stack of every example environment; fails on any unsuppressed finding
	MPC_TFSEC=$(TFSEC) MPC_SCAN_REQUIRED=1 go test -count=1 -v -run TestTfsec ./test/scan/

snapshots: deps ## Regenerate the golden snapshots under test/snapshots (review the diff!)
	UPDATE_SNAPSHOTS=1 go test -count=1 -run TestSnapshots ./test/

clean: ## Remove synth output and Terraform caches
	rm -rf cdktf.out cdktf.out.*
	$(MAKE) --no-print-directory clean-cache

clean-cache: ## Remove Terraform working folders and lock files below the project
	find . -path ./node_modules -prune -o \( -name .terraform -o -name .terraform.lock.hcl \) -print0 | xargs -0 rm -rf

# ---- Operator workflow: list, plan, apply, destroy, output; ENV or -all ----
# Stacks are listed from cdktf.out/manifest.json in dependency order; apply
# and destroy go through the pinned cdktf CLI stack by stack.
MPC := go run .
TF := terraform
ENVS = $(shell ls config/environments | sed -n 's/\.yaml$$//p')
need-env = $(if $(ENV),,$(error ENV is required, for example ENV=local; environments: $(ENVS)))
stack-dir = cdktf.out/stacks/$(1)

list: ## Stacks in apply order with their dependencies (ENV= to limit)
	@test -f cdktf.out/manifest.json || $(MAKE) --no-print-directory synth
	@$(MPC) list $(ENV)

OPS := go run ./cmd/mpc-ops
ops-flags = -outdir=$(OUTDIR) $(if $(LAYERS),-layers=$(LAYERS)) $(if $(PARTY),-party=$(PARTY)) $(if $(AUTO_APPROVE),-auto-approve)
ops-synth = CDKTF_OUTDIR=$(OUTDIR) MPC_ENV=$(ENV) $(MPC)

plan: deps terraformrc ## terraform plan of ENV's stacks in dependency order (LAYERS= PARTY=)
	$(call need-env)
	@$(ops-synth)
	@$(OPS) plan $(ops-flags) $(ENV)

apply: deps terraformrc ## terraform apply of ENV's stacks in dependency order, stops at the first failure (LAYERS= PARTY= AUTO_APPROVE=1)
	$(call need-env)
	@$(ops-synth)
	@$(OPS) apply $(ops-flags) $(ENV)

destroy: deps terraformrc ## destroy ENV's stacks in reverse order; refuses up front while deletion protection is on (asks first; AUTO_APPROVE=1 skips)
	$(call need-env)
	@$(ops-synth)
	@$(OPS) destroy $(ops-flags) $(ENV)

output: deps terraformrc ## terraform output of ENV's stacks (LAYERS= PARTY=)
	$(call need-env)
	@$(ops-synth)
	@$(OPS) output $(ops-flags) $(ENV)

unprotect: deps terraformrc ## Turn off the deletion protection of PARTY's deployed NLB/RDS (every party without PARTY=) through Terraform, before make destroy
	$(call need-env)
	@MPC_UNPROTECT='$(or $(PARTY),*)' $(ops-synth)
	@$(OPS) unprotect $(ops-flags) $(ENV)

emulator: deps terraformrc ## Start the AWS emulator (moto_server) with ENV's fixture (default local) and print the export line
	@$(OPS) emulator start $(ENV)

emulator-stop: ## Stop the emulator started by make emulator
	@$(OPS) emulator stop

tf-env: terraformrc ## Print export lines giving terraform and npx cdktf in this shell the project's Terraform settings
	@$(OPS) tf-env

plan-all: ## plan for every environment
	@for e in $(ENVS); do $(MAKE) --no-print-directory plan ENV=$$e || exit 1; done

apply-all: ## apply every environment
	@for e in $(ENVS); do $(MAKE) --no-print-directory apply ENV=$$e || exit 1; done

destroy-all: ## destroy every environment (asks for each unless AUTO_APPROVE=1)
	@for e in $(ENVS); do $(MAKE) --no-print-directory destroy ENV=$$e || exit 1; done

output-all: ## outputs of every environment
	@for e in $(ENVS); do $(MAKE) --no-print-directory output ENV=$$e || exit 1; done

validate: deps terraformrc ## terraform validate of every AWS stack of ENV, offline
	$(call need-env)
	@MPC_ENV=$(ENV) $(MPC)
	@$(MAKE) --no-print-directory validate-stacks STACKS="$$($(MPC) list --names --aws $(ENV) | tr "\n" " ")"

validate-all: deps terraformrc ## terraform init -backend=false + validate of every AWS stack, offline, per stack
	@$(MPC)
	@$(MAKE) --no-print-directory validate-stacks STACKS="$$($(MPC) list --names --aws | tr "\n" " ")"

validate-stacks:
	@failed=0; for s in $(STACKS); do \
		if out=$$( $(TF) -chdir=$(call stack-dir,$$s) init -backend=false -input=false 2>&1 && $(TF) -chdir=$(call stack-dir,$$s) validate -no-color 2>&1 ); then \
			printf '  ok      %s\n' $$s; \
		else printf '  FAILED  %s\n%s\n' $$s "$$out"; failed=1; fi; \
	done; exit $$failed

run-on: terraformrc ## Run one terraform CMD on one stack: ENV= PARTY= LAYER= CMD=
	$(call need-env)
	$(if $(PARTY),,$(error PARTY is required))
	$(if $(LAYER),,$(error LAYER is required: provider, consumer, party or cluster))
	$(if $(CMD),,$(error CMD is required, for example CMD=plan or CMD=output))
	@test -d $(call stack-dir,$(ENV)-$(PARTY)-$(LAYER)) || MPC_ENV=$(ENV) $(MPC)
	$(TF) -chdir=$(call stack-dir,$(ENV)-$(PARTY)-$(LAYER)) init -input=false >/dev/null
	$(TF) -chdir=$(call stack-dir,$(ENV)-$(PARTY)-$(LAYER)) $(CMD)

# The kms-core chart `make render` and the tests use: CHART=<folder, .tgz or
# oci:// ref>, else MPC_KMS_CORE_CHART, which defaults to an unpacked copy
# of the pinned chart beside the project (../shared/charts/kms-core-1.9.1)
# when there is one (an offline machine), else the chart the environment
# pins is pulled from its registry.
CHART ?=
MPC_KMS_CORE_CHART ?= $(abspath $(wildcard ../shared/charts/kms-core-1.9.1))
export MPC_KMS_CORE_CHART

render: deps ## Render PARTY's MPC services release with the real chart, print its manifests, check them (ENV= PARTY= [CHART=])
	$(call need-env)
	$(if $(PARTY),,$(error PARTY is required))
	@MPC_ENV=$(ENV) $(MPC) >/dev/null
	go run ./cmd/mpc-render $(if $(CHART),--chart $(CHART),) $(ENV) $(PARTY)

peers-export: terraformrc ## Print the block other organisations paste to declare ENV's PARTY as an external peer
	$(call need-env)
	$(if $(PARTY),,$(error PARTY is required))
	@$(TF) -chdir=$(call stack-dir,$(ENV)-$(PARTY)-provider) output -json | $(MPC) peers export $(ENV) $(PARTY)

netcheck-serve: terraformrc ## Answer connectivity probes as PARTY of ENV for 30 min (on the enclave node); or PLAN=file
	@plan="$(PLAN)"; if [ -z "$$plan" ]; then \
		[ -n "$(ENV)" ] && [ -n "$(PARTY)" ] || { echo "give ENV= and PARTY=, or PLAN=<plan file>"; exit 2; }; \
		mkdir -p $(CACHE_DIR); plan=$(CACHE_DIR)/netcheck-$(ENV)-$(PARTY).json; \
		$(TF) -chdir=$(call stack-dir,$(ENV)-$(PARTY)-consumer) output -raw netcheck_plan > $$plan || exit 1; fi; \
	CGO_ENABLED=0 go run ./cmd/mpc-netcheck serve --targets $$plan --for 30m

netcheck-probe: terraformrc ## Probe every peer of PARTY in ENV on every MPC port (onboarding step 3); report in reports/
	$(call need-env)
	$(if $(PARTY),,$(error PARTY is required))
	@mkdir -p reports $(CACHE_DIR)
	@$(TF) -chdir=$(call stack-dir,$(ENV)-$(PARTY)-consumer) output -raw netcheck_plan > $(CACHE_DIR)/netcheck-$(ENV)-$(PARTY).json
	CGO_ENABLED=0 go run ./cmd/mpc-netcheck probe --targets $(CACHE_DIR)/netcheck-$(ENV)-$(PARTY).json --out reports/$(ENV)-$(PARTY).json

trust-status: ## Per peer of PARTY in ENV: CA certificate in our public vault, its SHA-256, and whether it matches the peer's (AWS_PROFILE= for the party's account)
	$(call need-env)
	$(if $(PARTY),,$(error PARTY is required))
	@mkdir -p $(CACHE_DIR)
	@$(MPC) trust plan $(ENV) $(PARTY) > $(CACHE_DIR)/trust-$(ENV)-$(PARTY).json
	go run ./cmd/mpc-trust status --plan $(CACHE_DIR)/trust-$(ENV)-$(PARTY).json

netcheck-mesh: ## Bidirectional matrix from every party's report in reports/
	CGO_ENABLED=0 go run ./cmd/mpc-netcheck mesh --dir reports

# ---- Documentation generated from the code --------------------------------
diagram: deps ## Topology diagrams from config + synthesized stacks: docs/diagrams/<env>.mmd (+ .svg with Graphviz); ENV= for one
	MPC_ENV=$(ENV) $(MPC)
	go run ./cmd/mpc-docs diagram --stacks cdktf.out --svg $(ENV)

docs: deps ## Regenerate docs/configuration.md and constructs/*/README.md from the Go source
	go run ./cmd/mpc-docs docs
