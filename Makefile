# judge — developer entry points. Every target that needs services brings them up itself.
# See docs/stack.md for the local stack and its settings.

GO        ?= go
BIN       ?= bin
PKG      := github.com/judge-dev/judge
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
DATE     ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
LDFLAGS  := -s -w -X $(PKG)/internal/buildinfo.Version=$(VERSION) -X $(PKG)/internal/buildinfo.Commit=$(COMMIT) -X $(PKG)/internal/buildinfo.Date=$(DATE)

.PHONY: build stack stack-down stack-status images vet fmt test test-unit

## build: static judged and judgectl binaries into bin/ (version stamped from git)
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/ ./cmd/judged ./cmd/judgectl

## stack: start PostgreSQL, Kafka and (if none answers) dockerd; write .stack/stack.env
stack:
	@scripts/stack-up.sh

## stack-down: stop everything `make stack` started
stack-down:
	@scripts/stack-down.sh

## stack-status: which services of the stack answer
stack-status:
	@scripts/stack-status.sh

## images: build the runtime images the language table uses (skipped when up to date)
images: stack
	@scripts/images.sh

## vet: go vet every package
vet:
	$(GO) vet ./...

## fmt: gofmt every Go file in place
fmt:
	gofmt -l -w cmd internal pkg

## test: the whole suite on the real stack, as CI runs it (stack up, images, vet, go test -race)
test:
	@scripts/test.sh

## problemtools: install Kattis problemtools (pinned) in a virtualenv for the differential test
.PHONY: problemtools
problemtools:
	@scripts/problemtools.sh

## soak: opt-in soak on the real stack, SOAK (30m) at SOAK_RATE (30) submissions/s; fails if memory or backlog keeps growing
.PHONY: soak
SOAK      ?= 30m
SOAK_RATE ?= 30
soak: images
	JUDGE_SOAK=$(SOAK) JUDGE_SOAK_RATE=$(SOAK_RATE) JUDGE_REQUIRE_STACK=1 $(GO) test -count=1 -timeout 3h -run '^TestSoak$$' -v ./e2e/

## bapctools: install BAPCtools (pinned) in a virtualenv for the 2023-07 differential test
.PHONY: bapctools
bapctools:
	@scripts/bapctools.sh

## test-unit: tests that need no services
test-unit:
	$(GO) test -race -short ./...

## completions: regenerate judgectl's shell completions (completions/) and man pages (docs/man/)
.PHONY: completions
completions:
	$(GO) generate ./internal/judgectlcmd

## deploy-images: the judge's own images (judge-judged, judge-postgres, judge-kafka, judge-nginx), built locally
.PHONY: deploy-images
deploy-images:
	@scripts/deploy-images.sh

## release-snapshot: goreleaser --snapshot into dist/: archives, .deb/.rpm with the systemd units, checksums, judged image tarball
.PHONY: release-snapshot
release-snapshot:
	@scripts/release-snapshot.sh

## up: the whole judge on this machine: stack, images, binaries, token, `judged all`, examples
.PHONY: up down
up:
	@scripts/up.sh

## down: stop judged (started by make up) and the stack
down:
	@scripts/up.sh down
