// Framework throughput: each app of bench/apps serves one small JSON endpoint,
// unprotected and protected in each way compared, pinned to one core (taskset -c 0)
// while wrk loads it from the other (taskset -c 1) over loopback. For every endpoint:
// a check that it refuses a request without credentials (so the protection is real)
// and answers 200 with them, a warm-up, then the median requests/s of several runs with
// that run's p50 and p99 latency, and the median ratio to the unprotected endpoint
// over rounds that run every endpoint in turn. A run with any non-2xx answer or socket error fails
// the benchmark instead of being reported.
//
// Run by scripts/bench.sh, which builds the packages and the apps and installs the peers:
//   node bench/frameworks.mjs --peers DIR --python PY --axum BIN --nextjs DIR --json OUT
import { execFile, spawn } from 'node:child_process'
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import http from 'node:http'
import path from 'node:path'
import { parseArgs } from 'node:util'

import { createScalekitExpress } from '../bindings-node/express.mjs'
import { LocalProvider, sessionCookieFor } from '../bindings-node/testing.mjs'

const { values: args } = parseArgs({
  options: {
    peers: { type: 'string' },
    python: { type: 'string' },
    axum: { type: 'string' },
    nextjs: { type: 'string' },
    json: { type: 'string' },
    only: { type: 'string' },
    runs: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '4' },
    connections: { type: 'string', default: '32' },
  },
})
for (const option of ['peers', 'python', 'axum', 'nextjs']) {
  if (args[option]) args[option] = path.resolve(args[option])
}
const RUNS = Number(args.runs)
const SECONDS = Number(args.seconds)
const CONNECTIONS = Number(args.connections)
const SERVER_CORE = '0'
const LOAD_CORE = '1'
const here = import.meta.dirname

const provider = await new LocalProvider({ clientId: 'skc_bench', clientSecret: 'bench-secret' }).start()
const sessionSecret = 'bench-session-secret-0123456789abcdefghijklmnop'
const settings = (port) => ({
  SCALEKIT_ENVIRONMENT_URL: provider.url,
  SCALEKIT_CLIENT_ID: provider.clientId,
  SCALEKIT_CLIENT_SECRET: provider.clientSecret,
  SCALEKIT_REDIRECT_URI: `http://127.0.0.1:${port}/auth/callback`,
  SCALEKIT_SESSION_SECRET: sessionSecret,
  EOC_SECRET: 'bench-express-openid-connect-secret-0123456789',
  PORT: String(port),
  NODE_ENV: 'production',
  NEXT_TELEMETRY_DISABLED: '1',
})

// One access token for every request (the memory of verified tokens remembers it, as it
// would a session's), and a session cookie sealed with the apps' session secret.
const claims = { userId: 'usr_bench', email: 'bench@example.com', roles: ['member'], expiresIn: 3600 }
const token = provider.mint({ sub: claims.userId, roles: claims.roles, expiresIn: 3600 })
const sealer = createScalekitExpress({
  environmentUrl: provider.url, clientId: provider.clientId, clientSecret: provider.clientSecret,
  redirectUri: 'http://127.0.0.1:1/auth/callback', sessionSecret,
})
const sessionCookie = await sessionCookieFor(sealer, provider, claims)
const bearer = { authorization: `Bearer ${token}` }

const frameworks = {
  axum: {
    port: 9511,
    command: () => [args.axum],
    endpoints: { public: '/public', session: '/session', bearer: '/bearer' },
  },
  fastapi: {
    port: 9512,
    command: () => [args.python, path.join(here, 'apps/fastapi_app.py')],
    endpoints: { public: '/public', session: '/session', bearer: '/bearer', official: '/official' },
  },
  express: {
    port: 9513,
    command: () => {
      // Next to its dependencies, so that require() finds them.
      const app = path.join(args.peers, 'express-app.cjs')
      copyFileSync(path.join(here, 'apps/express-app.cjs'), app)
      return [process.execPath, app]
    },
    endpoints: {
      public: '/public', session: '/session', bearer: '/bearer', official: '/official',
      'express-openid-connect': '/eoc/me',
    },
  },
  nextjs: {
    port: 9514,
    command: () => [process.execPath, path.join(args.nextjs, 'node_modules/next/dist/bin/next'), 'start', '-H', '127.0.0.1', '-p', '9514'],
    cwd: () => args.nextjs,
    endpoints: { public: '/public', session: '/session', bearer: '/bearer', official: '/official' },
  },
}

/**
 * One request on a connection of its own (a pooled one may have been closed by the
 * server while wrk ran): `{ status, headers, body }`.
 */
function get(url, headers = {}) {
  return new Promise((resolve, reject) => {
    http.get(url, { headers, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }))
    }).on('error', reject)
  })
}

/**
 * What each endpoint needs to be let in (headers). The unprotected endpoint gets the
 * session cookie too: a browser sends it with every request to the site, and parsing it
 * is the server's work either way.
 */
async function credentials(kind, base) {
  if (kind === 'session' || kind === 'public') return { cookie: sessionCookie }
  if (kind === 'bearer' || kind === 'official') return bearer
  if (kind === 'express-openid-connect') {
    const idToken = provider.mint({ sub: claims.userId, expiresIn: 3600 })
    const res = await get(`${base}/eoc/bench-session?id_token=${idToken}`)
    const cookie = (res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ')
    if (!cookie) throw new Error('express-openid-connect set no session cookie')
    return { cookie }
  }
  return {}
}

async function waitUntilUp(url, child) {
  const deadline = Date.now() + 60_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}`)
    try {
      if ((await get(url)).status === 200) return
    } catch {}
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`${url} did not answer within 60 s`)
}

// wrk counts only 4xx and 5xx as errors: this script counts every answer that is not
// 200 (a redirect to log in is no success either) and prints the total at the end.
const wrkScript = path.join(mkdtempSync(path.join(os.tmpdir(), 'bench-')), 'only-200.lua')
writeFileSync(wrkScript, `local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) not_ok = 0 end
function response(status, headers, body) if status ~= 200 then not_ok = not_ok + 1 end end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("not_ok") end
  io.write(string.format("Answers other than 200: %d\\n", total))
end
`)

/** One wrk run, asynchronously: the provider in this process keeps answering meanwhile. */
function wrk(url, headers, seconds) {
  const headerArgs = Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`])
  const args = ['-c', LOAD_CORE, 'wrk', '-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-s', wrkScript, ...headerArgs, url]
  return new Promise((resolve, reject) => {
    execFile('taskset', args, { maxBuffer: 1 << 20 }, (error, out, stderr) => {
      if (error) return reject(new Error(`wrk failed: ${stderr || error.message}`))
      const bad = out.match(/Answers other than 200: ([1-9]\d*)/) ?? out.match(/Non-2xx or 3xx responses: (\d+)/) ??
        out.match(/Socket errors: .*/)
      if (bad) return reject(new Error(`${url}: ${bad[0]}\n${out}`))
      if (!/Answers other than 200: 0/.test(out)) return reject(new Error(`wrk did not run the counting script:\n${out}`))
      const ms = (label) => {
        const m = out.match(new RegExp(`^\\s*${label}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm'))
        if (!m) throw new Error(`no ${label}% latency in wrk's output:\n${out}`)
        return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]]
      }
      try {
        resolve({ rps: Number(out.match(/Requests\/sec:\s+([\d.]+)/)[1]), p50: ms('50'), p99: ms('99') })
      } catch (parseError) {
        reject(parseError)
      }
    })
  })
}

async function measure(name, framework) {
  const base = `http://127.0.0.1:${framework.port}`
  const [program, ...rest] = framework.command()
  const child = spawn('taskset', ['-c', SERVER_CORE, program, ...rest], {
    cwd: framework.cwd?.() ?? here,
    env: { ...process.env, ...settings(framework.port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const endpoints = []
  try {
    await waitUntilUp(`${base}/public`, child)
    for (const [kind, route] of Object.entries(framework.endpoints)) {
      const url = `${base}${route}`
      const headers = await credentials(kind, base)
      if (kind !== 'public') {
        // express-openid-connect sends a browser to log in (or fails doing so: it wants
        // an https issuer); every other way answers 401.
        const refused = await get(url)
        if (kind === 'express-openid-connect' ? refused.status < 300 : refused.status !== 401) {
          throw new Error(`${name} ${route} without credentials answered ${refused.status}, not a refusal`)
        }
      }
      const allowed = await get(url, headers)
      let body = null
      try { body = JSON.parse(allowed.body) } catch {}
      if (allowed.status !== 200 || body?.ok !== true) throw new Error(`${name} ${route} with credentials answered ${allowed.status}`)
      await wrk(url, headers, 2)
      endpoints.push({ kind, url, headers, runs: [] })
    }
    // Rounds: every endpoint once per round, so that each ratio compares runs minutes
    // apart at most (this machine's speed drifts more than the differences measured).
    for (let round = 0; round < RUNS; round++) {
      for (const e of endpoints) e.runs.push(await wrk(e.url, e.headers, SECONDS))
    }
  } finally {
    child.kill('SIGTERM')
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)))
  }
  const baseline = endpoints.find((e) => e.kind === 'public').runs
  const median = (values) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)]
  return endpoints.map((e) => {
    const middle = e.runs.toSorted((a, b) => a.rps - b.rps)[Math.floor(e.runs.length / 2)]
    const result = {
      framework: name, endpoint: e.kind, rps: middle.rps, p50: middle.p50, p99: middle.p99,
      ratio: median(e.runs.map((r, i) => r.rps / baseline[i].rps)),
      // The server time the protection adds to a request, paired round by round too.
      addedUs: median(e.runs.map((r, i) => 1e6 / r.rps - 1e6 / baseline[i].rps)),
      runs: e.runs.map((r) => r.rps),
    }
    console.log(`${name.padStart(8)} ${e.kind.padEnd(24)} ${Math.round(result.rps).toLocaleString('en').padStart(8)} req/s` +
      `  p50 ${result.p50.toFixed(2)} ms  p99 ${result.p99.toFixed(2)} ms  ${(result.ratio * 100).toFixed(0)} % of public`)
    return result
  })
}

const selected = args.only ? args.only.split(',') : Object.keys(frameworks)
const all = []
try {
  for (const name of selected) all.push(...(await measure(name, frameworks[name])))
} finally {
  await provider.stop()
}
if (args.json) writeFileSync(args.json, JSON.stringify({ connections: CONNECTIONS, seconds: SECONDS, runs: RUNS, results: all }, null, 2))
