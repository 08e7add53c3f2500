# The verbs of the MPC mesh. `make help` lists them. Every verb brings in what
# it needs first: npm packages, generated Go bindings, Go modules.
SHELL := /bin/bash
.DEFAULT_GOAL := help

ENV ?=
PARTY ?=
LAYER ?=
CMD ?=
AUTO_APPROVE ?=

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CHECKPOINT_DISABLE := 1
# Tools built from source (tfsec) live outside the repository.
CACHE_DIR ?= $(HOME)/.cache/mpc-mesh
# Terraform CLI configuration using the local provider mirror, when one exists.
TF_MIRROR ?= $(shell d=$$(find / -path /proc -prune -o -name 'terraform-provider-aws_*' -print 2>/dev/null | head -1); [ -n "$$d" ] && echo "$${d%%/registry.terraform.io/*}")
TFRC := $(CACHE_DIR)/terraformrc
LOCK_SUM = $(shell sha256sum package-lock.json | cut -d' ' -f1)

.PHONY: help help-examples deps node-deps generate synth test unit snapshots validate-config clean clean-cache \
	list plan apply destroy output plan-all apply-all destroy-all output-all validate validate-all run-on \
	peers-export e2e scan bench netcheck-serve netcheck-probe terraformrc

help: ## List the verbs
	@echo "MPC mesh (cdktf, Go). First run: make synth, then make test."
	@echo
	@grep -hE '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | awk -F'\t' '{printf "  %-16s %s\n", $$1, $$2}'
	@echo
	@echo "Variables: ENV=<environment> PARTY=<party name> LAYER=provider|consumer|party|cluster CMD=<terraform command> AUTO_APPROVE=1"

help-examples: ## Show usage examples
	@echo "make synth ENV=local                      # synthesize one environment"
	@echo "make list ENV=kubeip-demo                 # stacks in apply order with their dependencies"
	@echo "make plan ENV=local                       # terraform plan of every stack of an environment"
	@echo "make apply ENV=local                      # cdktf deploy, stack by stack, in dependency order"
	@echo "make run-on ENV=local PARTY=alice LAYER=provider CMD=output"
	@echo "make destroy ENV=local AUTO_APPROVE=1     # cdktf destroy in reverse order, no prompt"
	@echo "make peers-export ENV=zws-dev PARTY=zws-threshold-2   # block to hand to other organisations"
	@echo "make netcheck-probe ENV=kubeip-demo PARTY=alice"

node-deps: ## Install the pinned npm packages (cdktf CLI, jsii-pacmak, provider assemblies)
	@if [ "$$(cat node_modules/.mpc-lock.sha256 2>/dev/null)" != "$(LOCK_SUM)" ]; then \
		echo "npm ci (package-lock.json changed or node_modules missing)"; \
		npm ci --no-audit --no-fund --ignore-scripts --loglevel=error && echo "$(LOCK_SUM)" > node_modules/.mpc-lock.sha256; \
	fi

generate: node-deps ## Generate the Kubernetes and Helm Go bindings into generated/ (skipped when current)
	@if [ "$$(cat generated/.mpc-lock.sha256 2>/dev/null)" != "$(LOCK_SUM)" ] || [ ! -f generated/go/kubernetes/go.mod ] || [ ! -f generated/go/helm/go.mod ]; then \
		echo "jsii-pacmak: generating Go bindings from package-lock.json pins (~40 s)"; \
		rm -rf generated && mkdir -p generated && \
		npx --no-install jsii-pacmak --target go --code-only --no-npmignore --outdir generated \
			node_modules/@cdktf/provider-kubernetes node_modules/@cdktf/provider-helm && \
		echo "$(LOCK_SUM)" > generated/.mpc-lock.sha256; \
	fi

deps: generate ## Everything the Go code needs: bindings and Go modules
	@go mod download

synth: deps ## Synthesize all environments into cdktf.out (ENV=name for one)
	MPC_ENV=$(ENV) go run .

validate-config: ## Check the configuration files without synthesizing
	MPC_ENV=$(ENV) go run . validate

terraformrc:
	@mkdir -p $(CACHE_DIR)
	@if [ -n "$(TF_MIRROR)" ]; then \
		printf 'provider_installation {\n  filesystem_mirror {\n    path = "%s"\n  }\n}\n' "$(TF_MIRROR)" > $(TFRC); \
	else : > $(TFRC); fi

test: deps terraformrc ## Run the whole test suite
	go vet ./...
	TF_CLI_CONFIG_FILE=$(TFRC) go test -count=1 ./...

snapshots: deps ## Regenerate the golden snapshots under test/snapshots (review the diff!)
	UPDATE_SNAPSHOTS=1 go test -count=1 -run TestSnapshots ./test/

clean: ## Remove synth output and Terraform caches
	rm -rf cdktf.out cdktf.out.*
	$(MAKE) --no-print-directory clean-cache

clean-cache: ## Remove Terraform working folders and lock files below the project
	find . -path ./node_modules -prune -o \( -name .terraform -o -name .terraform.lock.hcl \) -print0 | xargs -0 rm -rf
