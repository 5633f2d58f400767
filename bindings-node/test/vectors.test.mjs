// The shared JSON vectors: URLs as the official SDK builds them, signed webhooks.
import { test } from 'node:test'
import assert from 'node:assert/strict'

import { ScalekitAuth, ScalekitAuthError } from '../index.mjs'
import { loadVectors } from './helpers.mjs'

const urls = loadVectors('urls.json')
const webhooks = loadVectors('webhooks.json').cases
const camel = (s) => s.replace(/_(\w)/g, (_, c) => c.toUpperCase())
const camelKeys = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [camel(k), v]))
const client = new ScalekitAuth({ environmentUrl: urls.environment_url, clientId: urls.client_id, clientSecret: 's' })

test('authorization URLs match the official SDK', () => {
  for (const c of urls.authorization) {
    assert.equal(client.getAuthorizationUrl(c.redirect_uri, camelKeys(c.options)), c.url, c.name)
  }
})

test('logout URLs match the official SDK', () => {
  for (const c of urls.logout) {
    assert.equal(client.getLogoutUrl(camelKeys(c.options)), c.url, c.name)
  }
})

test('webhook vectors get their verdicts', () => {
  for (const c of webhooks) {
    const verify = c.kind === 'webhook' ? 'verifyWebhookPayload' : 'verifyInterceptorPayload'
    let verdict
    try {
      verdict = client._native[verify](c.secret, Object.entries(c.headers), Buffer.from(c.body), c.now) ? 'ok' : 'false'
    } catch (e) {
      verdict = JSON.parse(e.message).code
    }
    assert.equal(verdict, c.expected, c.name)
  }
  assert.ok(ScalekitAuthError)
})
