// Shared test support: the JSON vectors, a private local OpenID provider (tests/idp)
// with 5-second access tokens, and a browser with a cookie jar for apps under test.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

const here = path.dirname(fileURLToPath(import.meta.url))
export const ROOT = path.resolve(here, '..', '..')

export function loadVectors(name) {
  return JSON.parse(readFileSync(path.join(ROOT, 'tests', 'vectors', name), 'utf8'))
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

/** fetch with a cookie jar and no automatic redirects. */
export class Browser {
  constructor(base) {
    this.base = base
    this.jar = new Map()
  }

  async get(route, headers = {}) {
    const cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ')
    const res = await fetch(route.startsWith('http') ? route : `${this.base}${route}`, {
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...headers },
    })
    const setCookies = res.headers.getSetCookie()
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(';')
      const eq = pair.indexOf('=')
      const name = pair.slice(0, eq)
      if (attrs.some((a) => a.trim() === 'Max-Age=0')) this.jar.delete(name)
      else this.jar.set(name, pair.slice(eq + 1))
    }
    return { status: res.status, location: res.headers.get('location'), setCookies, body: await res.text() }
  }
}
