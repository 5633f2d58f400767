"""Finds import circles between the modules of a Rust crate's `src/`.

Every `crate::`, `super::` and `self::` path in a file is resolved to the longest module it
names, giving an edge from the file's module to that one. A module using what its own
ancestors define is not a circle (a folder's files implement the type its `mod.rs`
declares); any other strongly connected set of modules is, and is printed.

    python3 scripts/lib/module_cycles.py core/src bindings-python/src bindings-node/src
"""

import re
import sys
from pathlib import Path

PATH = re.compile(r"\b(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)+)")
USE_GROUP = re.compile(r"\buse\s+(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)*)::\{([^;]*)\};", re.S)


def module_of(src: Path, file: Path) -> tuple[str, ...]:
    parts = list(file.relative_to(src).with_suffix("").parts)
    if parts[-1] in ("mod", "lib", "main"):
        parts.pop()
    return tuple(parts)


def strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return "\n".join(line.split("//", 1)[0] for line in text.splitlines())


def resolve(base: tuple[str, ...], root: str, rest: list[str], modules: set) -> tuple[str, ...]:
    if root == "crate":
        path = []
    elif root == "self":
        path = list(base)
    else:
        path = list(base[:-1])
        while rest and rest[0] == "super":
            rest = rest[1:]
            path = path[:-1]
    best = tuple(path)
    for name in rest:
        path.append(name)
        if tuple(path) in modules:
            best = tuple(path)
    return best


def edges_of(src: Path):
    files = {module_of(src, f): f for f in src.rglob("*.rs")}
    modules = set(files)
    edges = {m: set() for m in modules}
    for module, file in files.items():
        # `tests.rs` beside a file is that file's test module.
        text = strip_comments(file.read_text())
        refs = [(r, p) for r, p in PATH.findall(text)]
        for root, prefix, group in USE_GROUP.findall(text):
            for item in re.split(r"[,\s]+", group):
                item = item.split("{")[0].strip(":")
                if item:
                    refs.append((root, prefix + "::" + item))
        for root, path in refs:
            target = resolve(module, root, [p for p in path.split("::") if p], modules)
            if target != module and target[: len(module)] != module and module[: len(target)] != target:
                edges[module].add(target)
    return edges


def circles(edges):
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(group)

    sys.setrecursionlimit(10_000)
    for v in list(edges):
        if v not in index:
            visit(v)
    return out


def main(dirs):
    found = False
    for d in dirs:
        edges = edges_of(Path(d))
        count = sum(len(e) for e in edges.values())
        groups = circles(edges)
        print(f"{d}: {len(edges)} modules, {count} edges, {len(groups)} circles")
        for group in groups:
            found = True
            print("  circle: " + " <-> ".join("::".join(m) or "crate" for m in sorted(group)))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["core/src"]))
