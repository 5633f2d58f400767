// When the native module does not load, the error says why and what to do, with a
// stable code. (A missing binary package is covered by tests/packaging, which installs
// the main package alone.)
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const packageDir = fileURLToPath(new URL('..', import.meta.url))

function loadFailure(env) {
  const script = "try { require('./index.js'); console.log('{}') } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message, platform: e.platform })) }"
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: packageDir, env: { ...process.env, ...env }, encoding: 'utf8' }))
}

test('a damaged binary is reported as present but unloadable, with the reason', () => {
  const bad = join(mkdtempSync(join(tmpdir(), 'scalekit-loader-')), 'damaged.node')
  writeFileSync(bad, 'not a shared library')
  const failure = loadFailure({ NAPI_RS_NATIVE_LIBRARY_PATH: bad })
  assert.equal(failure.code, 'native_module_unavailable')
  assert.match(failure.platform, /^[a-z0-9]+-[a-z0-9]+/)
  assert.match(failure.message, new RegExp(`found its native module for ${failure.platform}`))
  assert.ok(failure.message.includes(bad), 'names the file that failed')
  assert.doesNotMatch(failure.message, /npm has a bug/)
})

test('the package loads normally without an override', () => {
  assert.deepEqual(loadFailure({}), {})
})
