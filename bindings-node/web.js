'use strict'
// Fetch-API integration: the session engine over `Request` and `Response`, for any server
// that speaks them (Next.js route handlers and proxy, Hono, Bun, Remix, Deno's Node mode).
// Like express.js, this file only moves requests into the engine and decisions back out.
//
//   const { createScalekitWeb } = require('scalekit-auth/web')
//   const auth = createScalekitWeb()                      // from SCALEKIT_* variables
//   if (url.pathname.startsWith('/auth/')) return auth.handleAuth(request)
//   const { identity, response, setCookies } = await auth.authenticate(request)
//   if (response) return response                         // redirect to log in, 401, 403
//   return auth.withCookies(new Response(`hello ${identity.user.email}`), setCookies)

// First, before the native module: in the Edge runtime say what to change.
const { EDGE_MESSAGE, translateAsync } = require('./errors.js')
if (typeof globalThis.EdgeRuntime !== 'undefined') throw new Error(EDGE_MESSAGE)

const { callbackDecision, createEngine, identityOf, reporter, MAX_BACKCHANNEL_BODY } = require('./adapter.js')

/** The engine's request parts of a Fetch `Request` (absolute `request.url`). */
function requestParts(request) {
  const url = new URL(request.url)
  const h = request.headers
  const get = (name) => h.get(name) ?? undefined
  return {
    method: request.method,
    pathAndQuery: url.pathname + url.search,
    cookie: get('cookie'),
    authorization: get('authorization'),
    accept: get('accept'),
    secFetchMode: get('sec-fetch-mode'),
    secFetchSite: get('sec-fetch-site'),
    purpose: get('sec-purpose') ?? get('purpose'),
  }
}

/** The answer to a request body over its limit (never a decision of the engine). */
const tooLarge = Symbol('request body too large')

/**
 * The request body as text, or `null` past `max` bytes: read chunk by chunk, so that a
 * chunked or mislabelled body is never buffered whole.
 */
async function limitedText(request, max) {
  if (Number(request.headers.get('content-length') ?? 0) > max) return null
  if (!request.body) return ''
  const reader = request.body.getReader()
  const chunks = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > max) {
      await reader.cancel().catch(() => {})
      return null
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** A redirect or an answer, exactly as the engine wrote it: status, headers, cookies, body. */
function toResponse(decision) {
  const headers = new Headers()
  for (const [name, value] of Object.entries(decision.headers)) headers.set(name, value)
  for (const cookie of decision.setCookies) headers.append('set-cookie', cookie)
  const empty = decision.body == null || decision.status === 204 || decision.status === 304
  return new Response(empty ? null : decision.body, { status: decision.status, headers })
}

/**
 * `response` with every `Set-Cookie` of `setCookies` appended. Responses with immutable
 * headers (`Response.redirect()`, `fetch()` results) are copied first.
 */
function withCookies(response, setCookies) {
  if (!setCookies || setCookies.length === 0) return response
  try {
    for (const cookie of setCookies) response.headers.append('set-cookie', cookie)
    return response
  } catch {
    const copy = new Response(response.body, response)
    for (const cookie of setCookies) copy.headers.append('set-cookie', cookie)
    return copy
  }
}

/**
 * Sessions for one app over Fetch `Request`/`Response`. Each setting not passed
 * (`environmentUrl`, `clientId`, `clientSecret`, `redirectUri`, `sessionSecret`) comes
 * from its SCALEKIT_* variable. `onError(error, request)` hears the error behind every
 * decision (by default those with a status >= 500 are logged); for a refusal (status 400
 * or more) a `Response` it returns (or resolves to) is sent instead of the built-in page
 * or JSON, e.g. the app's own page for `error.code` with a link to `error.retryPath`.
 */
function createScalekitWeb(options = {}) {
  const prefix = options.prefix ?? '/auth'
  const { client, engine } = createEngine(options, prefix)
  const report = reporter(options.onError)

  const routes = {
    login: { methods: ['GET', 'HEAD'], decide: (parts) => engine.handleLogin(parts, false) },
    signup: { methods: ['GET', 'HEAD'], decide: (parts) => engine.handleLogin(parts, true) },
    callback: {
      methods: ['GET', 'HEAD'],
      decide: (parts, request) => callbackDecision(engine, parts, options.afterCallback, request),
    },
    logout: { methods: null, decide: (parts) => engine.handleLogout(parts) },
    // The provider's back-channel logout POST (form body with `logout_token`).
    'backchannel-logout': {
      methods: ['POST'],
      decide: async (parts, request) => {
        const body = await limitedText(request, MAX_BACKCHANNEL_BODY)
        return body === null ? tooLarge : engine.handleBackchannelLogout(request.method, body)
      },
    },
  }

  // The response to a decision: for a refusal, the app's own from `onError` when it
  // returns a Response (with the decision's cookies), else the engine's.
  async function answerOf(decision, request) {
    // The app's own answer to a login it keeps a session of its own for (afterCallback).
    if (decision.ownResponse) return withCookies(decision.ownResponse, decision.setCookies)
    const custom = await report(decision, request)
    const refusal = decision.isRefusal
    if (refusal && custom instanceof Response) return withCookies(custom, decision.setCookies)
    return toResponse(decision)
  }

  async function handleAuth(request) {
    const { pathname } = new URL(request.url)
    const name = pathname.startsWith(`${prefix}/`) ? pathname.slice(prefix.length + 1) : null
    const route = Object.hasOwn(routes, name ?? '') ? routes[name] : null
    if (!route) return new Response('Not Found', { status: 404, headers: { 'content-type': 'text/plain' } })
    if (route.methods && !route.methods.includes(request.method)) {
      const allow = route.methods.join(', ')
      return new Response('Method Not Allowed', { status: 405, headers: { allow, 'content-type': 'text/plain' } })
    }
    const decision = await translateAsync(() => route.decide(requestParts(request), request))
    if (decision === tooLarge) {
      return new Response('{"error":"invalid_request"}', { status: 413, headers: { 'content-type': 'application/json' } })
    }
    return answerOf(decision, request)
  }

  // `requirements` null: optional. `peek`: read-only, never a refresh nor a cookie.
  async function decide(request, requirements, peek = false) {
    const parts = requestParts(request)
    const decision = await translateAsync(() => {
      if (peek) return engine.peekSession(parts, requirements)
      if (requirements === null) return engine.optionalAuth(parts)
      return engine.tryRequireAuth(parts, requirements) ?? engine.requireAuth(parts, requirements)
    })
    if (decision.kind !== 'continue') {
      return { identity: null, response: await answerOf(decision, request), setCookies: decision.setCookies, decision }
    }
    await report(decision, request)
    const identity = identityOf(decision)
    decision.identity = identity ?? undefined
    return { identity, setCookies: decision.setCookies, decision }
  }

  return {
    client,
    engine,
    prefix,
    handleAuth,
    /**
     * A signed-in user (meeting `requirements`) is required: `{identity, setCookies}`, or
     * `{response}` to send (a redirect to log in for a page load, else 401/403 JSON).
     */
    authenticate: (request, requirements = {}) => decide(request, requirements ?? {}),
    /**
     * `{identity, setCookies}`, with `identity` null when nobody is signed in (and
     * `response`, a 401, for an invalid `Authorization: Bearer` token).
     */
    optionalAuth: (request) => decide(request, null),
    /**
     * Ends every session of the user `userId` begun until now, on every instance sharing
     * the store: each is refused on its next request; a later login works as usual.
     */
    endSessionsFor: (userId) => translateAsync(() => engine.endSessionsFor(userId)),
    /**
     * Read-only: like `optionalAuth` (no `requirements`) or `authenticate`, but never
     * refreshes and never sets cookies (`setCookies` is empty). A session whose access
     * token is still valid continues, even inside the refresh window; an expired one is
     * refused (or, optional, continues without a user). For code that cannot send cookies
     * (Server Components, Server Actions) behind a proxy that refreshes.
     */
    peekSession: (request, requirements = null) => decide(request, requirements ?? null, true),
    withCookies,
  }
}

module.exports = { createScalekitWeb, withCookies, requestParts, toResponse }
