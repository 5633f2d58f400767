// Gathers one benchmark run (scripts/bench.sh) into target/bench/results.json and
// target/bench/results.md: token validation in Rust (criterion's medians), Python and
// Node against their peers, framework throughput, memory, and each target of the
// performance goals with its measured value, met or not.
//
// Run: node bench/report.mjs [DIR]  (DIR: target/bench; the criterion folder is read
// from DIR/../criterion)
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const dir = path.resolve(process.argv[2] ?? 'target/bench')
// Each part keeps the time it was measured: a partial run (BENCH_ONLY) merges with the
// newest result of the other parts, and the report says when each was taken.
const measuredAt = (file) => statSync(file).mtime.toISOString().slice(0, 16).replace('T', ' ')
const read = (name) => {
  const file = path.join(dir, name)
  return existsSync(file) ? { ...JSON.parse(readFileSync(file, 'utf8')), measuredAt: measuredAt(file) } : null
}

/** Criterion's median per function of the validate_rs256 group, as operations per second. */
function rust() {
  const group = path.join(dir, '../criterion/validate_rs256')
  if (!existsSync(group)) return null
  const results = {}
  for (const entry of readdirSync(group)) {
    const estimates = path.join(group, entry, 'new/estimates.json')
    if (!existsSync(estimates)) continue
    results.measuredAt = measuredAt(estimates)
    const id = JSON.parse(readFileSync(path.join(group, entry, 'new/benchmark.json'), 'utf8')).function_id
    results[id] = 1e9 / JSON.parse(readFileSync(estimates, 'utf8')).median.point_estimate
  }
  return results
}

const data = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
  rust: rust(),
  python: read('python.json'),
  node: read('node.json'),
  frameworks: read('frameworks.json'),
  memory: [read('memory-node.json'), read('memory-python.json')].filter(Boolean),
}

const rate = (suite, name, kind) => suite?.results.find((r) => r.name === name && r.case === kind)?.ops
const ceiling = data.rust?.['aws_lc_rs RSA-2048 verify']
const fmt = (n) => (n == null ? 'n/a' : Math.round(n).toLocaleString('en'))
const times = (a, b) => (a != null && b ? a / b : null)

// The targets, each as [goal, measured, met].
const targets = []
const target = (goal, value, shown, met) => targets.push({ goal, value, shown, met: value == null ? null : met })
{
  const r = times(rate(data.node, 'scalekit-auth', 'repeated'), rate(data.node, 'jose jwtVerify', 'repeated'))
  target('Node, one token presented again: at least 10x jose', r, r && `${r.toFixed(1)}x`, r >= 10)
  // The ceiling is the fastest raw verification on this machine, aws-lc's (what the core
  // uses), from the Rust run; OpenSSL through the language itself, measured in the same
  // rounds, is shown beside it.
  for (const [language, suite, ours, openssl] of [
    ['Node', data.node, 'scalekit-auth', 'RSA-2048 verify (node:crypto)'],
    ['Python', data.python, 'scalekit_auth', 'RSA-2048 verify (cryptography)'],
  ]) {
    const r = times(rate(suite, ours, 'distinct'), ceiling)
    const same = times(rate(suite, ours, 'distinct'), rate(suite, openssl, 'distinct'))
    const shown = r && `${(r * 100).toFixed(0)} % of aws-lc` + (same ? ` (${(same * 100).toFixed(0)} % of OpenSSL in the same rounds)` : '')
    target(`${language}, distinct tokens: at least 80 % of the raw RSA-2048 verification rate`, r, shown, r >= 0.8)
  }
  const po = times(rate(data.python, 'scalekit_auth', 'distinct'), rate(data.python, 'scalekit-sdk-python', 'distinct'))
  target('Python, distinct tokens: at least 5x scalekit-sdk-python', po, po && `${po.toFixed(1)}x`, po >= 5)
  const no = times(rate(data.node, 'scalekit-auth', 'distinct'), rate(data.node, '@scalekit-sdk/node', 'distinct'))
  target('Node, distinct tokens: at least 5x @scalekit-sdk/node', no, no && `${no.toFixed(1)}x`, no >= 5)
  for (const framework of [...new Set((data.frameworks?.results ?? []).map((r) => r.framework))]) {
    const of = (endpoint) => data.frameworks.results.find((r) => r.framework === framework && r.endpoint === endpoint)
    const session = of('session')
    target(`${framework}: session-protected endpoint keeps at least 90 % of the unprotected requests/s`,
      session?.ratio, session && `${(session.ratio * 100).toFixed(0)} %`, session?.ratio >= 0.9)
    for (const other of ['official', 'express-openid-connect']) {
      if (!of(other)) continue
      const ahead = times(session?.rps, of(other).rps)
      target(`${framework}: session-protected endpoint ahead of ${other === 'official' ? 'the official SDK per request' : other}`,
        ahead, ahead && `${ahead.toFixed(1)}x`, ahead > 1)
    }
  }
  for (const m of data.memory) {
    target(`${m.language}: RSS growth after ${fmt(m.tokens)} distinct tokens within 50 MB`, m.growthMb,
      `${m.growthMb >= 0 ? '+' : ''}${m.growthMb.toFixed(1)} MB`, m.growthMb <= 50)
  }
}
data.targets = targets

const lines = []
lines.push('# Benchmark results', '')
lines.push(`${data.date.slice(0, 16).replace('T', ' ')} UTC · ${data.machine.cpus} cores (${data.machine.model}) · Node ${data.machine.node}` +
  (data.python ? ` · Python ${data.python.python}` : ''), '')
lines.push('Reproduce: `./scripts/bench.sh` (servers pinned to core 0, load and validation loops to core 1; medians of several runs).', '')
lines.push('## Targets', '', '| Goal | Measured | Met |', '|---|---|---|')
for (const t of targets) lines.push(`| ${t.goal} | ${t.shown ?? 'n/a'} | ${t.met == null ? 'not measured' : t.met ? 'yes' : '**no**'} |`)
lines.push('')
if (data.rust) {
  lines.push(`## Token validation: Rust (RS256-2048, ops/s; ${data.rust.measuredAt})`, '', '| | ops/s |', '|---|---:|')
  for (const [name, ops] of Object.entries(data.rust)) if (name !== 'measuredAt') lines.push(`| ${name} | ${fmt(ops)} |`)
  lines.push('')
}
for (const [title, suite] of [['Python', data.python], ['Node', data.node]]) {
  if (!suite) continue
  lines.push(`## Token validation: ${title} (RS256-2048, ops/s; ${suite.measuredAt})`, '', '| | one token again | distinct tokens |', '|---|---:|---:|')
  for (const name of [...new Set(suite.results.map((r) => r.name))]) {
    lines.push(`| ${name} | ${fmt(rate(suite, name, 'repeated'))} | ${fmt(rate(suite, name, 'distinct'))} |`)
  }
  lines.push('')
}
if (ceiling) {
  lines.push(`The ceiling, RSA-2048 verification alone with the key parsed once: aws-lc ${fmt(ceiling)} ops/s in the Rust run; ` +
    'each language measures its own (`RSA-2048 verify` rows) in the same rounds as its validations, and its targets use that one.', '')
}
if (data.frameworks) {
  const f = data.frameworks
  lines.push(`## Framework throughput (wrk, ${f.connections} connections, ${f.runs} rounds of ${f.seconds} s; ${f.measuredAt})`, '')
  lines.push('| Framework | Endpoint | Requests/s | p50 ms | p99 ms | vs. unprotected | added per request |',
    '|---|---|---:|---:|---:|---:|---:|')
  for (const r of f.results) {
    // What the protection costs a request on one core, in microseconds of server time.
    const added = r.endpoint === 'public' || r.addedUs == null ? '' : `${r.addedUs.toFixed(0)} µs`
    lines.push(`| ${r.framework} | ${r.endpoint} | ${fmt(r.rps)} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${(r.ratio * 100).toFixed(0)} % | ${added} |`)
  }
  lines.push('', '`public`: no authentication. `session`: scalekit-auth with a session cookie. `bearer`: scalekit-auth with ' +
    '`Authorization: Bearer`. `official`: the official Scalekit SDK validating the token on every request, as the ' +
    'Scalekit templates do. `express-openid-connect`: its `requiresAuth()` with its own session cookie. ' +
    'Every request carries the same cookie or token (a signed-in browser, an API client): scalekit-auth ' +
    'remembers the verified token, the official SDKs verify its signature each time.', '')
}
if (data.memory.length > 0) {
  lines.push(`## Memory (EdDSA tokens; ${data.memory[0].measuredAt})`, '', '| | tokens | RSS before | RSS after | growth |', '|---|---:|---:|---:|---:|')
  for (const m of data.memory) {
    lines.push(`| ${m.language} | ${fmt(m.tokens)} | ${m.startMb.toFixed(1)} MB | ${m.endMb.toFixed(1)} MB | ${m.growthMb.toFixed(1)} MB |`)
  }
  lines.push('')
}

writeFileSync(path.join(dir, 'results.json'), JSON.stringify(data, null, 2))
writeFileSync(path.join(dir, 'results.md'), lines.join('\n'))
console.log(lines.join('\n'))
