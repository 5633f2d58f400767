"""The release workflow's structure, and the npm platform packages it publishes."""

import json
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = yaml.safe_load((ROOT / ".github/workflows/release.yml").read_text())
JOBS = WORKFLOW["jobs"]
NODE = ROOT / "bindings-node"
NODE_PACKAGE = json.loads((NODE / "package.json").read_text())

BUILD_JOBS = {"wheels", "sdist", "napi", "crate"}
# Text in a step that publishes somewhere.
PUBLISHERS = ("pypi-publish", "npm publish", "cargo publish")


def steps(job):
    return JOBS[job].get("steps", [])


def step_text(step):
    return f"{step.get('uses', '')} {step.get('run', '')}"


def matrix(job):
    return JOBS[job]["strategy"]["matrix"]["include"]


def test_triggers_on_version_tags_and_by_hand():
    triggers = WORKFLOW.get("on", WORKFLOW.get(True))  # PyYAML reads `on` as True
    assert triggers["push"]["tags"] == ["v*"]
    assert "workflow_dispatch" in triggers
    assert WORKFLOW["permissions"] == {"contents": "read"}


def test_publish_waits_for_the_tests_and_every_build():
    needs = set(JOBS["publish"]["needs"])
    assert {"test"} | BUILD_JOBS <= needs
    assert set(JOBS) - {"publish"} <= needs, "a job publish does not wait for"


def test_publish_runs_only_for_version_tags():
    assert "refs/tags/v" in JOBS["publish"]["if"]
    assert JOBS["publish"]["environment"] == "release"
    assert JOBS["publish"]["permissions"]["id-token"] == "write"


@pytest.mark.parametrize("publisher", PUBLISHERS)
def test_publishing_happens_only_in_publish(publisher):
    where = {job for job in JOBS for step in steps(job) if publisher in step_text(step)}
    assert where == {"publish"}


def test_test_job_runs_the_whole_suite():
    assert any(step.get("run", "").strip() == "./scripts/test.sh" for step in steps("test"))


def test_wheels_cover_every_platform():
    covered = set()
    for entry in matrix("wheels"):
        system = next(s for s in ("ubuntu", "macos", "windows") if entry["os"].startswith(s))
        arch = "aarch64" if "aarch64" in entry["target"] or "arm64" in entry["target"] else "x86_64"
        libc = "musl" if "musllinux" in entry["manylinux"] else "gnu" if system == "ubuntu" else ""
        covered.add((system, libc, arch))
    assert covered >= {
        ("ubuntu", "gnu", "x86_64"), ("ubuntu", "gnu", "aarch64"),
        ("ubuntu", "musl", "x86_64"), ("ubuntu", "musl", "aarch64"),
        ("macos", "", "x86_64"), ("macos", "", "aarch64"),
        ("windows", "", "x86_64"),
    }
    artifact = next(s for s in steps("wheels") if "upload-artifact" in s.get("uses", ""))
    assert "matrix" in artifact["with"]["name"], "matrix entries would overwrite one artifact"


def test_napi_builds_exactly_the_package_targets():
    targets = [entry["target"] for entry in matrix("napi")]
    assert len(targets) == len(set(targets))
    assert set(targets) == set(NODE_PACKAGE["napi"]["targets"])
    build = next(s["run"] for s in steps("napi") if "napi build" in s.get("run", ""))
    assert "--target ${{ matrix.target }}" in build


def test_every_action_is_pinned():
    for job in JOBS:
        for step in steps(job):
            if "uses" in step:
                _, _, ref = step["uses"].partition("@")
                assert ref and ref not in {"main", "master", "HEAD", "latest"}, step["uses"]


def platform_packages():
    npm = NODE / "npm"
    assert npm.is_dir(), "bindings-node/npm/ is missing (npx napi create-npm-dirs)"
    return sorted(npm.glob("*/package.json"))


def test_platform_packages_are_complete():
    packages = platform_packages()
    assert len(packages) == len(NODE_PACKAGE["napi"]["targets"])
    for path in packages:
        package = json.loads(path.read_text())
        assert package["os"] and package["cpu"], path
        assert package["main"].endswith(".node"), path


def test_main_package_depends_on_each_platform_package(tmp_path):
    # Added when the package is staged for packing, as napi pre-publish does on release.
    stage = tmp_path / "scalekit-auth"
    subprocess.run(["node", str(ROOT / "scripts/lib/stage-npm-package.mjs"), str(NODE), str(stage)], check=True)
    optional = json.loads((stage / "package.json").read_text())["optionalDependencies"]
    assert len(optional) == len(NODE_PACKAGE["napi"]["targets"])
    for path in platform_packages():
        package = json.loads(path.read_text())
        assert package["version"] == NODE_PACKAGE["version"], path
        assert optional.get(package["name"]) == NODE_PACKAGE["version"], package["name"]


@pytest.mark.parametrize("package", ["core", "bindings-python", "bindings-node"])
def test_every_package_carries_both_licenses(package):
    for name in ("LICENSE-MIT", "LICENSE-APACHE"):
        assert (ROOT / package / name).read_text() == (ROOT / name).read_text(), f"{package}/{name}"


def test_npm_publishes_the_main_package_as_the_tests_install_it():
    # tests/packaging installs the tarball scripts/package.sh stages; the release publishes the same layout.
    publish_steps = " ".join(step_text(step) for step in steps("publish"))
    assert "stage-npm-package.mjs" in publish_steps
    assert "npm view" in publish_steps, "a re-run skips what is already published"


def test_published_binaries_use_the_dist_profile():
    # Thin LTO (Cargo.toml's [profile.dist]) only for what is published.
    assert "--profile dist" in " ".join(step_text(s) for s in steps("napi"))
    wheel_args = [s.get("with", {}).get("args", "") for s in steps("wheels") if "maturin-action" in s.get("uses", "")]
    assert wheel_args and all("--profile dist" in args for args in wheel_args)
