// An MCP endpoint behind scalekit-auth/mcp on Express: the challenge, the metadata it
// points to, tokens minted for the resource and nothing else, and per-tool scopes. The
// endpoint is a small JSON-RPC route; tokens come from a local provider.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { createRequire } from 'node:module'

import { createMcpAuth } from '../mcp.mjs'
import { LocalProvider } from '../testing.mjs'

const require = createRequire(import.meta.url)
const express = require('express')

const RESOURCE_ID = 'res_notes'
let provider
let server
let base
let metadata

before(async () => {
  provider = await new LocalProvider({ clientId: 'skc_app' }).start()
  const app = express()
  app.use(express.json())
  const listening = http.createServer(app)
  await new Promise((resolve) => listening.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${listening.address().port}`
  metadata = `${base}/.well-known/oauth-protected-resource/mcp`
  const auth = createMcpAuth({
    environmentUrl: provider.url, resourceId: RESOURCE_ID, resourceUrl: `${base}/mcp`,
    toolScopes: { add_note: ['notes:write'] }, scopesSupported: ['notes:read', 'notes:write'],
  })
  app.use(auth.router)
  app.post('/mcp', auth.protect(), (req, res) => {
    res.json({ jsonrpc: '2.0', id: req.body.id, result: { caller: req.auth.extra.userId, tool: req.body.params?.name, scopes: req.auth.scopes } })
  })
  server = listening
})
after(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve))
  await provider?.stop()
})

const call = (tool, token) => fetch(`${base}/mcp`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: {} } }),
})

test('the challenge leads to the metadata and the authorization server', async () => {
  const answer = await call('whoami')
  assert.equal(answer.status, 401)
  assert.equal(answer.headers.get('www-authenticate'), `Bearer resource_metadata="${metadata}"`)
  assert.equal((await answer.json()).error, 'token_missing')
  for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
    const doc = await (await fetch(`${base}${path}`)).json()
    assert.equal(doc.resource, `${base}/mcp`)
    assert.deepEqual(doc.authorization_servers, [`${provider.url}/resources/${RESOURCE_ID}`])
    assert.deepEqual(doc.scopes_supported, ['notes:read', 'notes:write'])
  }
})

test('only tokens minted for the resource reach the tools, with the scopes they need', async () => {
  const iss = `${provider.url}/resources/${RESOURCE_ID}`
  const reader = provider.mint({ sub: 'usr_ada', iss, aud: [`${base}/mcp`], scopes: ['notes:read'], azp: 'mcp_client' })
  const ok = await call('whoami', reader)
  assert.equal(ok.status, 200)
  assert.deepEqual((await ok.json()).result, { caller: 'usr_ada', tool: 'whoami', scopes: ['notes:read'] })

  for (const bad of [
    provider.mint({ sub: 'usr_ada' }), // the environment's app token
    provider.mint({ iss, aud: ['res_other'] }),
    provider.mint({ iss, aud: [RESOURCE_ID], expiresIn: -3600 }),
  ]) {
    const refused = await call('whoami', bad)
    assert.equal(refused.status, 401)
    assert.equal(refused.headers.get('www-authenticate'), `Bearer error="invalid_token", resource_metadata="${metadata}"`)
  }

  const narrow = await call('add_note', reader)
  assert.equal(narrow.status, 403)
  assert.equal((await narrow.json()).error, 'insufficient_scope')
  assert.match(narrow.headers.get('www-authenticate'), /error="insufficient_scope", scope="notes:write"/)
  const writer = provider.mint({ sub: 'usr_ada', iss, aud: [RESOURCE_ID], scopes: ['notes:write'] })
  assert.equal((await (await call('add_note', writer)).json()).result.tool, 'add_note')
})

test('a missing setting names its option and variable', () => {
  const saved = process.env.SCALEKIT_RESOURCE_ID
  delete process.env.SCALEKIT_RESOURCE_ID
  try {
    assert.throws(() => createMcpAuth({ environmentUrl: provider.url, resourceUrl: 'http://localhost/mcp' }),
      { code: 'invalid_config', message: /resourceId is not set; pass it or set SCALEKIT_RESOURCE_ID/ })
    assert.throws(() => createMcpAuth({ environmentUrl: provider.url, resourceId: 'res_1', resourceUrl: 'http://mcp.example.com/mcp' }),
      { code: 'invalid_config', message: /MCP_SERVER_URL/ })
  } finally {
    if (saved !== undefined) process.env.SCALEKIT_RESOURCE_ID = saved
  }
})

test('the Fetch-API side: metadata responses and checked calls for route handlers', async () => {
  const auth = createMcpAuth({
    environmentUrl: provider.url, resourceId: RESOURCE_ID, resourceUrl: 'https://mcp.example.com/mcp',
    toolScopes: { add_note: ['notes:write'] },
  })
  const doc = auth.metadataResponse(new Request('https://mcp.example.com/.well-known/oauth-protected-resource/mcp'))
  assert.equal(doc.status, 200)
  assert.equal((await doc.json()).resource, 'https://mcp.example.com/mcp')
  assert.equal(auth.metadataResponse(new Request('https://mcp.example.com/mcp')), null)

  const post = (tool, token) => new Request('https://mcp.example.com/mcp', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: {} } }),
  })
  const missing = await auth.authorizeRequest(post('whoami'))
  assert.equal(missing.response.status, 401)
  assert.match(missing.response.headers.get('www-authenticate'), /resource_metadata="https:\/\/mcp\.example\.com\/\.well-known\/oauth-protected-resource\/mcp"/)
  const iss = `${provider.url}/resources/${RESOURCE_ID}`
  const reader = provider.mint({ sub: 'usr_ada', iss, aud: [RESOURCE_ID], scopes: ['notes:read'] })
  const ok = await auth.authorizeRequest(post('whoami', reader))
  assert.equal(ok.authInfo.extra.userId, 'usr_ada')
  assert.equal(ok.body.params.name, 'whoami')
  assert.equal((await auth.authorizeRequest(post('add_note', reader))).response.status, 403)
})

test('a body this parser cannot read needs every tool scope; odd tool names are just names', async () => {
  const iss = `${provider.url}/resources/${RESOURCE_ID}`
  const reader = provider.mint({ sub: 'usr_ada', iss, aud: [RESOURCE_ID], scopes: ['notes:read'] })
  const send = (body) => fetch(`${base}/mcp`, {
    method: 'POST', headers: { 'content-type': 'text/plain', authorization: `Bearer ${reader}` }, body,
  })
  for (const body of ['not json', '{"method":"tools/call","params":{"name":7}}']) {
    const answer = await send(body)
    assert.equal(answer.status, 403, body)
    assert.equal(answer.headers.get('access-control-expose-headers'), 'WWW-Authenticate')
  }
  for (const tool of ['constructor', '__proto__', 'toString']) assert.equal((await call(tool, reader)).status, 200, tool)
})
