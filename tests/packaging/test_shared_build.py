"""The release builds (the wheel, the Node addon, the demo's axum server) resolve every
dependency they share with the same features, so one build of each serves them all.
workspace-hack/ holds the union; `cargo hakari generate` rewrites it when this fails."""

import subprocess

import pytest

BUILDS = ["scalekit-auth-python", "scalekit-auth-node", "scalekit-auth-example-axum"]
HOST = subprocess.run(["rustc", "-vV"], capture_output=True, text=True, check=True).stdout
HOST = next(line.split(": ")[1] for line in HOST.splitlines() if line.startswith("host: "))


def features(package):
    """Package name and version -> the feature sets it is built with for `package`."""
    tree = subprocess.run(
        ["cargo", "tree", "-p", package, "-e", "normal,build", "--target", HOST, "--prefix", "none", "-f", "{p}|{f}"],
        capture_output=True, text=True, check=True,
    ).stdout
    resolved = {}
    for line in tree.splitlines():
        name, _, feats = line.replace(" (*)", "").replace(" (proc-macro)", "").partition("|")
        if "(/" in name:  # a workspace member, by path
            continue
        resolved.setdefault(name.strip(), set()).add(feats)
    return resolved


@pytest.mark.parametrize("other", BUILDS[1:])
def test_shared_dependencies_have_the_same_features(other):
    first, second = features(BUILDS[0]), features(other)
    shared = set(first) & set(second)
    assert len(shared) > 50, "the builds share the core's dependencies"
    differing = {name: (first[name], second[name]) for name in shared if first[name] != second[name]}
    assert not differing, f"run `cargo hakari generate`: {differing}"
