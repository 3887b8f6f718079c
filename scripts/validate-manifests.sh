#!/usr/bin/env bash
# Validates the deployment artefacts offline:
#   - every YAML document in the Kubernetes folder (default deploy/k8s) against the
#     Kubernetes OpenAPI schemas of the pinned versions, strictly (a misspelt or unknown
#     field fails, as does a kind or apiVersion the version does not serve), with
#     kubernetes-validate (PyPI, Apache-2.0, bundles the schemas);
#   - the folder's own consistency: kustomization.yaml lists every manifest (apart from
#     *.example.yaml), the ConfigMap copies of router/router.config.yaml and
#     deploy/config/*.yaml are verbatim, every `from_env` variable of the router config
#     is set (ConfigMap chaos-router-env, compose's router), every Deployment has probes,
#     resources, a Service, a HorizontalPodAutoscaler and a PodDisruptionBudget;
#   - deploy/docker-compose.yml against the Compose Specification schema bundled by
#     check-jsonschema (PyPI, Apache-2.0).
# Both tools live in a venv under $HOME/.cache/chaos-k8s-validate, created when missing
# (python3-venv installed with apt when the venv module cannot create one).
#
#   scripts/validate-manifests.sh [DIR]    # validate DIR (default deploy/k8s) + compose
#   scripts/validate-manifests.sh --self-test
#       breaks copies of the manifests and the compose file in several ways and checks
#       that each is rejected, and that the real ones pass
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="${CHAOS_K8S_VALIDATE_VENV:-$HOME/.cache/chaos-k8s-validate}"
validator_version="1.37.0"       # kubernetes-validate: schemas of Kubernetes 1.25-1.37
jsonschema_version="0.39.0"      # check-jsonschema: bundles the compose-spec schema
# The oldest Kubernetes the manifests support, and the newest the validator knows.
k8s_versions="${CHAOS_K8S_VERSIONS:-1.30.0 1.37.0}"
compose_file="${CHAOS_COMPOSE_FILE:-$repo/deploy/docker-compose.yml}"

install_validators() {
  if [ -x "$venv/bin/kubernetes-validate" ] && [ -x "$venv/bin/check-jsonschema" ] &&
    [ "$("$venv/bin/kubernetes-validate" --version)" = "$validator_version" ] &&
    [ "$("$venv/bin/check-jsonschema" --version | awk '{print $NF}')" = "$jsonschema_version" ]; then
    return
  fi
  if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    echo "installing python3-venv with apt…" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq python3-venv >&2
  fi
  echo "installing kubernetes-validate ${validator_version} and check-jsonschema ${jsonschema_version} into $venv…" >&2
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "kubernetes-validate==${validator_version}" "check-jsonschema==${jsonschema_version}" >&2
}

# validate DIR COMPOSE_FILE: prints what it checked; non-zero on any error.
validate() {
  local dir="$1" compose="$2" failed=0 output version
  local -a manifests=()
  while IFS= read -r -d '' file; do
    manifests+=("$file")
  done < <(find "$dir" -maxdepth 1 -type f \( -name '*.yaml' -o -name '*.yml' \) \
    ! -name 'kustomization.yaml' -print0 | sort -z)
  if [ "${#manifests[@]}" -eq 0 ]; then
    echo "no manifests in $dir" >&2
    return 1
  fi

  for version in $k8s_versions; do
    # A kind or apiVersion without a schema is only a WARN to the tool: an error here.
    if output=$("$venv/bin/kubernetes-validate" --strict --quiet -k "$version" "${manifests[@]}" 2>&1) &&
      ! grep -q '^WARN' <<<"$output"; then
      echo "ok: ${#manifests[@]} files valid against Kubernetes $version (strict)"
    else
      echo "$output" >&2
      echo "FAILED: manifests in $dir against Kubernetes $version" >&2
      failed=1
    fi
  done

  if "$venv/bin/python" - "$dir" "$repo" "$compose" <<'PY' >&2; then
import os
import re
import sys

import yaml

folder, repo, compose = sys.argv[1], sys.argv[2], sys.argv[3]
errors = []
docs = {}  # (kind, name) -> (file, document)
files = sorted(f for f in os.listdir(folder) if f.endswith((".yaml", ".yml")))
for name in files:
    with open(os.path.join(folder, name)) as handle:
        for doc in yaml.safe_load_all(handle):
            if not doc:
                continue
            key = (doc.get("kind"), doc.get("metadata", {}).get("name"))
            if key in docs:
                errors.append(f"{name}: {key[0]} {key[1]} is also defined in {docs[key][0]}")
            docs[key] = (name, doc)

# kustomization.yaml names every manifest that is not an example, and only those.
kustomization = docs.get(("Kustomization", None))
if kustomization is None:
    errors.append("kustomization.yaml is missing")
else:
    listed = set(kustomization[1].get("resources", []))
    expected = {f for f in files if f != "kustomization.yaml" and ".example." not in f}
    for missing in sorted(expected - listed):
        errors.append(f"kustomization.yaml does not list {missing}")
    for extra in sorted(listed - expected):
        errors.append(f"kustomization.yaml lists {extra}, which is not in the folder")

# The ConfigMap copies of the settings files are verbatim.
copies = {
    "chaos-router-config": {"router.config.yaml": "router/router.config.yaml"},
    "chaos-service-config": {
        f: f"deploy/config/{f}" for f in sorted(os.listdir(os.path.join(repo, "deploy/config")))
    },
}
for configmap, keys in copies.items():
    found = docs.get(("ConfigMap", configmap))
    if found is None:
        errors.append(f"ConfigMap {configmap} is missing")
        continue
    data = found[1].get("data") or {}
    for key, source in keys.items():
        with open(os.path.join(repo, source)) as handle:
            if data.get(key) != handle.read():
                errors.append(
                    f"{found[0]}: ConfigMap {configmap} key {key} differs from {source} "
                    f"(copy the file's text under that key)"
                )
    for key in sorted(set(data) - set(keys)):
        errors.append(f"{found[0]}: ConfigMap {configmap} has {key}, which has no source file")

# Every `from_env` variable of the router config is set for the router (else it would
# fall back to its 127.0.0.1 development default), in Kubernetes and in compose.
with open(os.path.join(repo, "router/router.config.yaml")) as handle:
    router_vars = set(re.findall(r"^[^#\n]*from_env:\s*([A-Z0-9_]+)", handle.read(), re.M))
router_env = docs.get(("ConfigMap", "chaos-router-env"))
for var in sorted(router_vars - set((router_env or ("", {}))[1].get("data") or {})):
    errors.append(f"ConfigMap chaos-router-env does not set {var} (router.config.yaml reads it)")
with open(compose) as handle:
    router_service = (yaml.safe_load(handle).get("services") or {}).get("router") or {}
for var in sorted(router_vars - set(router_service.get("environment") or {})):
    errors.append(f"{os.path.basename(compose)}: service router does not set {var} (router.config.yaml reads it)")

# Every Deployment: probes, resources, and its Service, HPA and PDB.
for (kind, name), (file, doc) in sorted(docs.items(), key=lambda item: str(item[0])):
    if kind != "Deployment":
        continue
    for container in doc["spec"]["template"]["spec"]["containers"]:
        for probe in ("readinessProbe", "livenessProbe"):
            if probe not in container:
                errors.append(f"{file}: Deployment {name} container {container['name']} has no {probe}")
        resources = container.get("resources", {})
        for part in ("requests", "limits"):
            if not resources.get(part):
                errors.append(f"{file}: Deployment {name} container {container['name']} has no resources.{part}")
    labels = doc["spec"]["selector"]["matchLabels"]
    service = docs.get(("Service", name))
    if service is None or service[1]["spec"].get("selector") != labels:
        errors.append(f"{file}: Deployment {name} has no Service {name} selecting its pods")
    hpa = docs.get(("HorizontalPodAutoscaler", name))
    if hpa is None or hpa[1]["spec"]["scaleTargetRef"].get("name") != name:
        errors.append(f"{file}: Deployment {name} has no HorizontalPodAutoscaler {name} scaling it")
    pdb = docs.get(("PodDisruptionBudget", name))
    if pdb is None or pdb[1]["spec"].get("selector", {}).get("matchLabels") != labels:
        errors.append(f"{file}: Deployment {name} has no PodDisruptionBudget {name} covering its pods")

for error in errors:
    print(f"ERROR {error}")
sys.exit(1 if errors else 0)
PY
    echo "ok: kustomization, ConfigMap copies, router variables and per-Deployment objects consistent"
  else
    echo "FAILED: consistency of $dir" >&2
    failed=1
  fi

  if output=$("$venv/bin/check-jsonschema" --color never --builtin-schema vendor.compose-spec \
    "$compose" 2>&1); then
    echo "ok: $(basename "$compose") valid against the Compose Specification"
  else
    echo "$output" >&2
    echo "FAILED: $compose against the Compose Specification" >&2
    failed=1
  fi
  return "$failed"
}

# expect_rejected NAME EXPECTED_TEXT DIR COMPOSE: the validator must fail with that text.
expect_rejected() {
  local name="$1" expected="$2" log
  log=$(validate "$3" "$4" 2>&1) && {
    echo "$log" >&2
    echo "self-test FAILED: $name was accepted" >&2
    return 1
  }
  if ! grep -qF -- "$expected" <<<"$log"; then
    echo "$log" >&2
    echo "self-test FAILED: $name was rejected, but without \"$expected\"" >&2
    return 1
  fi
  echo "ok: rejects $name: $(grep -F -m1 -- "$expected" <<<"$log")"
}

self_test() {
  local work real_dir="$repo/deploy/k8s"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  # fresh copies of the real folder and compose file, one per case
  fresh() {
    rm -rf "$work/k8s" && cp -r "$real_dir" "$work/k8s"
    cp "$compose_file" "$work/docker-compose.yml"
  }

  fresh
  validate "$work/k8s" "$work/docker-compose.yml" >/dev/null ||
    { echo "self-test FAILED: an unchanged copy does not validate" >&2; return 1; }
  echo "ok: an unchanged copy validates"

  fresh
  sed -i '0,/containerPort:/s//containerPorts:/' "$work/k8s/users.yaml"
  expect_rejected "a misspelt field (containerPorts)" "'containerPort' is a required property" \
    "$work/k8s" "$work/docker-compose.yml"

  fresh
  sed -i '0,/^              protocol: TCP$/s//              protocol: TCP\n              hostNetworking: true/' \
    "$work/k8s/chat.yaml"
  expect_rejected "an unknown field (strict)" "('hostNetworking' was unexpected)" \
    "$work/k8s" "$work/docker-compose.yml"

  fresh
  sed -i 's/^  minReplicas: 2$/  minReplicas: "two"/' "$work/k8s/router.yaml"
  expect_rejected "a string where an integer belongs (minReplicas)" "'two' is not of type 'integer'" \
    "$work/k8s" "$work/docker-compose.yml"

  fresh
  sed -i 's|^apiVersion: autoscaling/v2$|apiVersion: autoscaling/v2beta1|' "$work/k8s/guild.yaml"
  expect_rejected "an apiVersion Kubernetes no longer serves (autoscaling/v2beta1)" \
    "Couldn't find schema for kind HorizontalPodAutoscaler" "$work/k8s" "$work/docker-compose.yml"

  fresh
  sed -i '/^  - world.yaml$/d' "$work/k8s/kustomization.yaml"
  expect_rejected "a manifest kustomization.yaml does not list" "does not list world.yaml" \
    "$work/k8s" "$work/docker-compose.yml"

  fresh
  sed -i 's/^        n: 12$/        n: 99/' "$work/k8s/config.yaml"
  expect_rejected "a router config copy that drifted" "key router.config.yaml differs" \
    "$work/k8s" "$work/docker-compose.yml"

  fresh
  sed -i '/^apiVersion: policy\/v1$/,$d' "$work/k8s/payment.yaml"
  expect_rejected "a Deployment without its PodDisruptionBudget" \
    "has no PodDisruptionBudget payment" "$work/k8s" "$work/docker-compose.yml"

  fresh
  sed -i '/^  CHAOS_CORS_ORIGIN:/d' "$work/k8s/config.yaml"
  sed -i '/^      CHAOS_CORS_ORIGIN:/d' "$work/docker-compose.yml"
  expect_rejected "a router from_env variable left unset" "does not set CHAOS_CORS_ORIGIN" \
    "$work/k8s" "$work/docker-compose.yml"

  fresh
  sed -i '0,/^    restart: unless-stopped$/s//    restart: unless-stopped\n    restart_policy: always/' \
    "$work/docker-compose.yml"
  expect_rejected "an unknown compose service key" "('restart_policy' was unexpected)" \
    "$work/k8s" "$work/docker-compose.yml"

  echo "self-test passed"
}

install_validators
echo "kubernetes-validate $("$venv/bin/kubernetes-validate" --version), check-jsonschema ${jsonschema_version}; Kubernetes ${k8s_versions// /, }"
if [ "${1:-}" = "--self-test" ]; then
  self_test
else
  dir="${1:-$repo/deploy/k8s}"
  [ -d "$dir" ] || { echo "no such folder: $dir" >&2; exit 2; }
  validate "$dir" "$compose_file"
  echo "manifests valid"
fi
