'use strict'
// Next.js App Router integration (Next 16 `proxy.ts`; `middleware.ts` on the Node.js
// runtime for Next 15), on scalekit-auth/web. The proxy is the one place where sessions
// are refreshed and cookies rewritten; pages, route handlers and Server Actions read the
// session from the request's own cookie (read-only: `peekSession`), never refresh and
// never write cookies.
//
//   // lib/auth.js
//   export const auth = createScalekitNext()                 // SCALEKIT_* variables
//   // app/auth/[...scalekit]/route.js
//   export const { GET, POST } = auth.handlers
//   // proxy.js
//   export const proxy = auth.proxy({ protect: ['/dashboard/:path*'] })
//   // a Server Component
//   const session = await auth.getSession()

// First, before anything Node-only: in the Edge runtime say what to change.
const { EDGE_MESSAGE, classForCode } = require('./errors.js')

function assertNodeRuntime() {
  if (typeof globalThis.EdgeRuntime !== 'undefined') throw new Error(EDGE_MESSAGE)
}
assertNodeRuntime()

const path = require('node:path')
const { createRequire } = require('node:module')
const { createScalekitWeb } = require('./web.js')

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

const SUPPORTED = "'/a' (exactly), '/a/:path*' or '/a/*' (it and everything below), or a RegExp"

/**
 * A path pattern: `/a` (exactly), `/a/:path*` or `/a/*` (it and below), or a RegExp,
 * tested against the decoded path without a trailing slash. Anything else throws: a
 * pattern that silently never matched would leave its pages unprotected.
 */
function matcher(pattern) {
  if (pattern instanceof RegExp) {
    // A copy without g/y: `test` on those advances lastIndex and skips the next match.
    const regexp = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''))
    return (p) => regexp.test(p)
  }
  if (typeof pattern !== 'string') {
    throw new TypeError(`scalekit-auth: protect: a path must be a string or a RegExp, not ${typeof pattern}`)
  }
  const tree = pattern.match(/^(.*?)\/(?::\w+\*|\*)$/)
  const base = tree ? tree[1] : pattern
  if ((base !== '' || !tree) && !base.startsWith('/')) {
    throw new Error(`scalekit-auth: protect: the path ${JSON.stringify(pattern)} must start with '/'`)
  }
  if (/[:()+?*{}]/.test(base)) {
    throw new Error(`scalekit-auth: protect: unsupported path pattern ${JSON.stringify(pattern)}: ` +
      `use ${SUPPORTED} (e.g. new RegExp('^/a/[^/]+/b$'))`)
  }
  const exact = base.length > 1 ? base.replace(/\/+$/, '') : base
  if (tree) return (p) => exact === '' || p === exact || p.startsWith(`${exact}/`)
  return (p) => p === (exact || '/')
}

function rules(protect) {
  return (protect ?? []).map((rule) => {
    const { path: pattern, roles, permissions, scopes } = typeof rule === 'object' && rule !== null && !(rule instanceof RegExp)
      ? rule : { path: rule }
    return { test: matcher(pattern), requirements: { roles, permissions, scopes } }
  })
}

/**
 * The path Next routes on: `nextUrl.pathname` (without the basePath), each segment
 * percent-decoded, repeated and trailing slashes dropped, so that `/%64ashboard/` is
 * matched as `/dashboard`. `null` when that cannot be done unambiguously (invalid
 * encoding, a segment decoding to a '/' or '\\', or to '.' or '..').
 */
function routePath(request, url) {
  const raw = request.nextUrl?.pathname ?? url.pathname
  const segments = []
  for (const segment of raw.split('/')) {
    if (segment === '') continue
    let decoded
    try {
      decoded = decodeURIComponent(segment)
    } catch {
      return null
    }
    if (/[/\\]/.test(decoded) || decoded === '.' || decoded === '..') return null
    segments.push(decoded)
  }
  return `/${segments.join('/')}`
}

/** A Server Action called from JavaScript (`POST` with its `Next-Action` header). */
function isServerAction(request) {
  return request.method === 'POST' && request.headers.has('next-action')
}

/** The JSON refusal of a Server Action posted to a protected path without a session. */
function actionRefusal({ response, decision, setCookies }) {
  if (response.status < 300 || response.status >= 400) return response
  const body = { error: decision?.errorCode ?? 'session_missing', message: 'Sign in to continue.' }
  const headers = new Headers({ 'content-type': 'application/json', 'cache-control': 'no-store' })
  for (const cookie of setCookies ?? []) headers.append('set-cookie', cookie)
  return new Response(JSON.stringify(body), { status: 401, headers })
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
      const route = routePath(request, url)
      if (route === null) {
        return new Response('Bad Request: the path is not validly encoded', {
          status: 400, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
        })
      }
      const { NextResponse } = nextModule('next/server')
      const headers = new Headers(request.headers)
      headers.set(PATH_HEADER, url.pathname + url.search)
      // The auth routes run in their route handler, with the request as the browser sent it.
      if (route === prefix || route.startsWith(`${prefix}/`)) {
        return NextResponse.next({ request: { headers } })
      }
      const rule = protectedRoutes.find((r) => r.test(route))
      const result = rule
        ? await auth().authenticate(request, rule.requirements)
        : await auth().optionalAuth(request)
      if (result.response) {
        // A Server Action's client cannot follow a redirect to log in: it gets the 401
        // (or 403) itself. Its header is the client's to send, so it never lets a request
        // to a protected path through.
        if (isServerAction(request)) return actionRefusal(result)
        return absoluteLocation(result.response, request.url)
      }
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

  // Pages, route handlers and actions only read: `peekSession` never refreshes, so
  // rotated tokens are never thrown away (only the proxy can send them to the browser).
  async function getSession() {
    const request = await current(false)
    const { identity } = await auth().peekSession(request)
    return identity
  }

  async function requireSession(requirements = {}) {
    const { api = false, roles, permissions, scopes } = requirements ?? {}
    const request = await current(!api)
    const result = await auth().peekSession(request, { roles, permissions, scopes })
    if (!result.response) return result.identity
    if (api) return result.response
    const { decision } = result
    if (decision.kind === 'redirect') nextModule('next/navigation').redirect(decision.location)
    // The public message only: the details (issuer, URLs) went to onError.
    const status = decision.errorStatus ?? result.response.status
    const code = decision.errorCode ?? (status === 403 ? 'insufficient_scope' : 'session_invalid')
    const ErrorClass = classForCode(code)
    const message = decision.errorMessage
      ?? (status === 403 ? 'You do not have access to this page.' : 'The request could not be authenticated.')
    throw new ErrorClass(message, { code, status, publicMessage: decision.errorPublicMessage ?? message })
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
    /** Ends every session of the user `userId` begun until now (see `createScalekitWeb`). */
    endSessionsFor(userId) {
      return auth().endSessionsFor(userId)
    },
    /** The underlying `createScalekitWeb` instance (created on first use). */
    get web() {
      return auth()
    },
  }
}

module.exports = { createScalekitNext, applyCookies, routePath, EDGE_MESSAGE }
