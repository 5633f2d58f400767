// Support for the real-browser tests: the example apps and how each is started, a private
// local OpenID provider (tests/idp) per example, Chromium through playwright-core (the
// system's /usr/bin/chromium, never a downloaded browser), and cleanup of every process
// started here, on success, failure, timeout and signals alike.
import { spawn } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'

import { chromium } from 'playwright-core'

const here = path.dirname(fileURLToPath(import.meta.url))
export const ROOT = path.resolve(here, '..', '..')
const TARGET = process.env.CARGO_TARGET_DIR ? path.resolve(ROOT, process.env.CARGO_TARGET_DIR) : path.join(ROOT, 'target')
export const SCREENSHOTS = path.join(ROOT, 'target', 'browser')

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium'
export const CHROMIUM_ARGS = Object.freeze([
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
])

/** Access-token lifetime at the private providers: short, so the tests see a refresh. */
export const ACCESS_TOKEN_TTL = 5
const CLIENT_ID = 'skc_browser_tests'
const CLIENT_SECRET = 'browser-tests-client-secret'
const SESSION_SECRET = 'browser-tests-session-secret-0123456789abcdef'

const NEXTJS_DIR = path.join(ROOT, 'examples', 'nextjs')

/**
 * The example apps. `problem()` says why one cannot run here: `{ skip: true }` only for an
 * example this tree does not have; anything else is a failure (a missing build).
 */
export const EXAMPLES = [
  {
    name: 'express',
    label: 'Express example (examples/express)',
    problem() {
      if (!existsSync(path.join(ROOT, 'examples', 'express', 'node_modules', 'express'))) {
        return { reason: 'examples/express has no node_modules: run `npm ci --prefix examples/express`' }
      }
      if (!existsSync(path.join(ROOT, 'examples', 'express', 'node_modules', 'scalekit-auth', 'generated', 'native.js'))) {
        return { reason: 'scalekit-auth for Node is missing: build bindings-node (`npm ci && npm run build`)' }
      }
      return null
    },
    command: () => ({ file: process.execPath, args: [path.join(ROOT, 'examples', 'express', 'server.js')], cwd: ROOT }),
  },
  {
    name: 'fastapi',
    label: 'FastAPI example (examples/fastapi)',
    problem() {
      if (!existsSync(path.join(ROOT, 'target', 'venv', 'bin', 'python'))) {
        return { reason: 'target/venv is missing: create it and install bindings-python, fastapi and uvicorn (scripts/test.sh does)' }
      }
      return null
    },
    command: () => ({
      file: path.join(ROOT, 'target', 'venv', 'bin', 'python'),
      args: [path.join(ROOT, 'examples', 'fastapi', 'app.py')],
      cwd: ROOT,
    }),
  },
  procfileExample('flask', 'Flask example (examples/flask, gunicorn from its Procfile)'),
  procfileExample('django', 'Django example (examples/django, gunicorn from its Procfile)'),
  {
    name: 'axum',
    label: 'axum example (examples/axum)',
    problem() {
      if (!existsSync(axumBinary())) {
        return { reason: `${axumBinary()} is missing: run \`cargo build -p scalekit-auth-example-axum\`` }
      }
      return null
    },
    command: () => ({ file: axumBinary(), args: [], cwd: ROOT }),
  },
  {
    name: 'nextjs',
    label: 'Next.js example (examples/nextjs)',
    problem() {
      if (!existsSync(path.join(NEXTJS_DIR, 'package.json'))) {
        return { skip: true, reason: 'this tree has no Next.js example (examples/nextjs)' }
      }
      // BUILD_ID is the last file `next build` writes: without it the build is missing,
      // unfinished or failed.
      if (!existsSync(path.join(NEXTJS_DIR, '.next', 'BUILD_ID'))) {
        return {
          skip: process.env.SCALEKIT_BROWSER_REQUIRE_ALL !== '1',
          reason: 'the Next.js example was NOT BUILT (no examples/nextjs/.next/BUILD_ID): run `npm run build` in examples/nextjs',
        }
      }
      if (!existsSync(path.join(NEXTJS_DIR, 'node_modules', 'next', 'dist', 'bin', 'next'))) {
        return { reason: 'examples/nextjs has no node_modules: run `npm ci --prefix examples/nextjs`' }
      }
      return null
    },
    command: (port) => ({
      file: process.execPath,
      args: [path.join(NEXTJS_DIR, 'node_modules', 'next', 'dist', 'bin', 'next'), 'start', '-H', '127.0.0.1', '-p', String(port)],
      cwd: NEXTJS_DIR,
      env: { NEXT_TELEMETRY_DISABLED: '1' },
    }),
  },
]

/**
 * A Python example started the way it runs in production: the `web:` line of its
 * Procfile (gunicorn, binding $PORT), with target/venv's programs first on PATH.
 */
function procfileExample(name, label) {
  const dir = path.join(ROOT, 'examples', name)
  const venvBin = path.join(ROOT, 'target', 'venv', 'bin')
  return {
    name,
    label,
    problem() {
      if (!existsSync(path.join(venvBin, 'gunicorn'))) {
        return { reason: `target/venv has no gunicorn: install examples/${name}/requirements.txt (scripts/test.sh does)` }
      }
      return null
    },
    command: () => ({
      file: '/bin/sh',
      args: ['-c', `exec ${procfileWeb(dir)}`],
      cwd: dir,
      env: { PATH: `${venvBin}:${process.env.PATH}`, PYTHONUNBUFFERED: '1' },
    }),
  }
}

/** The command of the `web:` line of `dir`'s Procfile. */
export function procfileWeb(dir) {
  const line = readFileSync(path.join(dir, 'Procfile'), 'utf8').split('\n').find((l) => l.startsWith('web:'))
  if (!line) throw new Error(`${dir}/Procfile has no web: line`)
  return line.slice('web:'.length).trim()
}

/**
 * One `describe` per example (those of BROWSER_EXAMPLES=express,axum when set), titled
 * `title(example)`, running `flow(example)`; an example that cannot run gets one test
 * named `what` that is skipped (an example this tree lacks) or fails saying why.
 */
export function forEachExample(title, what, flow) {
  const chosen = (process.env.BROWSER_EXAMPLES ?? '').split(',').map((s) => s.trim()).filter(Boolean)
  for (const example of EXAMPLES) {
    if (chosen.length && !chosen.includes(example.name)) continue
    describe(title(example), () => {
      const problem = example.problem()
      if (problem?.skip) {
        console.error(`\n*** ${example.label}: NOT TESTED: ${problem.reason}\n`)
        it(what, { skip: problem.reason }, () => {})
        return
      }
      if (problem) {
        it(what, () => assert.fail(`${example.label} cannot run: ${problem.reason}`))
        return
      }
      flow(example)
    })
  }
}

function axumBinary() {
  return path.join(TARGET, 'debug', 'scalekit-auth-example-axum')
}

// ---- processes ---------------------------------------------------------------------------

const children = new Set()

/** Kills every process started here (each was started as its own process group). */
function killAllNow() {
  for (const child of children) {
    try {
      process.kill(-child.pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  children.clear()
}
process.on('exit', killAllNow)
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    killAllNow()
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1))
  })
}

/** Starts a process in its own group, output to `logFile`. */
function startProcess({ file, args, cwd, env, logFile, pipeStdout = false }) {
  const log = createWriteStream(logFile)
  const child = spawn(file, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  children.add(child)
  child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  child.exited.then(() => children.delete(child))
  child.stderr.pipe(log, { end: false })
  if (!pipeStdout) child.stdout.pipe(log, { end: false })
  child.log = log
  return child
}

/** Stops a process group: SIGTERM, then SIGKILL after `graceMs`. */
async function stopProcess(child, graceMs = 3000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return
  try {
    process.kill(-child.pid, 'SIGTERM')
  } catch {
    return
  }
  const timer = new Promise((resolve) => setTimeout(resolve, graceMs, 'timeout'))
  if ((await Promise.race([child.exited, timer])) === 'timeout') {
    try {
      process.kill(-child.pid, 'SIGKILL')
    } catch {
      // gone
    }
    await Promise.race([child.exited, new Promise((resolve) => setTimeout(resolve, 2000))])
  }
  // Any process left in the group (a server's own children).
  try {
    process.kill(-child.pid, 'SIGKILL')
  } catch {
    // none
  }
  children.delete(child)
}

/** A free loopback port (closed again before use: the app binds it right after). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

function withTimeout(promise, ms, what) {
  let timer
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms)
    }),
  ]).finally(() => clearTimeout(timer))
}

/** A private provider with short access tokens, registering one app's URLs. */
export async function startIdp({ redirectUri, postLogoutUri, logFile }) {
  const dir = path.join(ROOT, 'tests', 'idp')
  if (!existsSync(path.join(dir, 'node_modules', 'oidc-provider'))) {
    throw new Error('tests/idp has no node_modules: run `npm ci --prefix tests/idp` (scripts/test.sh does)')
  }
  const child = startProcess({
    file: process.execPath,
    args: [path.join(dir, 'server.mjs')],
    cwd: dir,
    env: {
      IDP_PORT: '0',
      IDP_TEST_MODE: '1',
      IDP_ACCESS_TOKEN_TTL: String(ACCESS_TOKEN_TTL),
      SCALEKIT_CLIENT_ID: CLIENT_ID,
      SCALEKIT_CLIENT_SECRET: CLIENT_SECRET,
      IDP_REDIRECT_URIS: redirectUri,
      IDP_POST_LOGOUT_REDIRECT_URIS: postLogoutUri,
    },
    logFile,
    pipeStdout: true,
  })
  const listening = new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout })
    lines.on('line', (line) => {
      child.log.write(`${line}\n`)
      const match = line.match(/listening on (\S+)/)
      if (match) resolve(match[1])
    })
    child.exited.then(({ code, signal }) =>
      reject(new Error(`the local provider exited before listening (${code ?? signal}); see ${logFile}`)),
    )
  })
  let url
  try {
    url = await withTimeout(listening, 30_000, 'the local provider')
  } catch (err) {
    await stopProcess(child)
    throw err
  }
  return {
    url,
    async count(route) {
      const res = await fetch(`${url}/__test/counts`, { signal: AbortSignal.timeout(5000) })
      return (await res.json())[route] ?? 0
    },
    stop: () => stopProcess(child),
  }
}

/**
 * Starts `example` on `port` against the provider at `idpUrl`; resolves once it answers
 * HTTP. `publicBase` is the URL browsers use (a proxy in front; default the app's own),
 * `env` more variables (SCALEKIT_REDIS_URL).
 */
export async function startApp(example, { port, idpUrl, logFile, publicBase, env: extraEnv = {} }) {
  const base = `http://127.0.0.1:${port}`
  const visible = publicBase ?? base
  const { file, args, cwd, env } = example.command(port)
  const child = startProcess({
    file,
    args,
    cwd,
    logFile,
    env: {
      ...env,
      PORT: String(port),
      SCALEKIT_ENVIRONMENT_URL: idpUrl,
      SCALEKIT_CLIENT_ID: CLIENT_ID,
      SCALEKIT_CLIENT_SECRET: CLIENT_SECRET,
      SCALEKIT_REDIRECT_URI: `${visible}/auth/callback`,
      SCALEKIT_POST_LOGOUT_REDIRECT_URI: `${visible}/`,
      SCALEKIT_SESSION_SECRET: SESSION_SECRET,
      ...extraEnv,
    },
  })
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${example.name} exited before serving (${child.exitCode ?? child.signalCode}); see ${logFile}`)
    }
    if (await answers(base)) break
    if (Date.now() > deadline) {
      await stopProcess(child)
      throw new Error(`${example.name} did not answer on ${base} within 60 s; see ${logFile}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return { base, child, stop: () => stopProcess(child) }
}

/**
 * A private `redis-server` on a free loopback port, without persistence. `kill()` stops it
 * hard (Redis down); `start()` brings it back on the same port, empty.
 */
export async function startRedis({ logFile }) {
  const port = await freePort()
  const redis = { url: `redis://127.0.0.1:${port}/0`, child: null }
  redis.start = async () => {
    redis.child = startProcess({
      file: 'redis-server',
      args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      cwd: ROOT,
      logFile,
    })
    const deadline = Date.now() + 10_000
    while (!(await connects(port))) {
      if (redis.child.exitCode !== null) throw new Error(`redis-server exited; see ${logFile}`)
      if (Date.now() > deadline) throw new Error(`redis-server did not listen on ${port}; see ${logFile}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  redis.kill = () => stopProcess(redis.child, 0)
  redis.stop = () => stopProcess(redis.child)
  await redis.start()
  return redis
}

function connects(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
  })
}

/**
 * A load balancer without stickiness: each request goes to the next of `upstreams` (filled
 * in once the apps run) in turn, on a fresh connection. `served` counts requests per upstream.
 */
export async function startRoundRobin() {
  let next = 0
  const balancer = { upstreams: [], served: [] }
  const server = http.createServer((req, res) => {
    const index = next % balancer.upstreams.length
    next += 1
    balancer.served[index] = (balancer.served[index] ?? 0) + 1
    const target = new URL(balancer.upstreams[index])
    const upstream = http.request({
      host: target.hostname, port: target.port, method: req.method, path: req.url,
      headers: { ...req.headers, connection: 'close' }, agent: false,
    }, (answer) => {
      res.writeHead(answer.statusCode, answer.rawHeaders)
      answer.pipe(res)
    })
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' })
      res.end('bad gateway\n')
    })
    req.pipe(upstream)
  })
  const port = await freePort()
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve))
  balancer.base = `http://127.0.0.1:${port}`
  balancer.stop = () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve) })
  return balancer
}

function answers(base) {
  return new Promise((resolve) => {
    const req = http.get(`${base}/`, { timeout: 2000 }, (res) => {
      res.resume()
      resolve(true)
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(false))
  })
}

/** Chromium with a fresh temporary profile. */
export async function launchChromium() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium)`)
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS], timeout: 60_000 })
}

/** Empties and returns the screenshot folder of one example. */
export function screenshotDir(name) {
  const dir = path.join(SCREENSHOTS, name)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  return dir
}

/** Everything one example's run started: provider, app, browser. */
export async function startRun(example) {
  const dir = screenshotDir(example.name)
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const run = { dir, base, idp: null, app: null, browser: null }
  run.stop = async () => {
    await run.browser?.close().catch(() => {})
    await run.app?.stop()
    await run.idp?.stop()
  }
  try {
    run.idp = await startIdp({
      redirectUri: `${base}/auth/callback`,
      postLogoutUri: `${base}/`,
      logFile: path.join(dir, 'provider.log'),
    })
    run.app = await startApp(example, { port, idpUrl: run.idp.url, logFile: path.join(dir, 'app.log') })
    run.browser = await launchChromium()
  } catch (err) {
    await run.stop()
    throw err
  }
  return run
}
