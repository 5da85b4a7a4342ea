# The image the launchers run the gate in: ftgov installed from this checkout.
#
# Build it from a clean checkout of the commit you pin, and tag it with that commit:
#   git checkout <commit sha>
#   docker build --build-arg FTGOV_REF="$(git rev-parse HEAD)" \
#     -t registry.example.com/ml/ftgov:"$(git rev-parse --short=12 HEAD)" .
# FTGOV_REF is required: it is recorded as the image's revision label and in the
# environment, so an attestation can be traced to the gate code that made it.
FROM python:3.12-slim

ARG FTGOV_REF
# The single quotes are meant: the message shows the command to type.
# hadolint ignore=SC2016
RUN test -n "$FTGOV_REF" || { echo 'build with --build-arg FTGOV_REF="$(git rev-parse HEAD)"' >&2; exit 1; }
LABEL org.opencontainers.image.title="ftgov" \
      org.opencontainers.image.revision="$FTGOV_REF"
ENV FTGOV_REF="$FTGOV_REF" \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

# Only what the wheel is built from (.dockerignore keeps the rest out of the context).
WORKDIR /src
COPY pyproject.toml README.md ./
COPY checks ./checks
COPY policies ./policies
RUN pip install --no-cache-dir . && rm -rf /src

# A fixed non-root uid: the Kubernetes example runs the gate as 10001 and shares its
# volumes with the trainer through fsGroup.
RUN useradd --uid 10001 --user-group --create-home --shell /usr/sbin/nologin ftgov
USER 10001
WORKDIR /home/ftgov
ENTRYPOINT ["ftgov"]
CMD ["--help"]
