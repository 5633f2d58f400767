// Memory after validating many distinct tokens in Node: the resident set size before and
// after (garbage collected at both ends), with a sample every tenth of the way. The
// memory of verified tokens keeps at most `verifiedTokenCacheSize` entries (default
// 1024), so the growth must stay bounded however many tokens pass. EdDSA tokens, so that
// minting a million of them takes seconds, not the quarter hour RSA signing would.
//
// Run with --expose-gc: node --expose-gc bench/memory.mjs [--tokens N] [--json FILE]
import { writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

import { LocalProvider } from '../bindings-node/testing.mjs'

const { values: args } = parseArgs({ options: { tokens: { type: 'string', default: '1000000' }, json: { type: 'string' } } })
const TOKENS = Number(args.tokens)
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc')

const megabytes = () => {
  globalThis.gc()
  return process.memoryUsage.rss() / 1e6
}

const provider = await new LocalProvider({ clientId: 'skc_memory', algorithm: 'EdDSA' }).start()
try {
  const auth = provider.client()
  const validate = async (i) => {
    const claims = await auth.validateAccessToken(provider.mint({ jti: `tkn_${i}`, expiresIn: 3600 }))
    if (claims.jti !== `tkn_${i}`) throw new Error('wrong claims')
  }
  for (let i = 0; i < 20_000; i++) await validate(-i - 1)
  const start = megabytes()
  const samples = []
  const started = performance.now()
  const every = Math.max(1, Math.floor(TOKENS / 10))
  for (let i = 0; i < TOKENS; i++) {
    await validate(i)
    if ((i + 1) % every === 0 || i + 1 === TOKENS) samples.push({ tokens: i + 1, rssMb: megabytes() })
  }
  const end = megabytes()
  const result = {
    language: 'node', tokens: TOKENS, startMb: start, endMb: end, growthMb: end - start,
    maxMb: Math.max(...samples.map((s) => s.rssMb)), seconds: (performance.now() - started) / 1000, samples,
  }
  console.log(`node: ${TOKENS.toLocaleString('en')} distinct tokens validated in ${result.seconds.toFixed(0)} s; ` +
    `RSS ${start.toFixed(1)} MB -> ${end.toFixed(1)} MB (${(end - start >= 0 ? '+' : '')}${(end - start).toFixed(1)} MB, peak sample ${result.maxMb.toFixed(1)} MB)`)
  if (args.json) writeFileSync(args.json, JSON.stringify(result, null, 2))
} finally {
  await provider.stop()
}
