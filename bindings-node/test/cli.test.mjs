// `npx scalekit-auth` (bin/scalekit-auth.js) runs the project's command line, the Rust
// code of the binary: the same checks, output and exit codes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const BIN = fileURLToPath(new URL('../bin/scalekit-auth.js', import.meta.url))
const GOOD = {
  SCALEKIT_ENVIRONMENT_URL: 'https://acme.scalekit.dev',
  SCALEKIT_CLIENT_ID: 'skc_12345',
  SCALEKIT_CLIENT_SECRET: 'test_secret_value_123',
  SCALEKIT_REDIRECT_URI: 'https://app.example.com/auth/callback',
  SCALEKIT_POST_LOGOUT_REDIRECT_URI: 'https://app.example.com/',
  SCALEKIT_SESSION_SECRET: 'k3J9vQ2mZx7LpR4tW8yB1nC6hF0dG5sAeU',
}

function run(args, env = {}) {
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'scalekit-cli-'))
  try {
    writeFileSync(path.join(cwd, '.env'), Object.entries(GOOD).map(([k, v]) => `${k}=${v}\n`).join(''))
    return spawnSync(process.execPath, [BIN, ...args], { cwd, env: { PATH: process.env.PATH, ...env }, encoding: 'utf8', timeout: 60_000 })
  } finally {
    rmSync(cwd, { recursive: true, force: true })
  }
}

test('npx scalekit-auth check-env reads .env and reports as the binary does', () => {
  const out = run(['check-env', '--json'])
  assert.equal(out.status, 0, out.stdout + out.stderr)
  const report = JSON.parse(out.stdout)
  assert.equal(report.command, 'check-env')
  assert.equal(report.ok, true)
  const bad = run(['check-env'], { SCALEKIT_SESSION_SECRET: 'changeme' })
  assert.equal(bad.status, 1)
  assert.match(bad.stdout, /✗ session_secret/)
})

test('usage errors exit 2; --help and --version answer 0', () => {
  const usage = run(['no-such-command'])
  assert.equal(usage.status, 2)
  assert.match(usage.stderr, /no-such-command/)
  const help = run(['--help'])
  assert.equal(help.status, 0)
  for (const command of ['check-env', 'test-connection', 'doctor', 'login']) assert.match(help.stdout, new RegExp(command))
  const version = run(['--version'])
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  assert.equal(version.stdout.trim(), `scalekit-auth ${pkg.version}`)
})

test('the package declares the command', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  assert.equal(pkg.bin['scalekit-auth'], 'bin/scalekit-auth.js')
  assert.ok(pkg.files.includes('bin/scalekit-auth.js'))
})
