// The MCP example (examples/mcp-node) run as a server and called with the MCP SDK's own
// client, with tokens the local provider mints for the resource.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import net from 'node:net'
import path from 'node:path'

import { ROOT, startIdp } from './helpers.mjs'

const EXAMPLE = path.join(ROOT, 'examples', 'mcp-node')
const RESOURCE_ID = 'res_notes'
const installed = existsSync(path.join(EXAMPLE, 'node_modules', '@modelcontextprotocol', 'sdk'))
const skip = installed ? false : 'examples/mcp-node has no node_modules: run `npm ci --prefix examples/mcp-node` (scripts/test.sh does)'
const requireExample = createRequire(path.join(EXAMPLE, 'package.json'))

let idp
let child
let url

function freePort() {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

before(async () => {
  if (skip) return
  idp = await startIdp({ redirectUris: ['http://127.0.0.1:1/callback'], postLogoutUris: ['http://127.0.0.1:1/'] })
  const port = await freePort()
  url = `http://127.0.0.1:${port}/mcp`
  child = spawn(process.execPath, [path.join(EXAMPLE, 'server.js')], {
    env: { ...process.env, SCALEKIT_ENVIRONMENT_URL: idp.url, SCALEKIT_RESOURCE_ID: RESOURCE_ID, MCP_SERVER_URL: url, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const deadline = Date.now() + 30_000
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`).then((r) => r.ok, () => false)
    if (ok) break
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('the MCP example did not start')
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
})
after(() => {
  child?.kill()
  idp?.stop()
})

async function token({ resourceId = RESOURCE_ID, ...form } = {}) {
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: idp.clientId, client_secret: idp.clientSecret, ...form })
  const answer = await fetch(`${idp.url}/resources/${resourceId}/oauth/token`, { method: 'POST', body })
  assert.equal(answer.status, 200)
  return (await answer.json()).access_token
}

/** Calls `tool` with the SDK's client; the text of its result. */
async function callTool(bearer, tool, args = {}) {
  const { Client } = requireExample('@modelcontextprotocol/sdk/client/index.js')
  const { StreamableHTTPClientTransport } = requireExample('@modelcontextprotocol/sdk/client/streamableHttp.js')
  const client = new Client({ name: 'scalekit-auth-tests', version: '1.0.0' })
  const headers = bearer ? { authorization: `Bearer ${bearer}` } : {}
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }))
  try {
    const result = await client.callTool({ name: tool, arguments: args })
    assert.ok(!result.isError, JSON.stringify(result))
    return result.content.map((part) => part.text ?? '').join('')
  } finally {
    await client.close()
  }
}

test('no token gets the challenge; the metadata names the resource issuer', { skip }, async () => {
  const answer = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) })
  assert.equal(answer.status, 401)
  const challenge = answer.headers.get('www-authenticate')
  assert.match(challenge, /^Bearer resource_metadata="/)
  const metadata = await (await fetch(challenge.split('"')[1])).json()
  assert.equal(metadata.resource, url)
  assert.deepEqual(metadata.authorization_servers, [`${idp.url}/resources/${RESOURCE_ID}`])
  await assert.rejects(callTool(null, 'whoami'))
})

test("the SDK's client calls tools with a token for the resource", { skip }, async () => {
  assert.equal(await callTool(await token({ scope: 'notes:read', sub: 'usr_ada', resource: url }), 'whoami'), 'usr_ada (notes:read)')
  assert.equal(await callTool(await token({ scope: 'notes:write', sub: 'usr_ada' }), 'add_note', { text: 'hi' }), '1 notes')
})

test('tokens not minted for the resource and missing scopes are refused', { skip }, async () => {
  const appToken = await (await fetch(`${idp.url}/oauth/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: idp.clientId, client_secret: idp.clientSecret }),
  })).json()
  for (const bearer of [appToken.access_token, await token({ resourceId: 'res_other' }), await token({ expires_in: '-3600' })]) {
    await assert.rejects(callTool(bearer, 'whoami'), /"error":"token_/)
  }
  const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'add_note', arguments: { text: 'x' } } }
  const answer = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${await token({ scope: 'notes:read' })}` },
    body: JSON.stringify(call),
  })
  assert.equal(answer.status, 403)
  assert.match(answer.headers.get('www-authenticate'), /error="insufficient_scope", scope="notes:write"/)
})
