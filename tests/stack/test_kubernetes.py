"""deploy/kubernetes without a cluster: every overlay renders with `kubectl kustomize` and validates against the
Kubernetes schemas (`kubernetes-validate`, offline), and the rendered objects keep the promises of
docs/deployment.md: probes, non-root, read-only root filesystem, Secrets referenced only, resources from the
measurements, stateless replicas sharing one Redis, the public URL the OAuth metadata needs, the HA objects.
The server starts with every variable a Service can inject (kubelet service links) next to the overlay's own.
"""

from __future__ import annotations

import json
import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml  # type: ignore[import-untyped]  # PyYAML, via openapi-core; no stubs installed

from nextcloud_mcp.auth.metadata import metadata_url
from nextcloud_mcp.config import load_settings
from stack._support import REQUIRE_TOOLS, ROOT, run, tool
from support.processes import ManagedProcess, free_port, http_ready

KUSTOMIZE = ROOT / "deploy" / "kubernetes"
OVERLAYS = ("basic", "oauth", "ha")
OAUTH = ("oauth", "ha")
# The oldest Kubernetes the overlays are written for (kustomize v5: kubectl 1.27) and kubernetes-validate's newest.
KUBERNETES_VERSIONS = ("1.27.0", "1.37.0")
SERVER = "nextcloud-mcp"
SERVER_LABELS = {"app.kubernetes.io/name": "nextcloud-mcp", "app.kubernetes.io/component": "server"}
REDIS_LABELS = {"app.kubernetes.io/name": "nextcloud-mcp", "app.kubernetes.io/component": "redis"}
PERFORMANCE = json.loads((ROOT / "docs" / "performance.json").read_text())
VERSION = tomllib.loads((ROOT / "services" / "mcp" / "pyproject.toml").read_text())["project"]["version"]


def _unavailable(message: str) -> None:
    if REQUIRE_TOOLS:
        pytest.fail(message)
    pytest.skip(message)


@cache
def _kubectl() -> str:
    kubectl = tool("kubectl", "apt-get install kubernetes-client, or any kubectl 1.27 or later")
    out = run([kubectl, "version", "--client", "-o", "json"]).stdout
    kustomize = json.loads(out or "{}").get("kustomizeVersion", "")
    match = re.match(r"v(\d+)\.", kustomize)
    if match is None or int(match[1]) < 5:
        _unavailable(
            f"{kubectl} embeds kustomize {kustomize or 'of unknown version'}; the overlays need v5 (kubectl 1.27+)"
        )
    return kubectl


@cache
def _rendered(overlay: str) -> tuple[str, str]:
    result = run([_kubectl(), "kustomize", str(KUSTOMIZE / "overlays" / overlay)])
    assert result.returncode == 0, result.stderr
    return result.stdout, result.stderr


def _objects(overlay: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(_rendered(overlay)[0]) if doc]


def _one(overlay: str, kind: str, name: str | None = None) -> dict[str, Any]:
    found = [o for o in _objects(overlay) if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    assert len(found) == 1, f"{overlay}: {len(found)} {kind} {name or ''}"
    return found[0]


def _all(overlay: str, kind: str) -> list[dict[str, Any]]:
    return [o for o in _objects(overlay) if o["kind"] == kind]


def _container(overlay: str, deployment: str = SERVER) -> dict[str, Any]:
    containers: list[dict[str, Any]] = _one(overlay, "Deployment", deployment)["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return containers[0]


def _config(overlay: str) -> dict[str, str]:
    """The server's ConfigMap (the one its envFrom names)."""
    (ref,) = [source["configMapRef"]["name"] for source in _container(overlay)["envFrom"]]
    data: dict[str, str] = _one(overlay, "ConfigMap", ref)["data"]
    return data


def _expand(value: str, env: dict[str, str]) -> str:
    """The kubelet's `$(VAR)` expansion of an env value (earlier variables only; `$$` is a literal `$`)."""
    return re.sub(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda m: env.get(m[1], m[0]) if m[1] else "$", value)


def _pod_env(overlay: str, secrets: dict[tuple[str, str], str] | None = None) -> dict[str, str]:
    """The server container's environment as the kubelet builds it: envFrom, then env (secrets from `secrets`)."""
    env = dict(_config(overlay))
    for var in _container(overlay).get("env", []):
        if "value" in var:
            env[var["name"]] = _expand(var["value"], env)
        else:
            ref = var["valueFrom"]["secretKeyRef"]
            env[var["name"]] = (secrets or {}).get((ref["name"], ref["key"]), f"{ref['name']}-{ref['key']}-value")
    return env


def _link_variables(name: str, cluster_ip: str, ports: list[dict[str, Any]]) -> dict[str, str]:
    """What the kubelet injects for a Service (kubernetes/kubernetes pkg/kubelet/envvars/envvars.go: FromServices,
    makeLinkVariables): NAME_SERVICE_HOST, NAME_SERVICE_PORT[_PORTNAME], NAME_PORT=tcp://ip:port, NAME_PORT_<port>_TCP*.
    """
    prefix = name.upper().replace("-", "_")
    env = {f"{prefix}_SERVICE_HOST": cluster_ip, f"{prefix}_SERVICE_PORT": str(ports[0]["port"])}
    for i, port in enumerate(ports):
        protocol = port.get("protocol", "TCP")
        if port.get("name"):
            env[f"{prefix}_SERVICE_PORT_{port['name'].upper().replace('-', '_')}"] = str(port["port"])
        url = f"{protocol.lower()}://{cluster_ip}:{port['port']}"
        if i == 0:
            env[f"{prefix}_PORT"] = url
        base = f"{prefix}_PORT_{port['port']}_{protocol}"
        env.update(
            {
                base: url,
                f"{base}_PROTO": protocol.lower(),
                f"{base}_PORT": str(port["port"]),
                f"{base}_ADDR": cluster_ip,
            }
        )
    return env


# Services a namespace commonly has next to this one; `mcp` gives MCP_PORT=tcp://..., `nextcloud` NEXTCLOUD_PORT=...
NEIGHBOURS = {"mcp": 8000, "nextcloud": 80, "redis": 6379, "nextcloud-mcp-metrics": 9090}


def _service_links(overlay: str) -> dict[str, str]:
    env: dict[str, str] = {}
    services = [(s["metadata"]["name"], s["spec"]["ports"]) for s in _all(overlay, "Service")]
    services += [(name, [{"name": "http", "port": port, "protocol": "TCP"}]) for name, port in NEIGHBOURS.items()]
    for i, (name, ports) in enumerate(services):
        env.update(_link_variables(name, f"10.96.0.{10 + i}", ports))
    return env


# --- rendering and schemas ----------------------------------------------------------------------------


def test_the_three_overlays_and_nothing_else() -> None:
    assert sorted(p.name for p in (KUSTOMIZE / "overlays").iterdir()) == sorted(OVERLAYS)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders_without_warnings(overlay: str) -> None:
    out, err = _rendered(overlay)
    assert out.strip() and not err.strip(), err  # kustomize warns about deprecated fields on stderr


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_rendered_objects_match_the_kubernetes_schemas(overlay: str, version: str, tmp_path: Path) -> None:
    manifest = tmp_path / f"{overlay}.yaml"
    manifest.write_text(_rendered(overlay)[0])
    validate = tool("kubernetes-validate")
    result = run([validate, "--strict", "--quiet", "--kubernetes-version", version, str(manifest)])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_lands_in_the_namespace(overlay: str) -> None:
    """The namespace the docs create; ha's own objects (budget, autoscaler, policies) included."""
    for o in _objects(overlay):
        assert o["metadata"].get("namespace") == "nextcloud-mcp", f"{overlay}: {o['kind']} {o['metadata']['name']}"


# --- every overlay: the pod -----------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_server_pods_run_unprivileged_on_a_read_only_root(overlay: str) -> None:
    pod = _one(overlay, "Deployment", SERVER)["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] == 10001
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False and pod["enableServiceLinks"] is False
    context = _container(overlay)["securityContext"]
    assert context["readOnlyRootFilesystem"] is True and context["allowPrivilegeEscalation"] is False
    assert context["capabilities"] == {"drop": ["ALL"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert set(volumes) == {"tmp"} and "emptyDir" in volumes["tmp"], "no per-pod state beyond a scratch /tmp"
    for deployment in _all(overlay, "Deployment"):
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            assert container["securityContext"]["readOnlyRootFilesystem"] is True, deployment["metadata"]["name"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_probes_use_the_health_endpoints_on_the_served_port(overlay: str) -> None:
    container = _container(overlay)
    (port,) = container["ports"]
    assert port == {"name": "http", "containerPort": int(_config(overlay)["MCP_PORT"]), "protocol": "TCP"}
    probes = {kind: container[kind]["httpGet"] for kind in ("startupProbe", "livenessProbe", "readinessProbe")}
    assert probes["startupProbe"] == probes["livenessProbe"] == {"path": "/health/live", "port": "http"}
    assert probes["readinessProbe"] == {"path": "/health/ready", "port": "http"}
    service = _one(overlay, "Service", SERVER)
    assert service["spec"]["selector"] == SERVER_LABELS
    assert service["spec"]["ports"][0]["targetPort"] == "http"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_resources_follow_the_measured_memory(overlay: str) -> None:
    """docs/performance.md: idle RSS, and the peak while streaming 1 GiB through the file tools."""
    resources = _container(overlay)["resources"]
    mib = {"Mi": 1, "Gi": 1024}
    request = int(resources["requests"]["memory"][:-2]) * mib[resources["requests"]["memory"][-2:]]
    limit = int(resources["limits"]["memory"][:-2]) * mib[resources["limits"]["memory"][-2:]]
    idle = PERFORMANCE["memory"]["idle"]["server_mb"]["max"]
    peak = max(step["peak_mb"] for step in (PERFORMANCE["memory"]["transfer"][k] for k in ("upload", "download")))
    assert idle * 1.25 <= request <= idle * 2.5, f"request {request} Mi for an idle RSS of {idle:.0f} MiB"
    assert limit >= 2 * peak, f"limit {limit} Mi, peak RSS {peak:.0f} MiB"
    assert "cpu" in resources["requests"] and "cpu" not in resources.get("limits", {}), "no CPU throttling"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_secrets_are_referenced_never_written(overlay: str) -> None:
    assert not _all(overlay, "Secret"), "a Secret in the manifests: create it with kubectl instead"
    kustomization = (KUSTOMIZE / "overlays" / overlay / "kustomization.yaml").read_text()
    if overlay == "ha":  # its Secrets are oauth's
        kustomization = (KUSTOMIZE / "overlays" / "oauth" / "kustomization.yaml").read_text()
    for deployment in _all(overlay, "Deployment"):
        for var in deployment["spec"]["template"]["spec"]["containers"][0].get("env", []):
            if "value" in var:
                assert not re.search(r"PASSWORD|SECRET|TOKEN", var["name"]), f"{var['name']} is written, not referenced"
                assert "@" not in var["value"] or "$(" in var["value"], f"{var['name']}: a credential in a URL"
                continue
            ref = var["valueFrom"]["secretKeyRef"]
            documented = re.search(rf"create secret generic {ref['name']}\b[^\n]*(\n#[^\n]*)*", kustomization)
            assert documented and f"--from-literal={ref['key']}=" in documented[0], f"{overlay}: how to create {ref}?"
    assert not set(_config(overlay)) & {"NEXTCLOUD_PASSWORD", "MCP_OIDC_CLIENT_SECRET", "REDIS_URL"}


def test_the_image_tag_is_the_package_version() -> None:
    for overlay in OVERLAYS:
        image = _container(overlay)["image"]
        assert image.rsplit(":", 1)[1] == VERSION, f"{overlay}: {image}, services/mcp/pyproject.toml says {VERSION}"


# --- oauth and ha: replicas, Redis, the public URL ----------------------------------------------------------


@pytest.mark.parametrize("overlay", OAUTH)
def test_replicas_run_stateless_with_one_shared_redis(overlay: str) -> None:
    deployment = _one(overlay, "Deployment", SERVER)
    if overlay == "oauth":
        assert deployment["spec"]["replicas"] >= 2
    else:  # the autoscaler owns the count
        assert "replicas" not in deployment["spec"]
        assert _one(overlay, "HorizontalPodAutoscaler")["spec"]["minReplicas"] >= 2
    settings = load_settings(environ=_pod_env(overlay, {("nextcloud-mcp-redis", "password"): "s3cret"}))
    assert settings.mcp_stateless_http and settings.auth_mode == "oauth" and settings.mcp_transport == "streamable-http"
    # One REDIS_URL in the pod template (so the same for every replica), naming the one Redis Service.
    assert [v["name"] for v in _container(overlay)["env"]].count("REDIS_URL") == 1
    assert settings.redis_url is not None
    url = urlsplit(settings.redis_url.get_secret_value())
    assert url.password == "s3cret"
    services = [s for s in _all(overlay, "Service") if s["spec"]["selector"] == REDIS_LABELS]
    assert [s["metadata"]["name"] for s in services] == [url.hostname]
    assert services[0]["spec"]["ports"][0]["port"] == url.port
    redis = [d for d in _all(overlay, "Deployment") if d["spec"]["selector"]["matchLabels"] == REDIS_LABELS]
    assert len(redis) == 1 and redis[0]["spec"]["replicas"] == 1
    assert _one(overlay, "Service", SERVER)["spec"].get("sessionAffinity", "None") == "None", "no sticky sessions"


@pytest.mark.parametrize("overlay", OAUTH)
def test_public_url_is_the_ingress_and_its_metadata_is_routed(overlay: str) -> None:
    settings = load_settings(environ=_pod_env(overlay))
    public = urlsplit(settings.resource_url)
    ingress = _one(overlay, "Ingress")["spec"]
    (rule,) = ingress["rules"]
    assert public.scheme == "https" and public.hostname == rule["host"]
    assert any(rule["host"] in tls["hosts"] for tls in ingress["tls"])
    assert public.path == settings.mcp_path
    assert rule["host"] in settings.mcp_allowed_hosts, "the Ingress's Host header would be refused"
    metadata_path = urlsplit(metadata_url(settings.resource_url)).path
    routed = {p["path"]: p for p in rule["http"]["paths"]}
    for needed in (settings.mcp_path, metadata_path):
        match = [p for path, p in routed.items() if needed == path or needed.startswith(path.rstrip("/") + "/")]
        assert match, f"{needed} is not routed"
        assert match[0]["backend"]["service"] == {"name": SERVER, "port": {"name": "http"}}
    assert not {"/", "/metrics", "/health"} & set(routed), "only the MCP endpoint and its metadata are public"


def test_ha_budget_autoscaler_and_spread() -> None:
    pdb = _one("ha", "PodDisruptionBudget")["spec"]
    hpa = _one("ha", "HorizontalPodAutoscaler")["spec"]
    assert pdb["selector"]["matchLabels"] == SERVER_LABELS
    assert pdb["maxUnavailable"] < hpa["minReplicas"] < hpa["maxReplicas"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": SERVER}
    spread = _one("ha", "Deployment", SERVER)["spec"]["template"]["spec"]["topologySpreadConstraints"]
    assert {c["topologyKey"] for c in spread} == {"kubernetes.io/hostname", "topology.kubernetes.io/zone"}


def test_ha_network_policy_allows_only_nextcloud_redis_and_dns() -> None:
    policies = {p["metadata"]["name"]: p["spec"] for p in _all("ha", "NetworkPolicy")}
    server = policies[SERVER]
    assert server["podSelector"]["matchLabels"] == SERVER_LABELS
    assert sorted(server["policyTypes"]) == ["Egress", "Ingress"]
    egress = {json.dumps(rule["to"], sort_keys=True): rule["ports"] for rule in server["egress"]}
    dns = [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}]  # fmt: skip
    redis = [{"podSelector": {"matchLabels": REDIS_LABELS}}]
    assert egress.pop(json.dumps(dns, sort_keys=True)) == [
        {"port": 53, "protocol": "UDP"},
        {"port": 53, "protocol": "TCP"},
    ]
    assert egress.pop(json.dumps(redis, sort_keys=True)) == [{"port": 6379, "protocol": "TCP"}]
    ((nextcloud, ports),) = egress.items()  # and nothing else
    assert list(json.loads(nextcloud)[0]) == ["ipBlock"] and ports == [{"port": 443, "protocol": "TCP"}]
    assert [rule["ports"] for rule in server["ingress"]] == [[{"port": "http", "protocol": "TCP"}]]
    redis_policy = policies["nextcloud-mcp-redis"]
    assert redis_policy["podSelector"]["matchLabels"] == REDIS_LABELS and redis_policy["egress"] == []
    assert redis_policy["ingress"] == [{"from": [{"podSelector": {"matchLabels": SERVER_LABELS}}],
                                        "ports": [{"port": 6379, "protocol": "TCP"}]}]  # fmt: skip


# --- start-up with whatever Services inject ------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_service_link_variables_cannot_break_start_up(overlay: str) -> None:
    """With service links on (the default when `enableServiceLinks` is dropped), every Service of the namespace
    adds NAME_SERVICE_HOST, NAME_PORT=tcp://... and more; the pod's own env wins over them (kubelet), and even
    where nothing sets MCP_PORT, a Service named `mcp` (MCP_PORT=tcp://...) is ignored, not a crash."""
    links, pod = _service_links(overlay), _pod_env(overlay)
    assert links["MCP_PORT"].startswith("tcp://") and links["NEXTCLOUD_MCP_PORT"].startswith("tcp://")
    settings = load_settings(environ={**links, **pod})
    assert settings.mcp_port == 8000 and settings.auth_mode == ("basic" if overlay == "basic" else "oauth")
    without_port = {k: v for k, v in pod.items() if k != "MCP_PORT"}
    assert load_settings(environ={**without_port, **links}).mcp_port == 8000


@pytest.mark.e2e
def test_basic_overlay_starts_with_service_links_and_answers_kubelet_probes(tmp_path: Path) -> None:
    """The server process with the basic overlay's environment and every service-link variable, against the
    fake Nextcloud; the probes come with the pod IP as Host, as the kubelet sends them."""
    nc_port, port = free_port(), free_port()
    secrets = {("nextcloud-mcp-basic", "username"): "alice", ("nextcloud-mcp-basic", "password"): "secret"}
    env = {**_service_links("basic"), **_pod_env("basic", secrets)}
    env.update(NEXTCLOUD_HOST=f"http://127.0.0.1:{nc_port}", MCP_HOST="127.0.0.1", MCP_PORT=str(port))
    env["MCP_CACHE_DIR"] = str(tmp_path / "cache")
    fake = ManagedProcess(
        "fake-nextcloud",
        ["fake-nextcloud", "--port", str(nc_port), "--user", "alice:secret"],
        tmp_path,
        ready=http_ready(f"http://127.0.0.1:{nc_port}/status.php"),
    )
    server = ManagedProcess(
        "mcp-k8s", ["nextcloud-mcp-server"], tmp_path, env=env, ready=http_ready(f"http://127.0.0.1:{port}/health/live")
    )
    import httpx2

    with fake, server:
        for path in ("/health/live", "/health/ready"):
            response = httpx2.get(
                f"http://127.0.0.1:{port}{path}", headers={"Host": f"10.244.1.7:{port}"}, trust_env=False
            )
            assert response.status_code == 200, f"{path}: {response.text}\n{server.output()}"
    assert "Traceback" not in server.output()


def test_deployment_guide_covers_apply_scale_rotate_and_probes() -> None:
    text = (ROOT / "docs" / "deployment.md").read_text()
    section = text.split("\n## Kubernetes\n", 1)[1].split("\n## ", 1)[0]
    for overlay in OVERLAYS:
        assert f"`{overlay}`" in section and f"overlays/{overlay}" in section
    secrets = {
        ref["secretKeyRef"]["name"]
        for overlay in OVERLAYS
        for deployment in _all(overlay, "Deployment")
        for var in deployment["spec"]["template"]["spec"]["containers"][0].get("env", [])
        for ref in [var.get("valueFrom", {})]
        if ref
    }
    for name in secrets:
        assert f"create secret generic {name}" in section, f"docs/deployment.md does not create {name}"
    steps = ("kubectl apply -k", "scale deployment/nextcloud-mcp", "rollout restart", "/health/live", "/health/ready")
    for step in steps:
        assert step in section, step
