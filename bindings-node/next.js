'use strict'
// Next.js App Router integration (Next 16 `proxy.ts`; `middleware.ts` on the Node.js
// runtime for Next 15), on scalekit-auth/web. The proxy is the one place where sessions
// are refreshed and cookies rewritten; pages, route handlers and Server Actions read the
// session from the request's own cookie and never write cookies.
//
//   // lib/auth.js
//   export const auth = createScalekitNext()                 // SCALEKIT_* variables
//   // app/auth/[...scalekit]/route.js
//   export const { GET, POST } = auth.handlers
//   // proxy.js
//   export const proxy = auth.proxy({ protect: ['/dashboard/:path*'] })
//   // a Server Component
//   const session = await auth.getSession()

const path = require('node:path')
const { createRequire } = require('node:module')

const EDGE_MESSAGE = 'scalekit-auth runs on the Node.js runtime, not the Edge runtime: add ' +
  "`serverExternalPackages: ['scalekit-auth']` to next.config, use proxy.ts (Next 16, always Node.js) or " +
  "`export const config = { runtime: 'nodejs' }` in middleware.ts (Next 15), and remove `export const runtime = 'edge'`"

function assertNodeRuntime() {
  if (typeof globalThis.EdgeRuntime !== 'undefined') throw new Error(EDGE_MESSAGE)
}
assertNodeRuntime()

const { createScalekitWeb } = require('./web.js')
const { InsufficientScopeError } = require('./errors.js')

/** The request header carrying the page's path and query from the proxy (for `return_to`). */
const PATH_HEADER = 'x-scalekit-auth-path'

// next/* is loaded on first use, never at import: the package works without Next
// installed. A package linked from outside the app (`file:`) resolves from the app's
// directory, so that it shares the app's copy of Next (its request storage).
function nextModule(id) {
  try {
    return require(id)
  } catch (error) {
    if (error.code !== 'MODULE_NOT_FOUND') throw error
  }
  return createRequire(path.join(process.cwd(), 'package.json'))(id)
}

/** A path pattern: `/a` (exactly), `/a/:path*` or `/a/*` (it and below), or a RegExp. */
function matcher(pattern) {
  if (pattern instanceof RegExp) return (p) => pattern.test(p)
  const tree = pattern.match(/^(.*?)\/(?::\w+\*|\*)$/)
  if (tree) return (p) => p === (tree[1] || '/') || p.startsWith(`${tree[1]}/`)
  return (p) => p === pattern
}

function rules(protect) {
  return (protect ?? []).map((rule) => {
    const { path: pattern, roles, permissions, scopes } = typeof rule === 'object' && !(rule instanceof RegExp)
      ? rule : { path: rule }
    return { test: matcher(pattern), requirements: { roles, permissions, scopes } }
  })
}

/**
 * The request's `Cookie` header with `setCookies` applied (new values set, cleared
 * cookies removed), so that the page sees what the browser will hold next.
 */
function applyCookies(cookieHeader, setCookies) {
  const jar = new Map()
  for (const pair of (cookieHeader ?? '').split(';')) {
    const eq = pair.indexOf('=')
    if (eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim())
  }
  for (const line of setCookies) {
    const [pair, ...attributes] = line.split(';')
    const eq = pair.indexOf('=')
    const name = pair.slice(0, eq).trim()
    const cleared = attributes.some((a) => /^\s*max-age\s*=\s*(0|-\d+)\s*$/i.test(a))
    if (cleared) jar.delete(name)
    else jar.set(name, pair.slice(eq + 1).trim())
  }
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ')
}

/** Next's proxy accepts only absolute redirect targets (it shortens same-origin ones again). */
function absoluteLocation(response, base) {
  const location = response.headers.get('location')
  if (location) response.headers.set('location', new URL(location, base).href)
  return response
}

// Next bundles the app's own modules once for the proxy and once for the pages, so
// `createScalekitNext()` in lib/auth runs twice; this module, external, is loaded once.
// Instances with the same settings share one engine: one JWKS cache, one refresh memory.
const instances = new Map()
function shared(options) {
  const key = JSON.stringify(options, (_key, value) => (typeof value === 'function' ? String(value) : value))
  let web = instances.get(key)
  if (!web) instances.set(key, (web = createScalekitWeb(options)))
  return web
}

/**
 * Sessions for a Next.js app: the same options as `createScalekitWeb` (else the
 * SCALEKIT_* variables). Nothing is read or checked until the first request, so
 * `next build` needs no settings.
 */
function createScalekitNext(options = {}) {
  assertNodeRuntime()
  let web
  const auth = () => (web ??= shared(options))
  const prefix = options.prefix ?? '/auth'

  const handle = (request) => auth().handleAuth(request)

  function proxy({ protect } = {}) {
    const protectedRoutes = rules(protect)
    return async function scalekitProxy(request) {
      const url = new URL(request.url)
      const { NextResponse } = nextModule('next/server')
      const headers = new Headers(request.headers)
      headers.set(PATH_HEADER, url.pathname + url.search)
      // The auth routes run in their route handler, with the request as the browser sent it.
      if (url.pathname === prefix || url.pathname.startsWith(`${prefix}/`)) {
        return NextResponse.next({ request: { headers } })
      }
      const rule = protectedRoutes.find((r) => r.test(url.pathname))
      const result = rule
        ? await auth().authenticate(request, rule.requirements)
        : await auth().optionalAuth(request)
      if (result.response) return absoluteLocation(result.response, request.url)
      if (result.setCookies.length > 0) {
        const cookie = applyCookies(request.headers.get('cookie'), result.setCookies)
        if (cookie) headers.set('cookie', cookie)
        else headers.delete('cookie')
      }
      return auth().withCookies(NextResponse.next({ request: { headers } }), result.setCookies)
    }
  }

  // The request as the page received it: the cookie (rewritten by the proxy), the
  // authorization header, and the path the proxy saw.
  async function current(navigation) {
    const { headers } = nextModule('next/headers')
    const h = await headers()
    const get = (name) => h.get(name) ?? ''
    const target = get(PATH_HEADER).startsWith('/') ? get(PATH_HEADER) : '/'
    const init = { headers: new Headers() }
    for (const name of ['cookie', 'authorization']) if (h.get(name)) init.headers.set(name, h.get(name))
    if (navigation) {
      init.headers.set('accept', 'text/html')
      init.headers.set('sec-fetch-mode', 'navigate')
      init.headers.set('sec-fetch-site', 'same-origin')
    } else {
      init.headers.set('accept', 'application/json')
    }
    return new Request(new URL(target, 'http://localhost'), init)
  }

  async function getSession() {
    const request = await current(false)
    const { identity } = await auth().optionalAuth(request)
    return identity
  }

  async function requireSession(requirements = {}) {
    const { api = false, roles, permissions, scopes } = requirements
    const request = await current(!api)
    const result = await auth().authenticate(request, { roles, permissions, scopes })
    if (!result.response) return result.identity
    if (api) return result.response
    if (result.decision.kind === 'redirect') nextModule('next/navigation').redirect(result.decision.location)
    throw new InsufficientScopeError(result.decision.errorDetail ?? 'the user lacks what this page requires', {
      code: result.decision.errorCode ?? 'insufficient_scope', status: result.response.status,
    })
  }

  return {
    handlers: { GET: handle, POST: handle },
    proxy,
    getSession,
    requireSession,
    /** The signed-in user's access token, or null. */
    async getAccessToken() {
      return (await getSession())?.accessToken ?? null
    },
    /** The underlying `createScalekitWeb` instance (created on first use). */
    get web() {
      return auth()
    },
  }
}

module.exports = { createScalekitNext, applyCookies }
