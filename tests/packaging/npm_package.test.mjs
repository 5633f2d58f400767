// The npm tarballs from dist/, installed in a fresh project on a machine without Rust
// (run.sh installs them into SCALEKIT_PACKAGING_APP, the main package alone into
// SCALEKIT_PACKAGING_MAIN_ONLY).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

const app = process.env.SCALEKIT_PACKAGING_APP;
const mainOnly = process.env.SCALEKIT_PACKAGING_MAIN_ONLY;
const requireFromApp = createRequire(join(app, 'package.json'));
const importFromApp = (specifier) => import(pathToFileURL(requireFromApp.resolve(specifier)).href);
const idp = process.env.SCALEKIT_E2E_IDP_URL;

test('the package and its binary come from the project node_modules', () => {
  const main = requireFromApp.resolve('scalekit-auth');
  assert.equal(main, join(app, 'node_modules/scalekit-auth/index.js'));
  assert.deepEqual(readdirSync(dirname(main)).filter((f) => f.endsWith('.node')), [], 'the main package ships no binary');
  const platform = readdirSync(join(app, 'node_modules')).filter((d) => d.startsWith('scalekit-auth-'));
  assert.equal(platform.length, 1, `one binary package: ${platform}`);
  const binary = readdirSync(join(app, 'node_modules', platform[0])).filter((f) => f.endsWith('.node'));
  assert.equal(binary.length, 1);
});

test('every entry point loads with require and import', async () => {
  for (const entry of ['scalekit-auth', 'scalekit-auth/express', 'scalekit-auth/web', 'scalekit-auth/next', 'scalekit-auth/testing', 'scalekit-auth/mcp']) {
    const cjs = requireFromApp(entry);
    const esm = await import(pathToFileURL(requireFromApp.resolve(entry)).href.replace(/\.js$/, '.mjs'));
    assert.ok(Object.keys(cjs).length > 0, `${entry} (require) exports something`);
    for (const name of Object.keys(esm).filter((n) => n !== 'default')) {
      assert.equal(esm[name], cjs[name], `${entry}: ${name} is the same object from import and require`);
    }
  }
  const { ScalekitAuth } = await importFromApp('scalekit-auth');
  assert.equal(typeof ScalekitAuth.fromEnv, 'function');
  const { createScalekitExpress } = requireFromApp('scalekit-auth/express');
  const { createScalekitNext } = requireFromApp('scalekit-auth/next');
  assert.equal(typeof createScalekitExpress, 'function');
  assert.equal(typeof createScalekitNext, 'function');
});

test('npx scalekit-auth runs the command line from the installed package', () => {
  const version = execFileSync('npx', ['--no-install', 'scalekit-auth', '--version'], { cwd: app, encoding: 'utf8' });
  const pkg = JSON.parse(readFileSync(join(app, 'node_modules/scalekit-auth/package.json'), 'utf8'));
  assert.equal(version.trim(), `scalekit-auth ${pkg.version}`);
});

test('validates a token from the local provider', async () => {
  const { ScalekitAuth, TokenError } = requireFromApp('scalekit-auth');
  const auth = new ScalekitAuth({
    environmentUrl: idp, clientId: process.env.SCALEKIT_CLIENT_ID, clientSecret: process.env.SCALEKIT_CLIENT_SECRET,
  });
  const token = await auth.getClientAccessToken();
  const claims = await auth.validateAccessToken(token);
  assert.equal(claims.iss, idp);
  assert.equal(claims.client_id, process.env.SCALEKIT_CLIENT_ID);
  await assert.rejects(auth.validateAccessToken(`${token.slice(0, -4)}AAAA`), (error) =>
    error instanceof TokenError && error.code === 'token_signature_invalid');
});

test('without its binary package the main package names the one to install', () => {
  assert.ok(existsSync(join(mainOnly, 'node_modules/scalekit-auth/index.js')));
  const script = "try { require('scalekit-auth'); console.log('{}') } catch (e) { console.log(JSON.stringify({ message: e.message, code: e.code, cause: String(e.cause) })) }";
  const failure = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: mainOnly, encoding: 'utf8' }));
  assert.equal(failure.code, 'native_module_unavailable');
  const platform = `${process.platform}-${process.arch}`;
  assert.match(failure.message, new RegExp(`native module for ${platform}`));
  assert.match(failure.message, new RegExp(`npm install scalekit-auth-${platform}[a-z0-9-]*@\\d+\\.\\d+\\.\\d+`));
  assert.doesNotMatch(failure.message, /npm has a bug/);
  assert.match(failure.cause, /Cannot find native binding/, 'the loader\'s own error stays the cause');
});
