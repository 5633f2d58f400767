// Points the JavaScript examples at the packages in dist/, as `npm install scalekit-auth`
// would install them from the registry: package.json asks for `^VERSION`, and the lockfile
// resolves the main package and its per-platform binary packages to the tarballs that
// scripts/package.sh writes. No integrity is recorded, so a rebuilt tarball installs as
// is. Run after a version bump or a change of napi targets:
//
//   node scripts/lib/lock-examples.mjs examples/express examples/nextjs examples/mcp-node
import { readFileSync, writeFileSync } from 'node:fs';
import { platformDir } from './napi-platforms.mjs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'bindings-node/package.json'), 'utf8'));
const platforms = pkg.napi.targets.map(platformDir);

for (const example of process.argv.slice(2)) {
  const dir = join(root, example);
  const tarball = (name) => `file:${relative(dir, join(root, 'dist', `${name}-${pkg.version}.tgz`)).split(sep).join('/')}`;
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  manifest.dependencies['scalekit-auth'] = `^${pkg.version}`;
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);

  const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));
  for (const key of Object.keys(lock.packages)) {
    // The entries of an earlier `file:` link to the source directory.
    if (key.startsWith('../') || /^node_modules\/scalekit-auth(-|$)/.test(key)) delete lock.packages[key];
  }
  lock.packages[''].dependencies['scalekit-auth'] = `^${pkg.version}`;
  const optional = {};
  for (const platform of platforms) {
    const sub = JSON.parse(readFileSync(join(root, 'bindings-node/npm', platform, 'package.json'), 'utf8'));
    optional[sub.name] = pkg.version;
    lock.packages[`node_modules/${sub.name}`] = {
      version: pkg.version,
      resolved: tarball(sub.name),
      license: sub.license,
      optional: true,
      os: sub.os,
      cpu: sub.cpu,
      ...(sub.libc ? { libc: sub.libc } : {}),
      engines: sub.engines,
    };
  }
  lock.packages['node_modules/scalekit-auth'] = {
    version: pkg.version,
    resolved: tarball('scalekit-auth'),
    license: pkg.license,
    engines: pkg.engines,
    optionalDependencies: optional,
    peerDependencies: pkg.peerDependencies,
    peerDependenciesMeta: pkg.peerDependenciesMeta,
  };
  lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)));
  writeFileSync(join(dir, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  console.log(`${example}: scalekit-auth ^${pkg.version} from dist/`);
}
