"""deploy/kubernetes/components/semantic without a cluster: each overlay with the component added as
docs/deployment.md says (`components: [../../components/semantic]` in its kustomization.yaml, in a copy of
deploy/kubernetes) renders with `kubectl kustomize`, validates against the Kubernetes schemas, and keeps the
component's promises: the `-semantic` image, settings the server accepts, the Qdrant API key referenced never
written, an unprivileged Qdrant on a read-only root with its storage on a claim, its probes and Service, network
policies (Qdrant reached by the server only; with ha the server may reach it), and a memory request from the
measured RSS with semantic search on (docs/performance.json, `retrieval.memory_mb`).
"""

from __future__ import annotations

import re
import shutil
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML, via openapi-core; no stubs installed

from nextcloud_mcp.config import Settings, load_settings
from stack._support import ROOT, load_yaml, run, tool
from stack.test_kubernetes import (
    KUBERNETES_VERSIONS,
    KUSTOMIZE,
    NEIGHBOURS,
    OVERLAYS,
    PERFORMANCE,
    SERVER,
    SERVER_LABELS,
    VERSION,
    _expand,
    _kubectl,
    _link_variables,
    _rendered,
)

COMPONENT = KUSTOMIZE / "components" / "semantic"
QDRANT_LABELS = {"app.kubernetes.io/name": "nextcloud-mcp", "app.kubernetes.io/component": "qdrant"}
NAMESPACE = "nextcloud-mcp"
KEY_SECRET = ("nextcloud-mcp-qdrant", "api-key")
MIB = {"Mi": 1, "Gi": 1024}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("semantic")


_RENDERED: dict[str, tuple[str, str]] = {}


@pytest.fixture
def rendered(workdir: Path) -> Any:
    """overlay -> (manifest, stderr) of the overlay with the component added to its kustomization.yaml."""

    def render(overlay: str) -> tuple[str, str]:
        if overlay not in _RENDERED:
            tree = workdir / overlay / "deploy" / "kubernetes"
            shutil.copytree(KUSTOMIZE, tree)
            kustomization = tree / "overlays" / overlay / "kustomization.yaml"
            kustomization.write_text(kustomization.read_text() + "components:\n  - ../../components/semantic\n")
            result = run([_kubectl(), "kustomize", str(kustomization.parent)])
            assert result.returncode == 0, result.stderr
            _RENDERED[overlay] = (result.stdout, result.stderr)
        return _RENDERED[overlay]

    return render


class Rendered:
    def __init__(self, manifest: str) -> None:
        self.objects: list[dict[str, Any]] = [doc for doc in yaml.safe_load_all(manifest) if doc]

    def all(self, kind: str) -> list[dict[str, Any]]:
        return [o for o in self.objects if o["kind"] == kind]

    def one(self, kind: str, name: str) -> dict[str, Any]:
        found = [o for o in self.all(kind) if o["metadata"]["name"] == name]
        assert len(found) == 1, f"{len(found)} {kind} {name}"
        return found[0]

    def pod(self, kind: str, name: str) -> dict[str, Any]:
        spec: dict[str, Any] = self.one(kind, name)["spec"]["template"]["spec"]
        return spec

    def container(self, kind: str, name: str) -> dict[str, Any]:
        (container,) = self.pod(kind, name)["containers"]
        assert isinstance(container, dict)
        return container

    def server_env(self, secrets: dict[tuple[str, str], str]) -> dict[str, str]:
        """The server container's environment as the kubelet builds it (envFrom, then env)."""
        server = self.container("Deployment", SERVER)
        (ref,) = [source["configMapRef"]["name"] for source in server["envFrom"]]
        env = {**next(c for c in self.all("ConfigMap") if c["metadata"]["name"] == ref)["data"]}
        for var in server.get("env", []):
            if "value" in var:
                env[var["name"]] = _expand(var["value"], env)
            else:
                key = var["valueFrom"]["secretKeyRef"]
                env[var["name"]] = secrets.get((key["name"], key["key"]), f"{key['name']}-{key['key']}-value")
        return env


@pytest.fixture(params=OVERLAYS)
def overlay(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def objects(overlay: str, rendered: Any) -> Rendered:
    return Rendered(rendered(overlay)[0])


def _mib(quantity: str) -> int:
    return int(quantity[:-2]) * MIB[quantity[-2:]]


def _semantic_rss() -> tuple[float, float]:
    """The highest RSS and peak RSS the retrieval benchmark measured (after start-up, indexing, the queries)."""
    stages = PERFORMANCE["retrieval"]["memory_mb"].values()
    return max(s["rss"]["max"] for s in stages), max(s["peak"]["max"] for s in stages)


@cache
def _plain(overlay: str) -> Rendered:
    """The overlay as it ships (test_kubernetes.py renders it)."""
    return Rendered(_rendered(overlay)[0])


# --- the component and its rendering ------------------------------------------------------------------------


def test_the_component_is_a_component_outside_the_overlays() -> None:
    kustomization = load_yaml(COMPONENT / "kustomization.yaml")
    assert kustomization["kind"] == "Component"
    assert kustomization["apiVersion"] == "kustomize.config.k8s.io/v1alpha1"
    assert COMPONENT.parent.parent == KUSTOMIZE and not (KUSTOMIZE / "overlays" / "semantic").exists()
    base_image = load_yaml(KUSTOMIZE / "base" / "kustomization.yaml")["images"][0]["newName"]
    assert kustomization["images"] == [{"name": base_image, "newTag": f"{VERSION}-semantic"}]


def test_renders_without_warnings(overlay: str, rendered: Any) -> None:
    out, err = rendered(overlay)
    assert out.strip() and not err.strip(), err


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_rendered_objects_match_the_kubernetes_schemas(
    overlay: str, version: str, rendered: Any, tmp_path: Path
) -> None:
    manifest = tmp_path / f"{overlay}-semantic.yaml"
    manifest.write_text(rendered(overlay)[0])
    validate = tool("kubernetes-validate")
    result = run([validate, "--strict", "--quiet", "--kubernetes-version", version, str(manifest)])
    assert result.returncode == 0, result.stdout + result.stderr


def test_everything_lands_in_the_namespace(objects: Rendered) -> None:
    for o in objects.objects:
        assert o["metadata"].get("namespace") == NAMESPACE, f"{o['kind']} {o['metadata']['name']}"


def test_the_overlay_is_otherwise_unchanged(overlay: str, objects: Rendered) -> None:
    """Only the server Deployment, its ConfigMap and (ha) its NetworkPolicy change; Qdrant's objects are added."""
    plain = {(o["kind"], o["metadata"]["name"]): o for o in _plain(overlay).objects}
    added = {(o["kind"], o["metadata"]["name"]) for o in objects.objects} - set(plain)
    config = [k for k in added if k[0] == "ConfigMap"]
    assert added - set(config) == {("StatefulSet", "qdrant"), ("Service", "qdrant"), ("NetworkPolicy", "qdrant")}
    changed = {("Deployment", SERVER), ("NetworkPolicy", SERVER)}
    for key, before in plain.items():
        if key in changed or key[0] == "ConfigMap":
            continue
        after = objects.one(*key)
        assert after == before, f"{key} changed"


# --- the server -------------------------------------------------------------------------------------------


def test_server_image_is_the_semantic_release(objects: Rendered, overlay: str) -> None:
    image = objects.container("Deployment", SERVER)["image"]
    plain = _plain(overlay).container("Deployment", SERVER)["image"]
    assert image == f"{plain}-semantic" and image.endswith(f":{VERSION}-semantic"), image


def test_server_settings_point_at_the_qdrant_service_with_the_secret_key(objects: Rendered, overlay: str) -> None:
    secrets = {KEY_SECRET: "k3y", ("nextcloud-mcp-redis", "password"): "s3cret"}
    env = objects.server_env(secrets)
    # Whatever Services the namespace has (`qdrant` adds QDRANT_PORT=tcp://...), the pod's own env wins.
    links: dict[str, str] = {}
    services = [(s["metadata"]["name"], s["spec"]["ports"]) for s in objects.all("Service")]
    services += [(name, [{"name": "http", "port": port, "protocol": "TCP"}]) for name, port in NEIGHBOURS.items()]
    for i, (name, ports) in enumerate(services):
        links.update(_link_variables(name, f"10.96.0.{10 + i}", ports))
    assert links["QDRANT_PORT"].startswith("tcp://")
    settings: Settings = load_settings(environ={**links, **env})
    assert settings.mcp_semantic and settings.mcp_semantic_path is None
    assert settings.mcp_semantic_qdrant_api_key is not None
    assert settings.mcp_semantic_qdrant_api_key.get_secret_value() == "k3y"
    url = urlsplit(settings.mcp_semantic_qdrant_url or "")
    service = objects.one("Service", url.hostname or "")
    assert url.scheme == "http" and service["spec"]["ports"][0]["port"] == url.port == 6333
    assert service["spec"]["type"] == "ClusterIP" and service["spec"]["selector"] == QDRANT_LABELS
    labels = objects.one("StatefulSet", "qdrant")["spec"]["template"]["metadata"]["labels"]
    assert QDRANT_LABELS.items() <= labels.items()
    assert settings.auth_mode == ("basic" if overlay == "basic" else "oauth")


def test_memory_follows_the_measured_semantic_rss(objects: Rendered, overlay: str) -> None:
    """docs/performance.md, section 9: the stdio server's RSS with MCP_SEMANTIC=true after start-up, indexing and
    the query sets (same rule as the overlays: request 1.25 to 2.5 times the RSS, limit at least twice the peak);
    the limit also covers a document extraction child at its address-space cap."""
    resources = objects.container("Deployment", SERVER)["resources"]
    request, limit = _mib(resources["requests"]["memory"]), _mib(resources["limits"]["memory"])
    rss, peak = _semantic_rss()
    assert rss * 1.25 <= request <= rss * 2.5, f"request {request} Mi for a semantic RSS of {rss:.0f} MiB"
    assert limit >= 2 * peak, f"limit {limit} Mi, peak RSS {peak:.0f} MiB"
    extract = Settings.model_fields["mcp_extract_memory_mb"].default
    assert limit >= peak + extract, f"limit {limit} Mi: server {peak:.0f} MiB + an extraction of {extract} MiB"
    assert "cpu" in resources["requests"] and "cpu" not in resources.get("limits", {}), "no CPU throttling"
    plain = _plain(overlay).container("Deployment", SERVER)["resources"]
    assert request > _mib(plain["requests"]["memory"]) and limit > _mib(plain["limits"]["memory"])


def test_the_qdrant_key_is_referenced_never_written() -> None:
    text = (COMPONENT / "kustomization.yaml").read_text()
    documented = re.search(rf"create secret generic {KEY_SECRET[0]}\b[^\n]*(\n#[^\n]*)*", text)
    assert documented and f"--from-literal={KEY_SECRET[1]}=" in documented[0], "how to create the Qdrant key?"
    for path in COMPONENT.iterdir():
        assert "kind: Secret" not in path.read_text(), path


def test_secrets_referenced_are_documented(objects: Rendered) -> None:
    assert not objects.all("Secret"), "a Secret in the manifests: create it with kubectl instead"
    refs = set()
    for kind in ("Deployment", "StatefulSet"):
        for workload in objects.all(kind):
            for var in workload["spec"]["template"]["spec"]["containers"][0].get("env", []):
                if "value" in var:
                    assert not re.search(r"PASSWORD|SECRET|TOKEN|API_KEY", var["name"]), f"{var['name']} is written"
                    continue
                ref = var["valueFrom"]["secretKeyRef"]
                refs.add((workload["metadata"]["name"], ref["name"], ref["key"]))
    assert {("nextcloud-mcp", *KEY_SECRET), ("qdrant", *KEY_SECRET)} <= refs, "server and Qdrant share one key"


# --- Qdrant ----------------------------------------------------------------------------------------------------


def test_qdrant_runs_unprivileged_on_a_read_only_root(objects: Rendered) -> None:
    pod = objects.pod("StatefulSet", "qdrant")
    context = pod["securityContext"]
    # The -unprivileged image is built with USER_ID=1000 (qdrant's Dockerfile: user and group 1000 own /qdrant).
    assert context["runAsNonRoot"] is True and context["runAsUser"] == context["runAsGroup"] == 1000
    assert context["fsGroup"] == 1000 and context["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False and pod["enableServiceLinks"] is False
    container = objects.container("StatefulSet", "qdrant")
    compose_image = load_yaml(ROOT / "compose.semantic.yaml")["services"]["qdrant"]["image"]
    assert container["image"] == f"{compose_image}-unprivileged"
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True and security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    writable = {"/qdrant/storage", "/qdrant/snapshots", "/tmp"}  # noqa: S108  # mount paths in the pod
    assert set(mounts) == writable, "everything Qdrant writes is on a volume"
    env = {v["name"]: v.get("value") for v in container["env"]}
    assert env["QDRANT__TELEMETRY_DISABLED"] == "true"
    marker = env["QDRANT_INIT_FILE_PATH"] or ""
    assert any(marker.startswith(path + "/") for path in mounts), "the start-up marker is written to a volume"


def test_qdrant_keeps_its_index_on_a_claim(objects: Rendered) -> None:
    statefulset = objects.one("StatefulSet", "qdrant")["spec"]
    assert statefulset["replicas"] == 1 and statefulset["serviceName"] == "qdrant"
    (claim,) = statefulset["volumeClaimTemplates"]
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"] and claim["spec"]["resources"]["requests"]["storage"]
    mounts = {m["name"]: m["mountPath"] for m in objects.container("StatefulSet", "qdrant")["volumeMounts"]}
    assert mounts[claim["metadata"]["name"]] == "/qdrant/storage"
    volumes = {v["name"] for v in statefulset["template"]["spec"]["volumes"]}
    assert claim["metadata"]["name"] not in volumes


def test_qdrant_probes_ports_and_resources(objects: Rendered) -> None:
    container = objects.container("StatefulSet", "qdrant")
    (port,) = container["ports"]
    assert port == {"name": "http", "containerPort": 6333, "protocol": "TCP"}
    probes = {kind: container[kind]["httpGet"] for kind in ("startupProbe", "livenessProbe", "readinessProbe")}
    assert probes["startupProbe"] == probes["livenessProbe"] == {"path": "/livez", "port": "http"}
    assert probes["readinessProbe"] == {"path": "/readyz", "port": "http"}
    assert objects.one("Service", "qdrant")["spec"]["ports"] == [
        {"name": "http", "port": 6333, "targetPort": "http", "protocol": "TCP"}
    ]
    resources = container["resources"]
    assert {"cpu", "memory"} <= set(resources["requests"]) and set(resources["limits"]) == {"memory"}
    assert _mib(resources["limits"]["memory"]) >= _mib(resources["requests"]["memory"])


# --- network policies ------------------------------------------------------------------------------------------


def test_qdrant_is_reached_by_the_server_only(objects: Rendered) -> None:
    policy = objects.one("NetworkPolicy", "qdrant")["spec"]
    assert policy["podSelector"]["matchLabels"] == QDRANT_LABELS
    assert sorted(policy["policyTypes"]) == ["Egress", "Ingress"] and policy["egress"] == []
    assert policy["ingress"] == [{"from": [{"podSelector": {"matchLabels": SERVER_LABELS}}],
                                  "ports": [{"port": 6333, "protocol": "TCP"}]}]  # fmt: skip


def test_the_server_may_reach_qdrant_where_its_egress_is_limited(objects: Rendered, overlay: str) -> None:
    to_qdrant = {"to": [{"podSelector": {"matchLabels": QDRANT_LABELS}}], "ports": [{"port": 6333, "protocol": "TCP"}]}
    server_policies = [
        p for p in objects.all("NetworkPolicy") if p["spec"]["podSelector"]["matchLabels"] == SERVER_LABELS
    ]
    if overlay != "ha":  # the server's traffic is not limited: the component adds no policy for it
        assert not server_policies
        return
    (policy,) = server_policies
    before = _plain("ha").one("NetworkPolicy", SERVER)["spec"]
    assert policy["spec"]["egress"] == [*before["egress"], to_qdrant]
    assert {**policy["spec"], "egress": before["egress"]} == before, "only the egress rule is added"


# --- docs ------------------------------------------------------------------------------------------------------


def test_the_guides_say_how_to_add_the_component() -> None:
    deployment = (ROOT / "docs" / "deployment.md").read_text().split("\n## Kubernetes\n", 1)[1].split("\n## ", 1)[0]
    for needle in ("components/semantic", "components:", f"create secret generic {KEY_SECRET[0]}",
                   f"--from-literal={KEY_SECRET[1]}=", "-semantic", "kubectl apply -k"):  # fmt: skip
        assert needle in deployment, f"docs/deployment.md, Kubernetes: {needle}"
    semantic = (ROOT / "docs" / "semantic-search.md").read_text()
    hosting = semantic.split("\n## Hosting the index", 1)[1].split("\n## ", 1)[0]
    assert "components/semantic" in hosting and "No Qdrant manifest" not in hosting
