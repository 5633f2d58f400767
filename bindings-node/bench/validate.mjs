// validateAccessToken against jose's jwtVerify (imported key, same checks) on the same
// RS256-2048 token, in one run; with and without the memory of verified tokens.
//
// Run: npm run build && node bench/validate.mjs
import { importJWK, jwtVerify } from 'jose'

import { LocalProvider } from '../testing.mjs'

async function opsPerSecond(fn, seconds = 2) {
  for (let i = 0; i < 2000; i++) await fn()
  let count = 0
  const start = performance.now()
  while (performance.now() - start < seconds * 1000) {
    for (let i = 0; i < 500; i++) await fn()
    count += 500
  }
  return count / ((performance.now() - start) / 1000)
}

const provider = await new LocalProvider({ clientId: 'skc_bench' }).start()
try {
  const token = provider.mint({
    sub: 'usr_1234567890', roles: ['admin', 'member'], permissions: ['read:all', 'write:own'],
    scope: 'openid profile email offline_access', sid: 'ses_0123456789', jti: 'tkn_0123456789abcdef',
  })
  const auth = provider.client()
  const cold = provider.client({ verifiedTokenCacheSize: 0 })
  await auth.validateAccessToken(token)
  await cold.validateAccessToken(token)
  const key = await importJWK(provider.jwks().keys[0], 'RS256')
  const options = { algorithms: ['RS256'], audience: 'skc_bench', issuer: provider.url, clockTolerance: 60 }
  await jwtVerify(token, key, options)

  const results = {
    'scalekit-auth': await opsPerSecond(() => auth.validateAccessToken(token)),
    'scalekit-auth (signature every time)': await opsPerSecond(() => cold.validateAccessToken(token)),
    'jose jwtVerify': await opsPerSecond(() => jwtVerify(token, key, options)),
  }
  for (const [name, rate] of Object.entries(results)) {
    console.log(`${name.padStart(38)}: ${Math.round(rate).toLocaleString('en').padStart(10)} ops/s  (${(1e6 / rate).toFixed(1)} us/op)`)
  }
  const base = results['jose jwtVerify']
  console.log(`${'ratio'.padStart(38)}: ${(results['scalekit-auth'] / base).toFixed(2)}x jose ` +
    `(${(results['scalekit-auth (signature every time)'] / base).toFixed(2)}x verifying every signature)`)
} finally {
  await provider.stop()
}
