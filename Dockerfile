# The manager image for people with Docker. `make image` builds the same filesystem without a
# daemon (hack/image); test/image checks that this file assembles its final stage from the same
# files, user and entrypoint.
FROM golang:1.26 AS builder
ARG TARGETARCH

WORKDIR /workspace
COPY go.mod go.sum ./
RUN go mod download

COPY api/ api/
COPY cmd/ cmd/
COPY controllers/ controllers/
COPY hack/image/ hack/image/
COPY internal/ internal/
COPY pkg/ pkg/

# A static, stripped manager, CA certificates from the pinned Go root store, /etc/passwd with the
# nonroot user 65532: hack/image writes them all into /rootfs.
RUN go run ./hack/image --rootfs /rootfs --goarch ${TARGETARCH:-amd64}

# scratch: no shell, no package manager, nothing but what hack/image wrote.
FROM scratch
ARG VERSION=dev
ARG REVISION=
LABEL org.opencontainers.image.title=autoscale-operator \
      org.opencontainers.image.description="Kubernetes operator for AWS EC2 Auto Scaling" \
      org.opencontainers.image.version=${VERSION} \
      org.opencontainers.image.revision=${REVISION} \
      org.opencontainers.image.source=https://github.com/autoscale-operator/autoscale-operator \
      org.opencontainers.image.licenses=Apache-2.0
COPY --from=builder /rootfs/ /
COPY --from=builder --chown=65532:65532 /rootfs/home/nonroot /home/nonroot
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
WORKDIR /
USER 65532:65532
ENTRYPOINT ["/manager"]
