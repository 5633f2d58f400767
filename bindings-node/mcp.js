'use strict'
// MCP servers as OAuth protected resources of a Scalekit environment (MCP authorization,
// RFC 9728), on Express: the metadata routes, and middleware that lets in only tokens
// minted for this resource. Every rule lives in the Rust core (ResourceServer); this file
// moves headers and bodies.
//
//   const { createMcpAuth } = require('scalekit-auth/mcp')
//   const auth = createMcpAuth({ toolScopes: { add_note: ['notes:write'] } })  // SCALEKIT_* and MCP_SERVER_URL
//   app.use(auth.router)                                   // /.well-known/oauth-protected-resource[/mcp]
//   app.post('/mcp', express.json(), auth.protect(), (req, res) => transport.handleRequest(req, res, req.body))
//   // tools: extra.authInfo.extra.identity (user, claims)

const native = require('./binding.js')
const { identityOf, readBody, requiredSettings } = require('./adapter.js')
const { translate } = require('./errors.js')

/** Where clients look for the metadata when the resource URL has no path. */
const RESOURCE_METADATA_PATH = '/.well-known/oauth-protected-resource'
/** The most a call's body may hold when it is read for its tool names. */
const MAX_BODY = 4 * 1024 * 1024

const SETTINGS = {
  environmentUrl: 'SCALEKIT_ENVIRONMENT_URL', resourceId: 'SCALEKIT_RESOURCE_ID', resourceUrl: 'MCP_SERVER_URL',
}

/**
 * Protection for one MCP server. Each setting not passed comes from its variable
 * (`environmentUrl` SCALEKIT_ENVIRONMENT_URL, `resourceId` SCALEKIT_RESOURCE_ID,
 * `resourceUrl` MCP_SERVER_URL). `scopes` are needed by every call, `toolScopes` by a
 * `tools/call` of the named tool; `scopesSupported` (published in the metadata) defaults
 * to all of them.
 */
function createMcpAuth(options = {}) {
  const settings = requiredSettings(options, SETTINGS)
  const scopes = [...(options.scopes ?? [])]
  const toolScopes = Object.fromEntries(Object.entries(options.toolScopes ?? {}).map(([tool, needed]) => [tool, [...needed]]))
  const named = [...scopes, ...Object.values(toolScopes).flat()]
  const server = translate(() => new native.NativeResourceServer(settings.environmentUrl, settings.resourceId, settings.resourceUrl, {
    scopesSupported: options.scopesSupported ?? [...new Set(named)],
    leewaySeconds: options.leewaySeconds,
    httpTimeoutSeconds: options.httpTimeoutSeconds,
  }))
  const metadataPaths = new Set([server.metadataPath, RESOURCE_METADATA_PATH])

  /** The metadata document at both paths; other requests pass on. */
  function router(req, res, next) {
    const path = (req.originalUrl || req.url || '/').split('?')[0]
    if (!metadataPaths.has(path)) return next()
    // Browser-based MCP clients read it from another origin.
    res.setHeader('access-control-allow-origin', '*')
    res.setHeader('access-control-allow-methods', 'GET, OPTIONS')
    if (req.method === 'OPTIONS') return res.status(204).end()
    if (req.method !== 'GET' && req.method !== 'HEAD') return res.status(405).set('allow', 'GET, OPTIONS').end()
    res.setHeader('cache-control', 'max-age=300')
    res.status(200).json(server.metadata())
  }

  const decide = async (authorization, needed) =>
    server.tryAuthorize(authorization, needed) ?? await server.authorize(authorization, needed)

  /** The scopes a call with this JSON text needs, as the core reads it: a body it cannot
   * read needs every tool scope (another parser, the SDK's, might find a call in it). */
  const requiredFor = (text) => native.mcpRequiredScopes(scopes, toolScopes, text === '' ? null : text)

  /** Lets in calls with a token minted for this resource (and the scopes their tools need). */
  function protect() {
    return async (req, res, next) => {
      // A CORS preflight carries no token: answered here, never passed on (an app that
      // runs a body whatever the method must not get one unchecked).
      if (isPreflight(req.method, (name) => req.headers[name])) {
        for (const [name, value] of Object.entries(PREFLIGHT)) res.setHeader(name, value)
        return res.status(204).end()
      }
      try {
        // The token first: nothing is read for a caller without one.
        const authorization = req.headers.authorization
        let decision = await decide(authorization, scopes)
        if (decision.kind === 'continue' && Object.keys(toolScopes).length > 0) {
          // Whatever the method: an app may run a body it gets with any of them.
          const needed = requiredFor(await bodyText(req))
          if (needed.length > scopes.length) decision = await decide(authorization, needed)
        }
        const identity = decision.kind === 'continue' ? identityOf(decision) : null
        if (!identity) {
          res.status(decision.status)
          for (const [name, value] of Object.entries({ ...decision.headers, ...EXPOSE })) res.setHeader(name, value)
          return res.end(decision.body ?? '')
        }
        req.auth = authInfo(identity, settings.resourceUrl)
        next()
      } catch (error) {
        if (error.status === 413) return res.status(413).json({ error: 'invalid_request', message: 'The request is too large.' })
        next(error)
      }
    }
  }

  /**
   * The Fetch-API side (Next.js route handlers, any `Request`/`Response` server): the
   * metadata `Response` for a request of one of its paths, else `null`.
   */
  function metadataResponse(request) {
    const { pathname } = new URL(request.url)
    if (!metadataPaths.has(pathname)) return null
    const cors = { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, OPTIONS' }
    if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers: cors })
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return new Response(null, { status: 405, headers: { allow: 'GET, OPTIONS' } })
    }
    return Response.json(server.metadata(), { headers: { ...cors, 'cache-control': 'max-age=300' } })
  }

  /**
   * Checks a Fetch-API call: `{ authInfo, body }` (the caller and the parsed JSON body, for
   * the MCP SDK's web-standard transport) or `{ response }`, the 401/403 to answer.
   */
  async function authorizeRequest(request) {
    const refusal = (decision) =>
      ({ response: new Response(decision.body ?? '', { status: decision.status, headers: { ...decision.headers, ...EXPOSE } }) })
    if (isPreflight(request.method, (name) => request.headers.get(name) ?? undefined)) {
      return { response: new Response(null, { status: 204, headers: PREFLIGHT }) }
    }
    const authorization = request.headers.get('authorization') ?? undefined
    let decision = await decide(authorization, scopes)
    if (decision.kind !== 'continue') return refusal(decision)
    let body
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      const text = await boundedText(request)
      if (text === null) {
        return { response: Response.json({ error: 'invalid_request', message: 'The request is too large.' }, { status: 413 }) }
      }
      try {
        body = JSON.parse(text)
      } catch {
        body = undefined
      }
      const needed = requiredFor(text)
      if (needed.length > scopes.length) decision = await decide(authorization, needed)
    }
    const identity = decision.kind === 'continue' ? identityOf(decision) : null
    if (!identity) return refusal(decision)
    return { authInfo: authInfo(identity, settings.resourceUrl), body }
  }

  return { server, router, protect, metadataResponse, authorizeRequest }
}

/**
 * The caller as the MCP SDK's `AuthInfo` (`req.auth`, handed to tools as
 * `extra.authInfo`): the token, its client and scopes, and the identity in `extra`.
 */
function authInfo(identity, resource) {
  const claims = identity.claims ?? {}
  const scopes = Array.isArray(claims.scopes) ? claims.scopes
    : typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : []
  return {
    token: identity.accessToken,
    clientId: String(claims.client_id ?? claims.azp ?? ''),
    scopes,
    expiresAt: typeof claims.exp === 'number' ? claims.exp : undefined,
    resource: new URL(resource),
    extra: { identity, userId: identity.user.id },
  }
}

/** Refusals are readable by browser-based clients on other origins. */
const EXPOSE = { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'WWW-Authenticate' }

/** A Fetch request's body as text, or `null` past MAX_BODY bytes (read no further). */
async function boundedText(request) {
  const declared = Number(request.headers.get('content-length'))
  if (declared > MAX_BODY) return null
  if (!request.body) return ''
  const chunks = []
  let size = 0
  for await (const chunk of request.body) {
    size += chunk.byteLength
    if (size > MAX_BODY) return null
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/**
 * The text of the body the app will act on, as the core is to judge it. What earlier
 * middleware left in `req.body` counts only when it really read the stream: a Buffer
 * (`express.raw()`) or a string (`express.text()`) is that text; an object is trusted
 * only once a body parser consumed the stream (Express 4's `express.json()` leaves `{}`
 * for a content type it skips, with the stream unread for the next reader). Otherwise
 * the stream is read here (up to MAX_BODY) and its JSON left in `req.body` for the
 * handler (`transport.handleRequest(req, res, req.body)`).
 */
async function bodyText(req) {
  const body = req.body
  if (Buffer.isBuffer(body)) return body.toString('utf8')
  if (typeof body === 'string') return body
  if (streamConsumed(req)) {
    // Read by something that kept no body here (a raw-body middleware that stored it
    // elsewhere): what the handler will run is unknown, so every tool scope is needed.
    return body === undefined || body === null ? UNSEEN : JSON.stringify(body)
  }
  const text = (await readBody(req, MAX_BODY, 'the request body')).toString('utf8')
  try {
    req.body = text === '' ? undefined : JSON.parse(text)
  } catch {
    req.body = undefined
  }
  return text
}

/** A body text no JSON reader accepts: the core then requires every tool's scopes. */
const UNSEEN = '\u0000'

/** Whether something before us read the request's stream to its end. */
function streamConsumed(req) {
  return req._body === true || req.readableEnded === true || (req.complete === true && req.readable === false)
}

/** A CORS preflight: `OPTIONS` with `Origin` and `Access-Control-Request-Method`. */
function isPreflight(method, header) {
  return method === 'OPTIONS' && header('origin') !== undefined && header('access-control-request-method') !== undefined
}

/** The answer to a preflight, as the core writes it. */
const PREFLIGHT = native.mcpPreflightHeaders()

module.exports = { createMcpAuth, RESOURCE_METADATA_PATH }
