// Lays out the main npm package for `npm pack` the way `napi pre-publish` does: the files
// of bindings-node's "files" list, and a package.json naming one binary package per
// napi target in optionalDependencies (at the package's own version). The repository's
// package.json leaves them out so that `npm ci` works before they are published.
//
//   node scripts/lib/stage-npm-package.mjs bindings-node target/npm-stage/scalekit-auth
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { platformDir } from './napi-platforms.mjs';
import { dirname, join } from 'node:path';

const [source, out] = process.argv.slice(2);
if (!source || !out) throw new Error('usage: stage-npm-package.mjs SOURCE_DIR OUT_DIR');
const pkg = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8'));

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const file of [...pkg.files, 'README.md']) {
  if (!existsSync(join(source, file))) throw new Error(`"files" names ${file}, which is not in ${source}`);
  mkdirSync(dirname(join(out, file)), { recursive: true });
  cpSync(join(source, file), join(out, file), { recursive: true });
}

const optional = {};
for (const target of pkg.napi.targets) {
  const platform = JSON.parse(readFileSync(join(source, 'npm', platformDir(target), 'package.json'), 'utf8'));
  if (platform.version !== pkg.version) {
    throw new Error(`${platform.name} is at ${platform.version}, the package at ${pkg.version}: run npx napi version`);
  }
  optional[platform.name] = pkg.version;
}
// Development-only fields stay behind.
const { devDependencies: _dev, scripts: _scripts, ...published } = pkg;
writeFileSync(join(out, 'package.json'), `${JSON.stringify({ ...published, optionalDependencies: optional }, null, 2)}\n`);
