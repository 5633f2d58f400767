// Shared test support: the JSON vectors, a private local OpenID provider (tests/idp)
// with 5-second access tokens, and a browser with a cookie jar for apps under test.
import { spawn } from 'node:child_process'
import http from 'node:http'
import { existsSync, readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

const here = path.dirname(fileURLToPath(import.meta.url))
export const ROOT = path.resolve(here, '..', '..')

export function loadVectors(name) {
  return JSON.parse(readFileSync(path.join(ROOT, 'tests', 'vectors', name), 'utf8'))
}

/**
 * Serves `jwks` at /keys on 127.0.0.1 and answers 404 to everything else (discovery
 * too, so clients use Scalekit's default paths). `requests` lists the paths asked for.
 */
export async function serveJwks(jwks) {
  const requests = []
  const server = http.createServer((req, res) => {
    requests.push(req.url)
    if (req.url === '/keys') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks))
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}')
    }
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    close() {
      server.closeAllConnections()
      return new Promise((resolve) => server.close(resolve))
    },
  }
}

/** Starts a private provider registering `redirectUris`; call `stop()` when done. */
export async function startIdp({ redirectUris, postLogoutUris, accessTokenTtl = 5 }) {
  const dir = path.join(ROOT, 'tests', 'idp')
  if (!existsSync(path.join(dir, 'node_modules', 'oidc-provider'))) {
    throw new Error('tests/idp has no node_modules: run `npm ci --prefix tests/idp` (scripts/test.sh does)')
  }
  const child = spawn(process.execPath, [path.join(dir, 'server.mjs')], {
    env: {
      ...process.env,
      IDP_PORT: '0',
      IDP_TEST_MODE: '1',
      IDP_ACCESS_TOKEN_TTL: String(accessTokenTtl),
      SCALEKIT_CLIENT_ID: 'skc_node_tests',
      SCALEKIT_CLIENT_SECRET: 'node-tests-secret',
      IDP_REDIRECT_URIS: redirectUris.join(','),
      IDP_POST_LOGOUT_REDIRECT_URIS: postLogoutUris.join(','),
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  })
  const url = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout })
    lines.on('line', (line) => {
      const match = line.match(/listening on (\S+)/)
      if (match) resolve(match[1])
    })
    child.on('exit', () => reject(new Error('the local provider exited before listening')))
  })
  const post = async (route, body) => {
    const res = await fetch(`${url}${route}`, { method: 'POST', body: JSON.stringify(body ?? {}) })
    return res.json()
  }
  return {
    url,
    clientId: 'skc_node_tests',
    clientSecret: 'node-tests-secret',
    async browse(target, username = 'jane', browser = 'default') {
      const out = await post('/__test/browse', { url: target, username, browser })
      if (!out.url || out.status) throw new Error(`browse stopped: ${JSON.stringify(out)}`)
      return out.url
    },
    async count(route) {
      const counts = await (await fetch(`${url}/__test/counts`)).json()
      return counts[route] ?? 0
    },
    resetCounts: () => post('/__test/counts/reset'),
    stop() {
      child.kill()
    },
  }
}

/** The headers a browser sends when a person loads a page (typed in, or a bookmark). */
export const NAVIGATE = Object.freeze({
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-site': 'none',
  'sec-fetch-dest': 'document',
})

/** The headers of `fetch()` from a page of the same site. */
export const FETCH = Object.freeze({ accept: '*/*', 'sec-fetch-mode': 'cors', 'sec-fetch-site': 'same-origin' })

/** A browser's requests (with the headers given) with a cookie jar, following no redirects. */
export class Browser {
  constructor(base) {
    this.base = base
    this.jar = new Map()
  }

  /** The `Cookie` header the next request sends. */
  cookieHeader() {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ')
  }

  get(route, headers = {}) {
    return this.request('GET', route, headers)
  }

  post(route, headers = {}, body = undefined) {
    return this.request('POST', route, headers, body)
  }

  // node:http rather than fetch: fetch always sends `sec-fetch-mode: cors`, and a browser
  // loading a page sends `navigate`.
  async request(method, route, headers = {}, body = undefined) {
    const cookie = this.cookieHeader()
    const url = new URL(route.startsWith('http') ? route : `${this.base}${route}`)
    const res = await new Promise((resolve, reject) => {
      const req = http.request(url, { method, headers: { ...(cookie ? { cookie } : {}), ...headers } }, resolve)
      req.on('error', reject)
      req.end(body)
    })
    const chunks = []
    for await (const chunk of res) chunks.push(chunk)
    const pairs = []
    for (let i = 0; i < res.rawHeaders.length; i += 2) pairs.push([res.rawHeaders[i], res.rawHeaders[i + 1]])
    const received = new Headers(pairs)
    const setCookies = received.getSetCookie()
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(';')
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq)
      if (attrs.some((a) => a.trim() === 'Max-Age=0')) this.jar.delete(name)
      else this.jar.set(name, pair.slice(eq + 1))
    }
    return {
      status: res.statusCode,
      location: received.get('location'),
      contentType: received.get('content-type'),
      headers: received,
      setCookies,
      body: Buffer.concat(chunks).toString('utf8'),
    }
  }
}
