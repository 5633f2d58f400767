// The test helpers apps use: a local signer and provider.
import { test } from 'node:test'
import assert from 'node:assert/strict'

import { LocalProvider, TestSigner } from '../testing.mjs'
import { ConfigurationError } from '../index.mjs'

test('the signer publishes its key for every algorithm', () => {
  for (const alg of ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA']) {
    const signer = new TestSigner(alg, `k-${alg}`)
    assert.equal(signer.algorithm, alg)
    assert.equal(signer.jwks().keys[0].kid, `k-${alg}`)
    assert.equal(signer.sign({ sub: 'x' }).split('.').length, 3)
  }
  assert.throws(() => new TestSigner('HS256'), ConfigurationError)
})

test('the local provider mints tokens its clients accept', async () => {
  const provider = await new LocalProvider({ clientId: 'skc_app', algorithm: 'ES256' }).start()
  try {
    const claims = await provider.client().validateAccessToken(provider.mint({ sub: 'usr_9', permissions: ['p'], plan: 'pro' }))
    assert.deepEqual([claims.sub, claims.permissions, claims.plan], ['usr_9', ['p'], 'pro'])
  } finally {
    await provider.stop()
  }
})
