"""The CLI: build writes reproducible artifacts; bad input stops it with a message and a non-zero exit."""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from fhir_ldn.cli import main, parser
from fhir_ldn.cli_help import ENVIRONMENT_OF
from fhir_ldn.config import ENVIRONMENT, Settings
from fhir_ldn.errors import ExitCode
from tests.conftest import REPO, edit_json

EXPECTED = {
    "package.tgz",
    "bundle-transaction.json",
    "bundle-transaction.xml",
    "bundle-collection.json",
    "bundle-collection.xml",
    "traceability.md",
    "site",
    "r4b",
    "r4",
}
CONVERTED = {
    "package.tgz",
    "bundle-transaction.json",
    "bundle-transaction.xml",
    "bundle-collection.json",
    "bundle-collection.xml",
}


def _env(settings: Settings) -> dict[str, str]:
    return {
        "FHIR_LDN_RESOURCES_DIR": str(settings.resources_dir),
        "FHIR_LDN_PROFILES_DIR": str(settings.profiles_dir),
        "PATH": "/usr/bin:/bin",
    }


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fhir_ldn", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        check=False,
        timeout=120,
    )


def test_build_writes_artifacts_twice_identically(tmp_path: Path) -> None:
    for out in ("a", "b"):
        result = _run("build", "--out", str(tmp_path / out))
        assert result.returncode == 0, result.stderr
    names = {p.name for p in (tmp_path / "a").iterdir()}
    assert names == EXPECTED
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert Path("site/index.html") in files
    for version in ("r4b", "r4"):
        assert {p.name for p in (tmp_path / "a" / version).iterdir()} == CONVERTED
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_build_one_fhir_version(tmp_path: Path) -> None:
    result = _run("build", "--out", str(tmp_path), "--fhir-version", "4.0.1")
    assert result.returncode == 0, result.stderr
    assert {p.name for p in tmp_path.iterdir()} == {"r4"}
    assert {p.name for p in (tmp_path / "r4").iterdir()} == CONVERTED
    assert json.loads((tmp_path / "r4" / "bundle-collection.json").read_bytes())["entry"][0]["resource"]["resourceType"]
    assert "built FHIR 4.0.1 (R4)" in result.stdout


def test_build_malformed_json_exits_nonzero_naming_file(tmp_path: Path, knowledge_copy: Settings) -> None:
    (knowledge_copy.resources_dir / "ValueSet-ssri.json").write_text('{"resourceType": "ValueSet",', encoding="utf-8")
    result = _run("build", "--out", str(tmp_path / "out"), env=_env(knowledge_copy))
    assert result.returncode == ExitCode.PACKAGE
    assert "resources/ValueSet-ssri.json" in result.stderr
    assert "malformed JSON" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_build_broken_reference_exits_nonzero_naming_element(tmp_path: Path, knowledge_copy: Settings) -> None:
    path = knowledge_copy.resources_dir / "PlanDefinition-ldn-ssri-augmentation-protocol.json"
    edit_json(
        path,
        lambda d: d["action"][0]["action"][1].update(
            definitionCanonical="https://fhir-ldn.github.io/fhir/ActivityDefinition/gone"
        ),
    )
    result = _run("build", "--out", str(tmp_path / "out"), env=_env(knowledge_copy))
    assert result.returncode == ExitCode.PACKAGE
    assert "resources/PlanDefinition-ldn-ssri-augmentation-protocol.json" in result.stderr
    assert "PlanDefinition.action[0].action[1].definitionCanonical" in result.stderr


def test_build_with_other_canonical_base(tmp_path: Path) -> None:
    env = {"FHIR_LDN_CANONICAL_BASE": "https://example.org/ldn", "PATH": "/usr/bin:/bin"}
    result = _run("build", "--out", str(tmp_path), env=env)
    assert result.returncode == 0, result.stderr
    bundle = json.loads((tmp_path / "bundle-collection.json").read_text(encoding="utf-8"))
    text = json.dumps(bundle)
    assert "https://fhir-ldn.github.io" not in text
    pd = next(e["resource"] for e in bundle["entry"] if e["resource"]["id"] == "ldn-ssri-cds")
    assert pd["url"] == "https://example.org/ldn/PlanDefinition/ldn-ssri-cds"
    assert "https://example.org/ldn/ValueSet/ssri" in pd["action"][0]["condition"][0]["expression"]["expression"]


def test_traceability_command_matches_docs() -> None:
    result = _run("traceability")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (REPO / "docs" / "traceability.md").read_text(encoding="utf-8")


def test_usage_error_exit_code(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["nonsense"])
    assert exit_info.value.code == ExitCode.USAGE


def _children(pid: int) -> list[int]:
    """Live child processes of `pid` (Linux /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            out.append(int(stat.parent.name))
    return out


def test_serve_with_two_workers_runs_two_processes(tmp_path: Path) -> None:
    """`serve --workers 2`: two worker processes, each with the app; the shared state is in the database
    (tests/server/cds/test_store_processes.py shows two processes sharing it)."""
    from tests.server.live_server import LiveServer

    with LiveServer(tmp_path, "--workers", "2") as server:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            started = {line["pid"] for line in server.log_lines() if line["message"] == "Application startup complete."}
            if len(started) == 2:
                break
            time.sleep(0.1)
        workers = set(_children(server.pid))
        assert started <= workers
        assert len(started) == 2
        assert all(server.get("/health")[0] == 200 for _ in range(10))


def test_serve_refuses_zero_workers() -> None:
    result = _run("serve", "--workers", "0")
    assert result.returncode == ExitCode.USAGE
    assert "--workers" in result.stderr


def test_version_is_the_installed_distribution_version() -> None:
    result = _run("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"fhir-ldn {importlib.metadata.version('fhir-ldn')}\n"


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    actions = [a for a in parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(actions[0].choices)


class _RecordingEnvironment(dict[str, str]):
    """An empty environment that remembers every variable asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self.read.add(str(key))
        return super().__contains__(key)


def test_the_settings_table_names_every_variable_the_settings_read() -> None:
    env = _RecordingEnvironment()
    Settings.from_env(env)
    assert env.read == set(ENVIRONMENT)


def test_the_numeric_defaults_the_help_names_are_the_settings_defaults() -> None:
    defaults = Settings()
    checked = 0
    for name, (default, _) in ENVIRONMENT.items():
        field = name.removeprefix("FHIR_LDN_").lower()
        value = getattr(defaults, field, None)
        if isinstance(value, int | float) and not isinstance(value, bool):
            assert float(default) == value, name
            checked += 1
    assert checked == 10  # every numeric setting


@pytest.mark.parametrize("command", ["build", "traceability", "recognition", "setup", "validate", "serve"])
def test_every_command_help_has_a_description_defaults_exit_codes_and_settings(command: str) -> None:
    sub = _subcommands()[command]
    text = sub.format_help()
    assert len(sub.description or "") > 80, command
    for action in sub._actions:
        if action.option_strings and action.dest != "help":
            assert "default:" in (action.help or ""), (command, action.option_strings)
    codes = text.split("exit codes:\n", 1)[1].split("\n\n", 1)[0]
    assert codes.startswith("  0  ")
    assert "  2  bad arguments" in codes
    read = text.split("environment variables read (all optional):\n", 1)[1]
    names = {line.strip() for line in read.splitlines() if line.startswith("  ") and not line.startswith("    ")}
    assert names == set(ENVIRONMENT_OF[command]), command
    assert read.count("(default:") == len(names)


def test_serve_help_names_every_setting() -> None:
    assert set(ENVIRONMENT) <= set(ENVIRONMENT_OF["serve"])
    result = _run("serve", "--help")
    assert result.returncode == 0
    for name in ENVIRONMENT:
        assert f"\n  {name}\n" in result.stdout


def test_setup_says_what_it_downloads_and_what_the_cache_has(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.core_defs.fake_npm import fake_npm

    cache = fake_npm(tmp_path, monkeypatch)
    monkeypatch.setenv("FHIR_PACKAGE_CACHE", str(cache))
    monkeypatch.setattr("fhir_ldn.core_defs.cache.DEFINITION_PACKAGES", (("x.y", "1.0.0"),))
    monkeypatch.setattr("fhir_ldn.xver.targets.CONVERTED_CORE_PACKAGES", ())
    for expected in ("downloading from the npm registry", "already in the FHIR package cache"):
        with pytest.raises(SystemExit) as exit_info:
            main(["setup"])
        assert exit_info.value.code == ExitCode.OK
        lines = capsys.readouterr().out.splitlines()
        assert lines[0].startswith("x.y#1.0.0: ")
        assert expected in lines[0]
    assert lines == [f"x.y#1.0.0: already in the FHIR package cache ({cache / 'x.y#1.0.0'}), nothing to download"]


@pytest.mark.parametrize(
    ("versions", "examples"),
    [
        ([], [("hl7.fhir.r5.examples", "5.0.0")]),
        (["--fhir-version", "4.0.1"], [("hl7.fhir.r5.examples", "5.0.0"), ("hl7.fhir.r4.examples", "4.0.1")]),
        (["--fhir-version", "4.3.0"], [("hl7.fhir.r5.examples", "5.0.0")]),
    ],
)
def test_setup_examples_follow_the_fhir_versions_asked_for(
    monkeypatch: pytest.MonkeyPatch, versions: list[str], examples: list[tuple[str, str]]
) -> None:
    asked: list[tuple[str, str]] = []

    def record(name: str, version: str, *args: object, **kwargs: object) -> Path:
        asked.append((name, version))
        return Path()

    monkeypatch.setattr("fhir_ldn.core_defs.ensure_package", record)
    monkeypatch.setattr("fhir_ldn.core_defs.cache.ensure_package", record)
    with pytest.raises(SystemExit) as exit_info:
        main(["setup", "--examples", *versions])
    assert exit_info.value.code == ExitCode.OK
    assert [p for p in asked if ".examples" in p[0]] == examples
