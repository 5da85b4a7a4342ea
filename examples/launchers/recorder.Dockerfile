# The image that checks out the governance repository and opens the register PR after a
# training run (kubernetes-job.yaml: the governance-checkout and record-run containers):
# ftgov, git and gh, and the two scripts of the loop. Built from the repository root like
# the gate's image (BuildKit reads recorder.Dockerfile.dockerignore beside this file):
#   docker build -f examples/launchers/recorder.Dockerfile --build-arg FTGOV_REF="$(git rev-parse HEAD)" \
#     -t registry.example.com/ml/ftgov-recorder:"$(git rev-parse --short=12 HEAD)" .
FROM python:3.12-slim

ARG FTGOV_REF
# The single quotes are meant: the message shows the command to type.
# hadolint ignore=SC2016
RUN test -n "$FTGOV_REF" || { echo 'build with --build-arg FTGOV_REF="$(git rev-parse HEAD)"' >&2; exit 1; }
LABEL org.opencontainers.image.title="ftgov-recorder" \
      org.opencontainers.image.revision="$FTGOV_REF"
ENV FTGOV_REF="$FTGOV_REF" \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

# git clones the repository and pushes the run's branch; gh authenticates both and opens the PR.
# The distribution's versions: pinning them would break the build at every point release.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates git gh \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY pyproject.toml README.md ./
COPY checks ./checks
COPY policies ./policies
COPY examples/launchers/governance-checkout.sh examples/launchers/record-and-open-pr.sh /usr/local/bin/
RUN pip install --no-cache-dir . && rm -rf /src

# The gate's uid: the Kubernetes example shares its volumes through fsGroup.
RUN useradd --uid 10001 --user-group --create-home --shell /usr/sbin/nologin ftgov
USER 10001
WORKDIR /home/ftgov
ENTRYPOINT []
CMD ["record-and-open-pr.sh"]
