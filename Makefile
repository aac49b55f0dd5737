# autoscale-operator Makefile. Tools are pinned here and installed into bin/ from the Go module proxy.

IMG ?= autoscale-operator:latest
# Control-plane version built by hack/build-control-plane.sh for envtest.
K8S_VERSION ?= 1.37.2
ETCD_VERSION ?= 3.6.16

CONTROLLER_TOOLS_VERSION ?= v0.23.0
KUSTOMIZE_VERSION ?= v5.8.1
KUBEBUILDER_VERSION ?= v4.16.0
# promtool checks and unit-tests config/prometheus/rules.yaml; built without Prometheus's service
# discovery plugins (tag remove_all_sd), which promtool's rule commands do not use.
PROMETHEUS_VERSION ?= v0.316.0
GOLANGCI_LINT_VERSION ?= v2.15.0
# The helm CLI, for people installing the chart from this checkout. The tests use the same
# version's packages (lint, template) from go.mod instead of building the CLI.
HELM_VERSION ?= v3.22.0

LOCALBIN ?= $(CURDIR)/bin
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen-$(CONTROLLER_TOOLS_VERSION)
KUSTOMIZE ?= $(LOCALBIN)/kustomize-$(KUSTOMIZE_VERSION)
KUBEBUILDER ?= $(LOCALBIN)/kubebuilder-$(KUBEBUILDER_VERSION)
PROMTOOL ?= $(LOCALBIN)/promtool-$(PROMETHEUS_VERSION)
GOLANGCI_LINT ?= $(LOCALBIN)/golangci-lint-$(GOLANGCI_LINT_VERSION)
HELM ?= $(LOCALBIN)/helm-$(HELM_VERSION)
ENVTEST_DIR = $(LOCALBIN)/k8s/$(K8S_VERSION)-$(shell go env GOOS)-$(shell go env GOARCH)
# kubectl on PATH when there is one (a real cluster), else the one built for envtest.
KUBECTL ?= $(shell command -v kubectl 2>/dev/null || echo $(ENVTEST_DIR)/kubectl)

GO_TEST_FLAGS ?= -timeout 45m
# make soak: how long the chaos runs (make test runs a short form of the same soak).
SOAK_DURATION ?= 10m

SHELL = /usr/bin/env bash -o pipefail
.SHELLFLAGS = -ec

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Demo

.PHONY: demo
demo: envtest build ## Run boto's Autoscale tutorial on a local control plane + the embedded emulator (KEEP=1 keeps it running).
	KUBEBUILDER_ASSETS="$(ENVTEST_DIR)" go run ./hack/demo --manager $(LOCALBIN)/manager $(if $(KEEP),--keep)

##@ Development

.PHONY: manifests
manifests: controller-gen kustomize ## Generate CRDs and RBAC from the kubebuilder markers, and the Helm chart (dist/chart) from config/default.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd:allowDangerousTypes=true webhook paths="./..." output:crd:artifacts:config=config/crd/bases
	go run ./hack/helmchart --kustomize $(KUSTOMIZE) --out dist/chart

.PHONY: generate
generate: controller-gen ## Generate DeepCopy methods.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./..."

.PHONY: fmt
fmt: ## Run go fmt.
	go fmt ./...

.PHONY: vet
vet: ## Run go vet.
	go vet ./...

.PHONY: test
test: manifests generate fmt vet envtest kustomize promtool ## Run all tests (envtest control plane + emulator).
	KUBEBUILDER_ASSETS="$(ENVTEST_DIR)" go test $(GO_TEST_FLAGS) ./... -coverprofile cover.out

.PHONY: lint
lint: golangci-lint ## Run golangci-lint (.golangci.yml) on the whole module.
	$(GOLANGCI_LINT) run ./...

##@ Benchmark

BENCH_ARGS ?=
.PHONY: bench
bench: envtest build ## Fleet-scale benchmark (issue 6): writes bench/results/latest.{json,md}; takes about half an hour. BENCH_ARGS=--quick for a smoke run.
	KUBEBUILDER_ASSETS="$(ENVTEST_DIR)" go run ./hack/bench --manager $(LOCALBIN)/manager $(BENCH_ARGS)

.PHONY: soak
soak: envtest ## Chaos soak for SOAK_DURATION (default 10m; SOAK_SEED replays one) and a 4-minute throttling storm.
	KUBEBUILDER_ASSETS="$(ENVTEST_DIR)" go test ./test/soak -run TestSoak -count=1 -v -timeout 90m \
		-soak.duration=$(SOAK_DURATION) $(if $(SOAK_SEED),-soak.seed=$(SOAK_SEED))
	KUBEBUILDER_ASSETS="$(ENVTEST_DIR)" go test ./test/reliability -run TestThrottlingStorm -count=1 -v -timeout 30m -storm.duration=4m

##@ Build

.PHONY: build
build: manifests generate fmt vet ## Build bin/manager and bin/autoscale-emulator.
	go build -o $(LOCALBIN)/manager ./cmd/manager
	go build -o $(LOCALBIN)/autoscale-emulator ./cmd/autoscale-emulator

.PHONY: run
run: manifests generate fmt vet ## Run the manager against the current kubeconfig and AWS credentials.
	go run ./cmd/manager $(ARGS)

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
IMAGE_ARCHIVE ?= dist/image/autoscale-operator.oci.tar

.PHONY: image
image: ## Build the manager image without Docker, as an OCI archive (IMAGE_ARCHIVE): `docker load -i` or `podman load -i` it.
	@mkdir -p $(dir $(IMAGE_ARCHIVE))
	go run ./hack/image --out $(IMAGE_ARCHIVE) --tag $(IMG) --version $(VERSION) --revision "$$(git rev-parse HEAD 2>/dev/null)"

.PHONY: docker-build
docker-build: ## Build the manager image from the Dockerfile (needs a Docker engine; make image does not).
	@docker info >/dev/null 2>&1 || { echo "docker-build: no Docker engine answers here (it needs one that can pull golang:1.26); make image builds the same image without one" >&2; exit 1; }
	docker build --build-arg VERSION=$(VERSION) --build-arg REVISION="$$(git rev-parse HEAD 2>/dev/null)" -t $(IMG) .

.PHONY: docker-push
docker-push: ## Push the manager image.
	docker push $(IMG)

##@ Deployment

.PHONY: install
install: manifests kustomize ## Install the CRDs into the cluster of the current kubeconfig.
	$(KUSTOMIZE) build config/crd | $(KUBECTL) apply --server-side -f -

.PHONY: deploy
deploy: manifests kustomize ## Deploy the operator (config/default) with image IMG to the cluster of the current kubeconfig.
	cd config/manager && $(KUSTOMIZE) edit set image controller=$(IMG)
	$(KUSTOMIZE) build config/default | $(KUBECTL) apply --server-side -f -

.PHONY: undeploy
undeploy: kustomize ## Remove the operator deployed with make deploy.
	$(KUSTOMIZE) build config/default | $(KUBECTL) delete --ignore-not-found -f -

.PHONY: uninstall
uninstall: manifests kustomize ## Remove the CRDs from the cluster of the current kubeconfig.
	$(KUSTOMIZE) build config/crd | $(KUBECTL) delete --ignore-not-found -f -

##@ Tools

.PHONY: envtest
envtest: ## Build kube-apiserver, etcd and kubectl for envtest from the Go module proxy (reused when present).
	@K8S_VERSION=$(K8S_VERSION) ETCD_VERSION=$(ETCD_VERSION) BIN_DIR=$(LOCALBIN) hack/build-control-plane.sh >/dev/null

.PHONY: controller-gen
controller-gen: $(CONTROLLER_GEN) ## Install controller-gen into bin/.
$(CONTROLLER_GEN):
	$(call go-install-tool,$(CONTROLLER_GEN),sigs.k8s.io/controller-tools/cmd/controller-gen,$(CONTROLLER_TOOLS_VERSION))

.PHONY: kustomize
kustomize: $(KUSTOMIZE) ## Install kustomize into bin/.
$(KUSTOMIZE):
	$(call go-install-tool,$(KUSTOMIZE),sigs.k8s.io/kustomize/kustomize/v5,$(KUSTOMIZE_VERSION))

.PHONY: kubebuilder
kubebuilder: $(KUBEBUILDER) ## Install the kubebuilder CLI into bin/.
$(KUBEBUILDER):
	$(call go-install-tool,$(KUBEBUILDER),sigs.k8s.io/kubebuilder/v4,$(KUBEBUILDER_VERSION))

.PHONY: promtool
promtool: $(PROMTOOL) ## Install promtool into bin/.
$(PROMTOOL):
	$(call go-install-tool,$(PROMTOOL),github.com/prometheus/prometheus/cmd/promtool,$(PROMETHEUS_VERSION),-tags=remove_all_sd)

.PHONY: golangci-lint
golangci-lint: $(GOLANGCI_LINT) ## Install golangci-lint into bin/.
$(GOLANGCI_LINT):
	$(call go-install-tool,$(GOLANGCI_LINT),github.com/golangci/golangci-lint/v2/cmd/golangci-lint,$(GOLANGCI_LINT_VERSION))

.PHONY: helm
helm: $(HELM) ## Install the helm CLI into bin/.
$(HELM):
	$(call go-install-tool,$(HELM),helm.sh/helm/v3/cmd/helm,$(HELM_VERSION))

# go-install-tool installs a Go tool at a version into bin/ under a versioned name.
# $1 target path, $2 package, $3 version, $4 extra go install flags (optional).
define go-install-tool
@[ -f "$(1)" ] || { \
set -e; \
echo "Installing $(2)@$(3)"; \
rm -f "$(1)"; \
GOBIN="$(LOCALBIN)" go install $(4) "$(2)@$(3)"; \
mv "$(LOCALBIN)/$$(basename "$$(echo "$(2)" | sed 's#/v[0-9]*$$##')")" "$(1)"; \
}
endef
