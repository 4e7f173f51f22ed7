# evctl registry serve in a container: a static evctl on distroless, as a
# non-root user, with the SQLite file on a volume.
#
#   docker build -t evctl --build-arg VERSION=v0.1.0 .
#   docker run -p 8081:8081 -v evctl-data:/data \
#     -v $PWD/users.auth:/etc/evctl/users.auth:ro evctl
#
# The server listens on all interfaces in the container, so it requires an
# auth file (name:hash:role lines, see `evctl registry serve --help`) at
# /etc/evctl/users.auth; without one it refuses to start. The HEALTHCHECK
# runs `evctl registry health` against GET /healthz, which needs no
# credentials. The image has no shell and no curl.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X github.com/evctl/evctl/internal/version.stamped=${VERSION}" \
      -o /out/evctl ./cmd/evctl \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/evctl /usr/local/bin/evctl
# The volume's mount point, owned by the nonroot user (65532) of the base.
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
VOLUME ["/data"]
EXPOSE 8081
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 \
  CMD ["/usr/local/bin/evctl", "registry", "health", "--registry-url", "http://127.0.0.1:8081", "--registry-timeout", "3s"]
ENTRYPOINT ["/usr/local/bin/evctl"]
CMD ["registry", "serve", "--addr", "0.0.0.0:8081", "--data", "/data/registry.db", "--auth-file", "/etc/evctl/users.auth", "--log-format", "json"]
