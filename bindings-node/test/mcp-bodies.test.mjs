// What earlier middleware left of a request's body never decides which scopes a call
// needs: a Buffer (express.raw), a string (express.text), Express 4's `{}` for a content
// type express.json() skips (the stream still unread, for the SDK to read next), or no
// parser at all. Each is judged by the body the handler will act on, in Express 4 and 5.
// And a CORS preflight is answered by the middleware itself, never passed on.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import http from 'node:http'
import { createRequire } from 'node:module'

import { createMcpAuth } from '../mcp.mjs'
import { LocalProvider } from '../testing.mjs'

const require = createRequire(import.meta.url)
const VERSIONS = { 'Express 5': require('express'), 'Express 4': require('express4') }
const RESOURCE_ID = 'res_notes'

let provider
const servers = []
before(async () => {
  provider = await new LocalProvider({ clientId: 'skc_app' }).start()
})
after(async () => {
  for (const server of servers) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
  await provider?.stop()
})

/** The body as the MCP SDK gets it: the parsed body handed over, or the stream read. */
async function handlerBody(req) {
  if (req.rawBody) return JSON.parse(req.rawBody.toString())
  if (Buffer.isBuffer(req.body) || typeof req.body === 'string') return JSON.parse(req.body.toString())
  if (req.body !== undefined && (req._body || req.readableEnded)) return req.body
  const chunks = []
  for await (const chunk of req) chunks.push(chunk)
  return JSON.parse(Buffer.concat(chunks).toString() || 'null')
}

async function serve(express, parser, route = 'post') {
  const app = express()
  if (parser) app.use(parser(express))
  if (parser === PARSERS['a raw body kept in req.rawBody']) {
    app.use((req, _res, next) => {
      req.rawBody = req.body
      req.body = undefined
      next()
    })
  }
  const listening = http.createServer(app)
  await new Promise((resolve) => listening.listen(0, '127.0.0.1', resolve))
  servers.push(listening)
  const base = `http://127.0.0.1:${listening.address().port}`
  const auth = createMcpAuth({
    environmentUrl: provider.url, resourceId: RESOURCE_ID, resourceUrl: `${base}/mcp`,
    toolScopes: { add_note: ['notes:write'] },
  })
  // Like the SDK's SSE message route: any method, the body run whatever it is.
  app[route]('/mcp', auth.protect(), async (req, res) => {
    const call = await handlerBody(req)
    res.json({ jsonrpc: '2.0', id: call?.id, result: { caller: req.auth.extra.userId, tool: call?.params?.name } })
  })
  return base
}

const CALL = (tool) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool } })
const PARSERS = {
  'express.json()': (e) => e.json(),
  'express.raw()': (e) => e.raw({ type: '*/*' }),
  'express.text()': (e) => e.text({ type: '*/*' }),
  'no parser': null,
  // Reads the stream and keeps it elsewhere (as signature-checking middleware does).
  'a raw body kept in req.rawBody': (e) => e.raw({ type: '*/*' }),
}

for (const [version, express] of Object.entries(VERSIONS)) {
  for (const [name, parser] of Object.entries(PARSERS)) {
    for (const type of ['application/json', 'application/json-rpc']) {
      test(`${version}, ${name}, ${type}: a call is judged by the body the handler runs`, async () => {
        const base = await serve(express, parser)
        const iss = `${provider.url}/resources/${RESOURCE_ID}`
        const reader = provider.mint({ sub: 'usr_ada', iss, aud: [RESOURCE_ID], scopes: ['notes:read'] })
        const post = (tool) => fetch(`${base}/mcp`, {
          method: 'POST', headers: { 'content-type': type, authorization: `Bearer ${reader}` }, body: CALL(tool),
        })
        const narrow = await post('add_note')
        assert.equal(narrow.status, 403, 'a tool the token may not use')
        assert.equal((await narrow.json()).error, 'insufficient_scope')
        const ok = await post('whoami')
        if (name === 'a raw body kept in req.rawBody') {
          // The middleware saw no body it could judge: every tool scope is needed.
          assert.equal(ok.status, 403)
          return
        }
        assert.equal(ok.status, 200)
        assert.deepEqual((await ok.json()).result, { caller: 'usr_ada', tool: 'whoami' })
      })
    }
  }

  test(`${version}: a preflight is answered here, never by the app; other OPTIONS are checked`, async () => {
    const base = await serve(express, null, 'all')
    const preflight = await fetch(`${base}/mcp`, {
      method: 'OPTIONS', body: CALL('add_note'),
      headers: { origin: 'https://ide.example', 'access-control-request-method': 'POST' },
    })
    assert.equal(preflight.status, 204)
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*')
    assert.match(preflight.headers.get('access-control-allow-headers'), /authorization/)
    assert.equal(await preflight.text(), '')
    // Without the preflight's headers an OPTIONS is a call like any other.
    const bare = await fetch(`${base}/mcp`, { method: 'OPTIONS', body: CALL('add_note') })
    assert.equal(bare.status, 401)
    const iss = `${provider.url}/resources/${RESOURCE_ID}`
    const reader = provider.mint({ sub: 'usr_ada', iss, aud: [RESOURCE_ID], scopes: ['notes:read'] })
    const narrow = await fetch(`${base}/mcp`, { method: 'OPTIONS', body: CALL('add_note'), headers: { authorization: `Bearer ${reader}` } })
    assert.equal(narrow.status, 403)
    const put = await fetch(`${base}/mcp`, { method: 'PUT', body: CALL('add_note'), headers: { authorization: `Bearer ${reader}` } })
    assert.equal(put.status, 403)
  })
}

test('the Fetch-API side answers a preflight itself and judges any method by its body', async () => {
  const auth = createMcpAuth({
    environmentUrl: provider.url, resourceId: RESOURCE_ID, resourceUrl: 'https://mcp.example.com/mcp',
    toolScopes: { add_note: ['notes:write'] },
  })
  const preflight = await auth.authorizeRequest(new Request('https://mcp.example.com/mcp', {
    method: 'OPTIONS', headers: { origin: 'https://ide.example', 'access-control-request-method': 'POST' },
  }))
  assert.equal(preflight.response.status, 204)
  assert.equal(preflight.response.headers.get('access-control-allow-methods'), 'GET, POST, DELETE, OPTIONS')
  const iss = `${provider.url}/resources/${RESOURCE_ID}`
  const reader = provider.mint({ sub: 'usr_ada', iss, aud: [RESOURCE_ID], scopes: ['notes:read'] })
  const put = await auth.authorizeRequest(new Request('https://mcp.example.com/mcp', {
    method: 'PUT', body: CALL('add_note'), headers: { authorization: `Bearer ${reader}` },
  }))
  assert.equal(put.response.status, 403)
  const get = await auth.authorizeRequest(new Request('https://mcp.example.com/mcp', { headers: { authorization: `Bearer ${reader}` } }))
  assert.equal(get.authInfo.extra.userId, 'usr_ada', 'a GET (a stream opening) needs only the base scopes')
})
