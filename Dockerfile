# inference-server from Debian 12 packages only.
#   docker build -t roci-gateway .
#   docker run --rm -p 3000:3000 -e INFERENCE_INFERENCE_PROVIDER=lmstudio \
#     -e INFERENCE_INFERENCE_BASE_URL=http://host.docker.internal:1234 roci-gateway
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
      libboost-json1.81.0 libboost-url1.81.0 libssl3 libyaml-cpp0.7 libspdlog1.10 libfmt9 ca-certificates \
 && rm -rf /var/lib/apt/lists/* && useradd --system --no-create-home inference
COPY --from=build /opt/roci/bin/inference-server /usr/local/bin/inference-server
COPY --from=build /opt/roci/bin/roci /usr/local/bin/roci
COPY config/ /etc/roci/
USER inference
EXPOSE 3000
# Inside a container the gateway must listen on all interfaces; set auth keys when exposing it.
ENV INFERENCE_SERVER_HOST=0.0.0.0
ENTRYPOINT ["/usr/local/bin/inference-server"]
