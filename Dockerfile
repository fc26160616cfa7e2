# inference-server from Debian 12 packages only.
#   docker build -t roci-gateway .
#   docker run --rm -p 3000:3000 --add-host host.docker.internal:host-gateway \
#     -e INFERENCE_INFERENCE_PROVIDER=lmstudio \
#     -e INFERENCE_INFERENCE_BASE_URL=http://host.docker.internal:1234 roci-gateway
# --add-host makes host.docker.internal (the machine running Docker, where LM Studio listens) resolve
# on Linux; Docker Desktop defines it by itself. tests/package/dockerfile_check.sh checks this file
# without Docker: apt package names, COPY sources, the binaries' shared libraries, .dockerignore.
FROM debian:12 AS build
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends sudo && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN scripts/install-deps.sh
COPY . .
RUN cmake --preset release -DROCI_BUILD_TESTS=OFF -DROCI_BUILD_EXAMPLES=OFF -DROCI_BUILD_BENCH=OFF \
 && cmake --build --preset release --target inference-server roci_cli \
 && cmake --install build/release --prefix /opt/roci

FROM debian:12-slim
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends \
      libboost-json1.81.0 libboost-url1.81.0 libboost-system1.81.0 libboost-container1.81.0 \
      libssl3 libyaml-cpp0.7 libspdlog1.10 libfmt9 libtcmalloc-minimal4 ca-certificates \
 && rm -rf /var/lib/apt/lists/* && useradd --system --no-create-home inference
COPY --from=build /opt/roci/bin/inference-server /usr/local/bin/inference-server
COPY --from=build /opt/roci/bin/roci /usr/local/bin/roci
COPY config/ /etc/roci/
COPY scripts/healthcheck.sh /usr/local/bin/roci-healthcheck
USER inference
EXPOSE 3000
# Inside a container the gateway listens on all interfaces, on the port EXPOSE and HEALTHCHECK
# name; the environment beats a --config file, so publish another port with -p 8080:3000 (or set
# INFERENCE_SERVER_PORT: the health check follows it). Set auth keys before exposing it.
ENV INFERENCE_SERVER_HOST=0.0.0.0 INFERENCE_SERVER_PORT=3000
# GET /health must answer 200: 503 (upstream unreachable) or no answer marks the container unhealthy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/roci-healthcheck"]
ENTRYPOINT ["/usr/local/bin/inference-server"]
