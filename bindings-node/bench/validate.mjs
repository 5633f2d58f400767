// Access-token validation per second: scalekit-auth against jose's jwtVerify (imported
// key, same checks) and the official @scalekit-sdk/node, on RS256-2048 tokens from one
// local provider. Each is measured on one token presented again and on a pool of
// distinct tokens (every signature verified); the ceiling is RSA-2048 verification alone
// (node:crypto, key parsed once). Runs are interleaved (every case once per round, the
// median of the rounds), so that the ratios compare runs seconds apart.
//
// Run: node bench/validate.mjs [--json FILE] [--runs N]
// (after `npm run build`; the peers are resolved from BENCH_PEERS, a folder with
// node_modules, else from this package's own dependencies; a peer that is not installed
// is reported as skipped.) scripts/bench.sh runs it with the peers installed.
import { createPublicKey, verify } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { parseArgs } from 'node:util'

import { LocalProvider } from '../testing.mjs'

const { values: args } = parseArgs({
  options: { json: { type: 'string' }, runs: { type: 'string', default: '5' }, seconds: { type: 'string', default: '1' } },
})
const RUNS = Number(args.runs)
const SECONDS = Number(args.seconds)
// Distinct tokens cycle through a pool far larger than the memory of verified tokens
// the client is given, so no token is still remembered when it comes round again.
const POOL = 2048
const MEMORY_FOR_DISTINCT = 16

const peers = createRequire(`${process.env.BENCH_PEERS ?? import.meta.dirname}/package.json`)
async function peer(name) {
  try {
    return await import(peers.resolve(name))
  } catch {
    return null
  }
}

/** Operations per second of `fn(i)` over one run of SECONDS. */
async function oneRun(fn) {
  let count = 0
  const start = performance.now()
  while (performance.now() - start < SECONDS * 1000) {
    for (let i = 0; i < 200; i++) await fn(count + i)
    count += 200
  }
  return count / ((performance.now() - start) / 1000)
}

/** Each case warmed up, then RUNS rounds that run every case once; medians per case. */
async function measure(cases) {
  for (const c of cases) {
    const warmUntil = performance.now() + 300
    while (performance.now() < warmUntil) for (let i = 0; i < 100; i++) await c.fn(i)
    c.runs = []
  }
  for (let round = 0; round < RUNS; round++) for (const c of cases) c.runs.push(await oneRun(c.fn))
  return cases.map(({ name, case: kind, runs }) => {
    const sorted = runs.toSorted((a, b) => a - b)
    return { name, case: kind, ops: sorted[Math.floor(sorted.length / 2)], runs: sorted }
  })
}

const provider = await new LocalProvider({ clientId: 'skc_bench' }).start()
const results = []
try {
  const claims = {
    sub: 'usr_1234567890', roles: ['admin', 'member'], permissions: ['read:all', 'write:own'],
    scope: 'openid profile email offline_access', sid: 'ses_0123456789', jti: 'tkn_0123456789abcdef',
    expiresIn: 3600,
  }
  const token = provider.mint(claims)
  const pool = Array.from({ length: POOL }, (_, i) => provider.mint({ ...claims, jti: `tkn_${i}` }))
  const distinct = (i) => pool[i % POOL]

  const candidates = []
  const auth = provider.client()
  const forDistinct = provider.client({ verifiedTokenCacheSize: MEMORY_FOR_DISTINCT })
  candidates.push(['scalekit-auth', (i) => auth.validateAccessToken(token), (i) => forDistinct.validateAccessToken(distinct(i))])

  const jose = await peer('jose')
  if (jose) {
    const key = await jose.importJWK(provider.jwks().keys[0], 'RS256')
    const options = { algorithms: ['RS256'], audience: 'skc_bench', issuer: provider.url, clockTolerance: 60 }
    candidates.push(['jose jwtVerify', () => jose.jwtVerify(token, key, options), (i) => jose.jwtVerify(distinct(i), key, options)])
  }
  const official = await peer('@scalekit-sdk/node')
  if (official) {
    const Scalekit = official.Scalekit ?? official.default?.Scalekit ?? official.default
    const sdk = new Scalekit(provider.url, provider.clientId, provider.clientSecret)
    // Its documented call: validateAccessToken resolves to a boolean (jose underneath,
    // no issuer or audience check unless passed).
    const valid = async (t) => {
      if (!(await sdk.validateAccessToken(t))) throw new Error('@scalekit-sdk/node refused a valid token')
    }
    candidates.push(['@scalekit-sdk/node', () => valid(token), (i) => valid(distinct(i))])
  }

  // The ceiling: RSA-2048 PKCS#1 v1.5 verification of the pool's signatures alone.
  const key = createPublicKey({ key: provider.jwks().keys[0], format: 'jwk' })
  const signed = pool.map((t) => {
    const at = t.lastIndexOf('.')
    return [Buffer.from(t.slice(0, at)), Buffer.from(t.slice(at + 1), 'base64url')]
  })
  const raw = (i) => {
    const [data, signature] = signed[i % POOL]
    if (!verify('RSA-SHA256', data, key, signature)) throw new Error('the signature does not verify')
  }
  const cases = [{ name: 'RSA-2048 verify (node:crypto)', case: 'distinct', fn: raw }]
  for (const [name, repeated, distinctFn] of candidates) {
    await repeated(0)
    await distinctFn(0)
    cases.push({ name, case: 'repeated', fn: repeated }, { name, case: 'distinct', fn: distinctFn })
  }
  results.push(...(await measure(cases)))
  for (const name of ['jose', '@scalekit-sdk/node']) {
    if (!(await peer(name))) console.log(`${name}: not installed, skipped`)
  }
} finally {
  await provider.stop()
}

for (const r of results) {
  const label = `${r.name} (${r.case})`
  console.log(`${label.padStart(34)}: ${Math.round(r.ops).toLocaleString('en').padStart(10)} ops/s  (${(1e6 / r.ops).toFixed(1)} us/op)`)
}
if (args.json) {
  writeFileSync(args.json, JSON.stringify({ language: 'node', node: process.version, results }, null, 2))
}
