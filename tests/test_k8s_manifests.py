"""deploy/k8s, checked without a cluster (deploy/k8s/README.md, "What was checked here").

Every manifest is validated strictly against the Kubernetes API schemas bundled in
kubernetes-validate (no network), the network policies are read as a reader would (what may the
grader reach?), the Helm values are compared with the one-server configuration
(deploy/jupyterhub_config.py, executed here) and their key names with the chart's, and the hub's
roster code in the values file is run on real and broken rosters.
"""

from __future__ import annotations

import argparse
import copy
import functools
import os
import re
import shlex
import shutil
import socket
import subprocess
import tomllib
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from jupyterhub.traitlets import ByteSpecification
from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"
VALUES = K8S / "values.yaml"
KUBERNETES_VERSION = "1.33"  # deploy/k8s/README.md: the version the manifests are written for
WORKLOADS = ("Deployment", "StatefulSet")
COURSE = "convolutional-models"

# Every key path of values.yaml, each checked against the values.schema.yaml of the jupyterhub
# chart 4.4.0 (README: "What was checked here"). Under the paths in FREE_FORM the chart takes
# any content (traitlets config, environment, services, roles, resources).
CHART_KEYS = {
    "hub.db.type", "hub.db.url", "hub.extraEnv", "hub.extraVolumes", "hub.extraVolumeMounts",
    "hub.resources", "hub.concurrentSpawnLimit", "hub.consecutiveFailureLimit", "hub.config",
    "hub.services", "hub.loadRoles", "hub.extraConfig",
    "singleuser.image.name", "singleuser.image.tag", "singleuser.cmd", "singleuser.defaultUrl",
    "singleuser.memory.limit", "singleuser.memory.guarantee", "singleuser.cpu.limit",
    "singleuser.cpu.guarantee", "singleuser.startTimeout", "singleuser.fsGid",
    "singleuser.allowPrivilegeEscalation", "singleuser.extraEnv", "singleuser.storage.type",
    "singleuser.storage.capacity", "singleuser.storage.homeMountPath",
    "singleuser.storage.dynamic.storageClass", "singleuser.storage.extraVolumes",
    "singleuser.storage.extraVolumeMounts", "singleuser.cloudMetadata.blockWithIptables",
    "singleuser.networkPolicy.enabled", "singleuser.networkPolicy.egressAllowRules.privateIPs",
    "singleuser.networkPolicy.egressAllowRules.nonPrivateIPs",
    "cull.enabled", "cull.timeout", "cull.every", "cull.concurrency", "cull.users",
    "cull.adminUsers", "cull.maxAge",
    "scheduling.userScheduler.enabled", "scheduling.userScheduler.replicas",
    "scheduling.podPriority.enabled", "scheduling.userPlaceholder.enabled",
    "scheduling.userPlaceholder.replicas", "scheduling.corePods.nodeAffinity.matchNodePurpose",
    "scheduling.userPods.nodeAffinity.matchNodePurpose",
    "prePuller.hook.enabled", "prePuller.continuous.enabled",
    "proxy.chp.resources", "proxy.https.enabled", "proxy.https.type", "proxy.https.hosts",
    "proxy.https.letsencrypt.contactEmail",
}
FREE_FORM = {"hub.extraEnv", "hub.extraConfig", "hub.services", "hub.loadRoles", "hub.config",
             "hub.resources", "proxy.chp.resources", "singleuser.extraEnv"}

# the chart's pod labels (legacy labels, jupyterhub chart templates/_helpers.tpl)
HUB = {"app": "jupyterhub", "component": "hub"}
PROXY = {"app": "jupyterhub", "component": "proxy"}
STUDENT_SERVER = {"app": "jupyterhub", "component": "singleuser-server"}
KUBE_DNS = {"k8s-app": "kube-dns"}


def _ours(component: str) -> dict[str, str]:
    return {"app.kubernetes.io/part-of": COURSE, "app.kubernetes.io/component": component}


def _manifest_files() -> list[Path]:
    return sorted(p for p in K8S.glob("*.yaml") if p != VALUES)


@functools.cache
def _parsed(path: Path) -> tuple[dict, ...]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return tuple(d for d in yaml.load_all(path.read_text(), Loader=loader) if d is not None)


def _docs(path: Path) -> list[dict]:
    """The resources of ``path`` (fresh copies: a test may change them)."""
    return copy.deepcopy(list(_parsed(path)))


def _all_docs() -> list[dict]:
    return [d for p in _manifest_files() for d in _docs(p)]


def _kind(kind: str) -> list[dict]:
    return [d for d in _all_docs() if d["kind"] == kind]


def _named(kind: str, name: str) -> dict:
    (found,) = [d for d in _kind(kind) if d["metadata"]["name"] == name]
    return found


def _values() -> dict:
    (values,) = _docs(VALUES)
    return values


def _pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def _containers(workload: dict) -> list[dict]:
    spec = _pod_spec(workload)
    return spec.get("initContainers", []) + spec["containers"]


def _env(container: dict) -> dict[str, dict]:
    return {e["name"]: e for e in container.get("env", [])}


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network use during an offline check")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


# ---- parsing and schema validation ------------------------------------------------------------

def test_every_yaml_in_deploy_k8s_parses_into_resources() -> None:
    files = sorted(K8S.glob("*.yaml"))
    assert VALUES in files and len(files) >= 6
    for path in _manifest_files():
        docs = _docs(path)
        assert docs, f"{path.name} holds no resource"
        for doc in docs:
            assert {"apiVersion", "kind", "metadata"} <= set(doc), f"{path.name}: {doc}"
            if doc["kind"] != "Namespace":
                assert doc["metadata"]["namespace"] == "course", f"{path.name}: {doc['metadata']}"
    assert isinstance(_values(), dict)


@pytest.mark.parametrize("path", _manifest_files(), ids=lambda p: p.name)
def test_every_manifest_validates_strictly_offline(path: Path, no_network: None) -> None:
    for doc in _docs(path):
        # raises ValidationError on an unknown or mistyped field and SchemaNotFoundError on a kind
        # or apiVersion the version does not have (the command line only warns about the latter)
        assert kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True) == KUBERNETES_VERSION


def test_the_strict_validation_catches_a_misspelt_field(no_network: None) -> None:
    worker = _named("Deployment", "dask-worker")
    _pod_spec(worker)["containers"][0]["securityContext"]["procMounts"] = "Unmasked"
    with pytest.raises(kubernetes_validate.ValidationError, match="procMounts"):
        kubernetes_validate.validate(worker, KUBERNETES_VERSION, strict=True)
    grader = _named("Deployment", "grader")  # appArmorProfile appeared in Kubernetes 1.30
    with pytest.raises(kubernetes_validate.ValidationError, match="appArmorProfile"):
        kubernetes_validate.validate(grader, "1.29", strict=True)


def test_values_use_only_keys_the_chart_knows() -> None:
    def paths(node: dict, prefix: str = "") -> list[str]:
        found = []
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else key
            found += paths(value, path) if isinstance(value, dict) and path not in FREE_FORM else [path]
        return found

    unknown = sorted(set(paths(_values())) - CHART_KEYS)
    assert not unknown, f"keys not checked against the chart's values schema: {unknown}"


# ---- the grader: instructor-only, egress denied -------------------------------------------------

def _selects(selector: dict, labels: dict[str, str]) -> bool:
    return selector.get("matchLabels", {}).items() <= labels.items() and not selector.get("matchExpressions")


def _peer_selects(peer: dict, labels: dict[str, str]) -> bool:
    """Whether a rule's peer means the pods with ``labels`` in the same namespace (an ipBlock or
    another namespace's pods never do)."""
    return "podSelector" in peer and "namespaceSelector" not in peer and _selects(peer["podSelector"], labels)


def _policies_for(labels: dict[str, str]) -> list[dict]:
    return [p for p in _kind("NetworkPolicy") if _selects(p["spec"]["podSelector"], labels)]


def _peers(rules: list[dict], side: str) -> list[dict]:
    return [peer for rule in rules for peer in rule.get(side, [])]


def _allowed(policy: dict, direction: str, labels: dict[str, str]) -> set[int]:
    """Ports on which ``policy`` lets pods with ``labels`` (same namespace) in or out."""
    side = "from" if direction == "ingress" else "to"
    ports: set[int] = set()
    for rule in policy["spec"].get(direction, []):
        if any(_peer_selects(peer, labels) for peer in rule[side]):
            ports |= {p["port"] for p in rule["ports"]}
    return ports


@pytest.mark.parametrize("component", ["grader", "dask-worker", "dask-scheduler", "postgres"])
def test_course_pods_have_default_deny_policies_without_open_rules(component: str) -> None:
    labels = _pod_spec_labels(component)
    (policy,) = _policies_for(labels)
    assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}
    for direction, side in (("ingress", "from"), ("egress", "to")):
        for rule in policy["spec"].get(direction, []):
            # a rule without peers or ports, or with an ipBlock, would open far more than it says
            assert rule.get(side) and rule.get("ports"), f"{component} {direction}: {rule}"
            assert all("ipBlock" not in peer for peer in rule[side]), f"{component} {direction}: {rule}"


def _pod_spec_labels(component: str) -> dict[str, str]:
    workloads = [w for kind in WORKLOADS for w in _kind(kind)
                 if w["metadata"]["labels"].get("app.kubernetes.io/component") == component]
    (workload,) = workloads
    return workload["spec"]["template"]["metadata"]["labels"]


def test_the_grader_reaches_only_dns_the_hub_the_gradebook_and_dask() -> None:
    (policy,) = _policies_for(_pod_spec_labels("grader"))
    destinations = _peers(policy["spec"]["egress"], "to")
    assert [d["podSelector"]["matchLabels"] for d in destinations] == [
        KUBE_DNS, HUB, _ours("postgres"), _ours("dask-scheduler"), _ours("dask-worker")]
    (dns,) = [d for d in destinations if "namespaceSelector" in d]
    assert dns["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "kube-system"}
    assert _allowed(policy, "egress", HUB) == {8081}
    assert _allowed(policy, "egress", _ours("postgres")) == {5432}
    assert _allowed(policy, "egress", STUDENT_SERVER) == set()
    assert _allowed(policy, "egress", PROXY) == set()


def test_only_the_proxy_and_hub_reach_the_grader_and_no_student_server_reaches_course_pods() -> None:
    (grader,) = _policies_for(_pod_spec_labels("grader"))
    assert _allowed(grader, "ingress", PROXY) == _allowed(grader, "ingress", HUB) == {8888}
    peers = [peer["podSelector"]["matchLabels"] for peer in _peers(grader["spec"]["ingress"], "from")]
    assert peers == [PROXY, HUB]
    for component in ("grader", "dask-worker", "dask-scheduler", "postgres"):
        (policy,) = _policies_for(_pod_spec_labels(component))
        assert _allowed(policy, "ingress", STUDENT_SERVER) == set(), component
    (postgres,) = _policies_for(_pod_spec_labels("postgres"))
    assert postgres["spec"]["egress"] == []
    assert _allowed(postgres, "ingress", HUB) == _allowed(postgres, "ingress", _ours("grader")) == {5432}
    # and the students' servers themselves may reach no address inside the cluster
    assert _values()["singleuser"]["networkPolicy"]["egressAllowRules"]["privateIPs"] is False


def test_the_formgrader_service_is_for_the_formgrade_role_only() -> None:
    hub = _values()["hub"]
    roles = hub["loadRoles"]
    with_access = {name for name, role in roles.items()
                   if any(s.startswith("access:services") for s in role.get("scopes", []))}
    assert with_access == {f"formgrade-{COURSE}"}
    assert roles[f"formgrade-{COURSE}"]["groups"] == [f"formgrade-{COURSE}"]
    # the service the hub proxies is the grader Service, on its port
    service = _named("Service", "grader")
    port = service["spec"]["ports"][0]["port"]
    assert hub["services"][COURSE]["url"] == f"http://grader.course.svc.cluster.local:{port}"


def test_the_grader_has_the_environment_the_hub_gives_a_service_it_starts() -> None:
    from jupyterhub.services.service import Service

    formgrader = _pod_spec(_named("Deployment", "grader"))["containers"][0]
    env = {name: e.get("value") for name, e in _env(formgrader).items()}
    prefix = f"/services/{COURSE}/"
    assert env["JUPYTERHUB_SERVICE_NAME"] == COURSE
    assert env["JUPYTERHUB_CLIENT_ID"] == Service(name=COURSE).oauth_client_id
    assert env["JUPYTERHUB_SERVICE_PREFIX"] == prefix
    assert env["JUPYTERHUB_OAUTH_CALLBACK_URL"] == prefix + "oauth_callback"
    # the chart's Service `hub`, port 8081
    assert env["JUPYTERHUB_API_URL"] == "http://hub.course.svc.cluster.local:8081/hub/api"
    assert env["JUPYTERHUB_SERVICE_URL"].endswith(f":{_named('Service', 'grader')['spec']['ports'][0]['port']}")
    assert env["JUPYTERHUB_DEFAULT_URL"] == "/formgrader"


# ---- limits and the sandbox's pod settings ------------------------------------------------------

def test_every_container_has_cpu_and_memory_requests_and_limits() -> None:
    for workload in [w for kind in WORKLOADS for w in _kind(kind)]:
        for container in _containers(workload):
            resources = container.get("resources", {})
            for part in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources.get(part, {})), \
                    f"{workload['metadata']['name']}/{container['name']} has no {part}"
            assert ByteSpecification().validate(None, resources["limits"]["memory"].replace("i", "")) >= \
                ByteSpecification().validate(None, resources["requests"]["memory"].replace("i", ""))
        for volume in _pod_spec(workload).get("volumes", []):
            if "emptyDir" in volume:
                assert "sizeLimit" in volume["emptyDir"], f"{workload['metadata']['name']}: {volume}"
    values = _values()
    for section in (values["hub"], values["proxy"]["chp"]):
        assert {"cpu", "memory"} <= set(section["resources"]["limits"])
    single = values["singleuser"]
    assert single["memory"]["guarantee"] and single["memory"]["limit"]
    assert 0 < single["cpu"]["guarantee"] <= single["cpu"]["limit"]


@pytest.mark.parametrize("name", ["dask-worker", "grader"])
def test_sandbox_pods_get_a_user_namespace_and_no_capability(name: str) -> None:
    workload = _named("Deployment", name)
    spec = _pod_spec(workload)
    assert spec["hostUsers"] is False and spec["automountServiceAccountToken"] is False
    main = spec["containers"][0]["securityContext"]
    assert main["procMount"] == "Unmasked"
    assert main["capabilities"] == {"drop": ["ALL"]} and main["allowPrivilegeEscalation"] is False
    pod = spec["securityContext"]
    assert pod["runAsUser"] != 0 and main.get("runAsNonRoot", pod.get("runAsNonRoot")) is True
    for container in _containers(workload):
        assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
        assert container["securityContext"].get("privileged", False) is False


def test_the_worker_refuses_to_join_when_it_cannot_sandbox() -> None:
    command = _pod_spec(_named("Deployment", "dask-worker"))["containers"][0]["command"][-1]
    probe, start = command.split(" && exec ")
    assert "sandbox_problem()" in probe and "sys.exit(1 if problem else 0)" in probe
    assert start.startswith("dask worker tcp://dask-scheduler.course.svc.cluster.local:8786")
    assert "--nthreads 1" in start  # nbgrader changes the working directory while it grades


def test_the_dask_commands_parse_with_the_pinned_distributed() -> None:
    from distributed.cli.dask_scheduler import main as scheduler_cli
    from distributed.cli.dask_worker import main as worker_cli

    worker = _pod_spec(_named("Deployment", "dask-worker"))["containers"][0]["command"][-1]
    args = shlex.split(worker.split(" && exec ")[1])
    assert args[:2] == ["dask", "worker"]
    params = worker_cli.make_context("dask worker", args[2:]).params  # click: unknown options raise
    container = _pod_spec(_named("Deployment", "dask-worker"))["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert (int(params["worker_port"]), int(params["nanny_port"])) == (ports["tcp-worker"], ports["tcp-nanny"])
    assert (params["nthreads"], params["n_workers"], params["dashboard"]) == (1, "1", False)
    scheduler = _pod_spec(_named("Deployment", "dask-scheduler"))["containers"][0]["command"]
    assert scheduler[:2] == ["dask", "scheduler"]
    service = {p["name"]: p["port"] for p in _named("Service", "dask-scheduler")["spec"]["ports"]}
    assert int(scheduler_cli.make_context("dask scheduler", scheduler[2:]).params["port"]) == service["tcp-comm"]


# ---- agreement with the one-server deployment --------------------------------------------------

@pytest.fixture
def one_server(monkeypatch: pytest.MonkeyPatch) -> Config:
    """deploy/jupyterhub_config.py, executed with its own defaults (no COURSE_* variable set)."""
    for name in [n for n in os.environ if n.startswith("COURSE_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("COURSE_SPAWNER", "cgroup")  # the choice that needs no systemd here
    path = ROOT / "deploy" / "jupyterhub_config.py"
    cfg = Config()
    exec(compile(path.read_text(), str(path), "exec"), {"get_config": lambda: cfg, "__file__": str(path)})
    return cfg


def _culler_args(services: list[dict]) -> argparse.Namespace:
    (command,) = [s["command"] for s in services if "jupyterhub_idle_culler" in s.get("command", [])]
    parser = argparse.ArgumentParser()
    parser.add_argument("--timeout", type=int)
    parser.add_argument("--cull-every", type=int)
    return parser.parse_known_args(command[command.index("jupyterhub_idle_culler") + 1:])[0]


def test_limits_and_culler_agree_with_the_one_server_config(one_server: Config) -> None:
    single, cull = _values()["singleuser"], _values()["cull"]
    as_bytes = ByteSpecification().validate
    assert as_bytes(None, single["memory"]["limit"]) == as_bytes(None, one_server.Spawner.mem_limit)
    assert float(single["cpu"]["limit"]) == float(one_server.Spawner.cpu_limit)
    culler = _culler_args(one_server.JupyterHub.services)
    assert cull["enabled"] is True
    assert (cull["timeout"], cull["every"]) == (culler.timeout, culler.cull_every)


def test_roles_and_server_command_agree_with_the_one_server_config(one_server: Config) -> None:
    theirs = {r["name"]: r for r in one_server.JupyterHub.load_roles}
    for name, role in _values()["hub"]["loadRoles"].items():
        assert sorted(role["scopes"]) == sorted(theirs[name]["scopes"]), name
        assert role.get("groups", []) == theirs[name].get("groups", []), name
    single = _values()["singleuser"]
    assert single["defaultUrl"] == one_server.Spawner.default_url
    # the same server command, at the same place in the image as in the one-server install
    shared = "/opt/course/"
    assert [single["cmd"]] == [c.replace(str(Path(c).parents[1]) + "/", shared) for c in one_server.Spawner.cmd]
    assert (ROOT / single["cmd"].removeprefix(shared)).is_file()


# ---- the image ----------------------------------------------------------------------------------

def _student_side() -> set[str]:
    lines = (ROOT / "deploy" / "student-side.txt").read_text().splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def test_the_image_installs_the_course_only_from_pyproject_pins() -> None:
    dockerfile = (K8S / "Dockerfile").read_text()
    # the one-server installer: deploy/student-side.txt's paths, then `make venv`
    assert "RUN /src/deploy/install-student-side.sh /src /opt/course" in dockerfile
    assert re.search(r"^\s*\S*pip3? install", dockerfile, re.M) is None, "the Dockerfile pip-installs by itself"
    recipe = (ROOT / "Makefile").read_text().split("$(STAMP): pyproject.toml", 1)[1].split("\n\n", 1)[0]
    installs = re.findall(r"pip install (.*)", recipe)
    assert installs[-1].split()[-2:] == ["-e", "."], recipe  # the course itself, from pyproject.toml
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert all("==" in d for d in deps)
    # Debian 12's own Python (every uid can run it) is the Python environment.yml names
    assert re.search(r"^ARG BASE=debian:12-slim$", dockerfile, re.M)
    assert "python=3.11" in (ROOT / "environment.yml").read_text()
    # nbgrader's system-wide config for everyone (course id, exchange): the one server's file
    config = re.search(r"install -D -m 644 /opt/course/(\S+) /etc/jupyter/nbgrader_config.py", dockerfile)
    assert config and (ROOT / config[1]).is_file() and config[1].split("/")[0] in _student_side()
    # the final image takes only the installed course and nbgrader's system-wide config
    final = dockerfile.split("\nFROM ${BASE}\n", 1)[1]
    assert re.findall(r"^COPY (.*)$", final, re.M) == [
        "--from=build /opt/course /opt/course", "--from=build /etc/jupyter /etc/jupyter"]


def test_the_build_context_is_the_student_side() -> None:
    lines = (K8S / "Dockerfile.dockerignore").read_text().splitlines()
    rules = [line for line in lines if line and not line.startswith("#")]
    assert rules[0] == "*"
    allowed = {line[1:] for line in rules if line.startswith("!")}
    # deploy/ carries install-student-side.sh and student-side.txt itself
    assert allowed == _student_side() | {"deploy"}
    assert not allowed & {"solutions", "tests", "benchmarks", ".grader", "gradebook.db", "submitted"}


def test_the_build_stage_played_here_makes_every_path_the_image_uses(tmp_path: Path) -> None:
    """The Dockerfile's build stage without Docker: the context its .dockerignore lets through, then
    deploy/install-student-side.sh (SKIP_VENV=1: no venv). Every /opt/course path the Dockerfile
    and the values use must be there, and nothing of the instructor side."""
    context, dest = tmp_path / "context", tmp_path / "opt-course"
    lines = (K8S / "Dockerfile.dockerignore").read_text().splitlines()
    skip = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", "*.egg-info")
    for name in [line[1:] for line in lines if line.startswith("!")]:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, context / name, ignore=skip)
        elif source.is_file():
            (context / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, context / name)
    installer = context / "deploy" / "install-student-side.sh"
    subprocess.run(["bash", str(installer), str(context), str(dest)], check=True, capture_output=True,
                   env={**os.environ, "SKIP_VENV": "1"}, timeout=60)
    dockerfile = (K8S / "Dockerfile").read_text()
    used = set(re.findall(r"/opt/course/([\w./-]+\.\w+)", dockerfile))
    used.add(_values()["singleuser"]["cmd"].removeprefix("/opt/course/"))
    assert used >= {"deploy/start-singleuser.sh", "deploy/etc-jupyter/nbgrader_config.py"}
    for path in sorted(used):
        assert (dest / path).is_file(), f"the image would lack /opt/course/{path}"
    installed = {p.name for p in dest.iterdir()}
    assert installed == _student_side() and not installed & {"solutions", "tests", "benchmarks", ".grader"}


def test_every_course_pod_runs_the_course_image() -> None:
    image = _values()["singleuser"]["image"]["name"]
    for workload in [w for kind in WORKLOADS for w in _kind(kind)]:
        for container in _containers(workload):
            if workload["metadata"]["name"] != "postgres":
                assert container["image"].rsplit(":", 1)[0] == image, container["name"]


# ---- references between the files --------------------------------------------------------------

def test_volumes_secrets_and_addresses_refer_to_what_the_manifests_define() -> None:
    claims = {d["metadata"]["name"] for d in _kind("PersistentVolumeClaim")}
    config_maps = {d["metadata"]["name"] for d in _kind("ConfigMap")}
    single = _values()["singleuser"]
    pod_volumes = [v for w in _kind("Deployment") for v in _pod_spec(w).get("volumes", [])]
    for volume in pod_volumes + single["storage"]["extraVolumes"] + _values()["hub"]["extraVolumes"]:
        if "persistentVolumeClaim" in volume:
            assert volume["persistentVolumeClaim"]["claimName"] in claims
        if "configMap" in volume:
            assert volume["configMap"]["name"] in config_maps
    exchange = {m["mountPath"] for m in single["storage"]["extraVolumeMounts"] if m["name"] == "nbgrader-exchange"}
    assert exchange == {single["extraEnv"]["COURSE_EXCHANGE_ROOT"]} == {"/srv/nbgrader/exchange"}
    grader = _env(_pod_spec(_named("Deployment", "grader"))["containers"][0])
    token = grader["JUPYTERHUB_API_TOKEN"]["valueFrom"]["secretKeyRef"]
    assert token == {"name": "hub", "key": f"hub.services.{COURSE}.apiToken"}
    assert COURSE in _values()["hub"]["services"]
    scheduler = _named("Service", "dask-scheduler")["spec"]["ports"][0]["port"]
    assert grader["COURSE_DASK_SCHEDULER"]["value"] == f"tcp://dask-scheduler.course.svc.cluster.local:{scheduler}"
    postgres = f"postgres.course.svc.cluster.local:{_named('Service', 'postgres')['spec']['ports'][0]['port']}"
    assert f"@{postgres}/gradebook" in grader["COURSE_GRADEBOOK_URL"]["value"]
    assert f"@{postgres}/jupyterhub" in _values()["hub"]["db"]["url"]
    init = _named("ConfigMap", "postgres-init")["data"]["10-course.sh"]
    assert "CREATE DATABASE jupyterhub OWNER hub" in init and "CREATE DATABASE gradebook OWNER grader" in init


# ---- the hub's roster code (values.yaml hub.extraConfig.course), run for real -------------------

class _Spawner:
    def __init__(self, name: str) -> None:
        self.user = type("User", (), {"name": name})()


def _roster_example() -> dict[str, str]:
    return _named("ConfigMap", "course-roster")["data"]


def _hub_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, passwd: str, group: str) -> Config:
    (tmp_path / "passwd").write_text(passwd)
    (tmp_path / "group").write_text(group)
    monkeypatch.setenv("COURSE_ROSTER_DIR", str(tmp_path))
    monkeypatch.delenv("COURSE_ID", raising=False)
    monkeypatch.delenv("COURSE_GRADER_USER", raising=False)
    cfg = Config()
    exec(compile(_values()["hub"]["extraConfig"]["course"], "hub.extraConfig.course", "exec"), {"c": cfg})
    return cfg


def test_the_roster_gives_logins_instructors_groups_and_each_user_their_uid(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    roster = _roster_example()
    cfg = _hub_config(tmp_path, monkeypatch, roster["passwd"], roster["group"])
    assert cfg.Authenticator.allowed_users == {"prof", "alice", "bob"}
    assert cfg.Authenticator.admin_users == {"prof"}
    assert cfg.JupyterHub.load_groups == {
        f"formgrade-{COURSE}": {"users": [f"grader-{COURSE}", "prof"]},
        f"nbgrader-{COURSE}": {"users": ["alice", "bob"]},
    }
    assert (cfg.KubeSpawner.uid(_Spawner("alice")), cfg.KubeSpawner.gid(_Spawner("alice"))) == (20001, 20001)
    assert cfg.KubeSpawner.uid(_Spawner("bob")) == 20002
    with pytest.raises(ValueError, match="mallory has no line in the course roster"):
        cfg.KubeSpawner.uid(_Spawner("mallory"))
    # the grader pod runs as the roster's grader account
    grader = _pod_spec(_named("Deployment", "grader"))["securityContext"]
    assert grader["runAsUser"] == 10000 == int(roster["passwd"].split(f"grader-{COURSE}:x:")[1].split(":")[0])


@pytest.mark.parametrize("passwd, group, error", [
    ("alice:x:20001:20001::/home/jovyan:/bin/bash\nbob:x:20001:20002::/home/jovyan:/bin/bash\n",
     "", r"passwd:2: uid 20001 is both alice's and bob's"),
    ("alice:x:1000:1000::/home/jovyan:/bin/bash\n", "",
     r"passwd:1: alice's uid and gid must be whole numbers >= 10000"),
    ("alice:x:20001:20001::/home/jovyan\n", "", r"passwd:1: expected 7 fields"),
    ("Alice Smith:x:20001:20001::/home/jovyan:/bin/bash\n", "", r"'Alice Smith' is not a valid user name"),
    ("alice:x:20001:20001::/home/jovyan:/bin/bash\n", f"nbgrader-{COURSE}:x:10101:alice,carol\n",
     r"group:1: carol in group nbgrader-convolutional-models have no line in"),
    ("alice:x:20001:20001::/home/jovyan:/bin/bash\n", "", r"no passwd line for the grader account"),
])
def test_a_broken_roster_stops_the_hub_naming_the_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, passwd: str, group: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        _hub_config(tmp_path, monkeypatch, passwd, group)


def test_a_missing_roster_says_which_configmap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COURSE_ROSTER_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="ConfigMap course-roster"):
        exec(compile(_values()["hub"]["extraConfig"]["course"], "extraConfig", "exec"), {"c": Config()})


# ---- PostgreSQL's first-start script, run on a real (throw-away) server ------------------------

def test_the_postgres_init_script_makes_both_databases_for_their_owners_only(tmp_path: Path) -> None:
    import psycopg2
    from deploy_helpers import PostgresServer

    script = tmp_path / "10-course.sh"
    script.write_text(_named("ConfigMap", "postgres-init")["data"]["10-course.sh"])
    with PostgresServer() as server:
        env = {**os.environ, "PATH": f"{server.bindir}:{os.environ['PATH']}", "PGHOST": "127.0.0.1",
               "PGPORT": str(server.port), "POSTGRES_USER": server.superuser,
               "HUB_PASSWORD": "hub-pw'; DROP ROLE x; --", "GRADER_PASSWORD": "grader pw"}
        subprocess.run(["sh", str(script)], env=env, check=True, capture_output=True, timeout=60)
        conn = psycopg2.connect(server.url("postgres"))
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT datname, pg_get_userbyid(datdba) FROM pg_database "
                            "WHERE datname IN ('jupyterhub', 'gradebook') ORDER BY datname")
                assert cur.fetchall() == [("gradebook", "grader"), ("jupyterhub", "hub")]
                cur.execute("SELECT rolname FROM pg_authid WHERE rolcanlogin AND rolpassword IS NOT NULL "
                            "ORDER BY rolname")
                assert cur.fetchall() == [("grader",), ("hub",)]
                cur.execute("SELECT has_database_privilege('hub', 'gradebook', 'CONNECT'), "
                            "has_database_privilege('grader', 'jupyterhub', 'CONNECT'), "
                            "has_database_privilege('grader', 'gradebook', 'CONNECT')")
                assert cur.fetchone() == (False, False, True)
        finally:
            conn.close()


# ---- why the sandbox pods need procMount: Unmasked ---------------------------------------------

# folders container runtimes hide under a read-only tmpfs (their default "masked paths")
MASKED_BY_RUNTIMES = ("/proc/acpi", "/proc/scsi", "/proc/asound")


def _fresh_proc_as_nobody(mask: str | None) -> subprocess.CompletedProcess:
    """bubblewrap's non-root path (as the workers take it) mounting a fresh /proc, in a private
    mount namespace where ``mask`` is hidden the way a container runtime hides it."""
    hide = f"mount -t tmpfs -o ro,size=0 tmpfs {mask} && " if mask else ""
    bwrap = ("bwrap --unshare-user --disable-userns --unshare-pid --proc /proc --dev /dev "
             "--ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib --symlink usr/lib64 /lib64 "
             "--cap-drop ALL true")
    script = f"mount --make-rprivate / && {hide}exec runuser -u nobody -- {bwrap}"
    return subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=30)


def test_a_masked_proc_stops_the_sandbox_which_is_why_its_pods_unmask_it() -> None:
    assert os.geteuid() == 0, "needs root (a private mount namespace), as the suite runs"
    assert shutil.which("bwrap"), "bubblewrap is not installed (.ci/system-deps installs it)"
    mask = next((path for path in MASKED_BY_RUNTIMES if os.path.isdir(path)), None)
    assert mask, f"none of {MASKED_BY_RUNTIMES} exists here to hide"
    unmasked = _fresh_proc_as_nobody(None)
    assert unmasked.returncode == 0, unmasked.stderr
    masked = _fresh_proc_as_nobody(mask)
    assert masked.returncode != 0 and "Can't mount proc" in masked.stderr, masked.stderr
    for name in ("dask-worker", "grader"):
        assert _pod_spec(_named("Deployment", name))["containers"][0]["securityContext"]["procMount"] == "Unmasked"
