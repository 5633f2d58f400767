// A sample app using the whole public API; `tsc --noEmit` must accept it.
import express from 'express'
import {
  ScalekitAuth, ScalekitAuthError, TokenError, TokenExpiredError, ERROR_CODES,
  type AuthResult, type Claims, type Identity, type LoginRequest, type RefusalError,
} from 'scalekit-auth'
import { createScalekitBearer, createScalekitExpress } from 'scalekit-auth/express'
import { createMcpAuth, type McpAuthInfo } from 'scalekit-auth/mcp'
import { createScalekitNext } from 'scalekit-auth/next'
import { LocalProvider, TestSigner, createIdentity, sessionCookieFor } from 'scalekit-auth/testing'
import { createScalekitWeb, withCookies } from 'scalekit-auth/web'

const auth = new ScalekitAuth({
  environmentUrl: 'https://acme.scalekit.com', clientId: 'skc_1', clientSecret: 'secret',
  audience: ['https://api.acme.com'], leewaySeconds: 30, verifiedTokenCacheSize: 0,
})
const fromEnv: ScalekitAuth = ScalekitAuth.fromEnv({ httpTimeoutSeconds: 5 })

async function flows(token: string): Promise<number> {
  const url: string = auth.getAuthorizationUrl('https://app/cb', { state: 's', prompt: 'create', scopes: ['openid'] })
  const login: LoginRequest = auth.createLogin('https://app/cb', { organizationId: 'org_1' })
  try {
    const claims: Claims = await auth.validateAccessToken(token)
    const roles: string[] = claims.roles
    const custom: unknown = claims['tier']
    const id: Claims = await auth.validateIdToken(token, { nonce: login.nonce })
    const result: AuthResult = await auth.authenticateWithCode('code', 'https://app/cb', { codeVerifier: login.codeVerifier })
    const refreshed: AuthResult = await auth.refreshAccessToken(result.refreshToken ?? '')
    const hints = await auth.getIdpInitiatedLoginClaims(token)
    const m2m: string = await auth.getClientAccessToken()
    const ok: true = auth.verifyWebhookPayload('whsec_x', { 'webhook-id': '1' }, Buffer.from('{}'))
    const logout: string = auth.getLogoutUrl({ idTokenHint: result.idToken, state: 's' })
    return url.length + roles.length + String(custom).length + id.exp + (refreshed.expiresIn ?? 0) +
      (hints.loginHint ?? '').length + m2m.length + Number(ok) + logout.length + ERROR_CODES.length
  } catch (error) {
    if (error instanceof TokenExpiredError) return error.status
    if (error instanceof TokenError || error instanceof ScalekitAuthError) return error.code.length
    throw error
  }
}

const app = express()
const scalekit = createScalekitExpress({
  redirectUri: 'http://localhost:3002/auth/callback', sessionSecret: ['a'.repeat(32)],
  onError: (error: ScalekitAuthError, req: express.Request) => {
    const line: string = `${req.method} ${req.path}: ${error.code} (${error.status}) ${error.message} / ${error.publicMessage ?? ''}`
    console.warn(line)
  },
})
app.use(scalekit.router)
app.get('/me', scalekit.requireAuth(), (req, res) => {
  const identity: Identity | undefined = req.auth
  res.json({ id: identity?.user.id, org: identity?.claims.oid, source: identity?.source })
})
app.get('/admin', scalekit.requireRoles('admin'), scalekit.requirePermissions('users:write'), (_req, res) => { res.end() })
app.get('/maybe', scalekit.optionalAuth(), (req, res) => { res.json({ signedIn: req.auth !== undefined }) })

async function testing(): Promise<string> {
  const provider = await new LocalProvider({ clientId: 'skc_t' }).start()
  const signer: TestSigner = new TestSigner('ES256', 'k')
  const claims = await provider.client({ leewaySeconds: 0 }).validateAccessToken(provider.mint({ sub: 'u', roles: ['a'] }))
  await provider.stop()
  return claims.sub + signer.kid + (provider.kid ?? '') + provider.jwks().keys.length
}

// Fetch API (scalekit-auth/web).
const web = createScalekitWeb({
  redirectUri: 'http://localhost:3000/auth/callback', sessionSecret: 'a'.repeat(32), prefix: '/auth',
  onError: (error: ScalekitAuthError, request: Request) => { console.warn(request.url, error.code) },
})
async function fetchHandler(request: Request): Promise<Response> {
  if (new URL(request.url).pathname.startsWith(`${web.prefix}/`)) return web.handleAuth(request)
  const { identity, response, setCookies } = await web.authenticate(request, { roles: ['admin'] })
  if (response) return response
  const maybe = await web.optionalAuth(request)
  if (maybe.response) return maybe.response
  const peeked = await web.peekSession(request)
  const peekedUser: Identity | null = peeked.identity
  const required = await web.peekSession(request, { roles: ['admin'] })
  if (required.response) return required.response
  const requiredUser: Identity = required.identity
  const empty: string[] = required.setCookies
  const name: string = identity.user.email ?? identity.user.id
  const text = name + String(maybe.identity?.user.id) + String(peekedUser?.user.id) + requiredUser.user.id + empty.length
  return withCookies(web.withCookies(new Response(text), setCookies), maybe.setCookies)
}

// Next.js (scalekit-auth/next).
const next = createScalekitNext()
const { GET, POST } = next.handlers
const proxy: (request: Request) => Promise<Response> = next.proxy({
  protect: ['/dashboard/:path*', /^\/reports/, { path: '/admin/:path*', roles: ['admin'] }],
})
async function page(): Promise<string> {
  const session: Identity | null = await next.getSession()
  const user: Identity = await next.requireSession({ permissions: ['users:read'] })
  const token: string | null = await next.getAccessToken()
  return (session?.user.id ?? '') + user.user.id + (token ?? '')
}
async function route(): Promise<Response> {
  const session = await next.requireSession({ api: true })
  if (session instanceof Response) return session
  return Response.json({ id: session.user.id })
}
async function either(api: boolean): Promise<Response> {
  const session: Identity | Response = await next.requireSession({ api, roles: ['admin'] })
  if (session instanceof Response) return session
  return Response.json({ id: session.user.id })
}

export { flows, testing, fromEnv, fetchHandler, GET, POST, proxy, page, route, either }

// Integrations that feel native: global middleware, the app's error pages, bearer-only
// APIs, cookie options and the testing kit.
const strict = createScalekitExpress({
  redirectUri: 'https://app.example.com/auth/callback',
  cookieDomain: 'example.com',
  sameSite: 'strict',
  browserErrors: 'next',
  onError: (error: RefusalError, req, res) => {
    const retry: string | undefined = error.retryPath
    const logged: string = error.detail
    const reason: string | undefined = error.reason
    console.warn(logged, reason, error.publicMessage)
    if (res && error.status === 403) res.status(403).send(`${error.code} ${error.message} ${req.path} ${retry ?? ''}`)
  },
})
const site = express()
site.use(strict.router)
site.use(strict.middleware())
const api = createScalekitBearer({ audience: ['api://reports'] })
site.get('/reports', api.requireScopes('reports:read'), (req, res) => { res.json({ caller: req.auth?.user.id }) })
site.get('/admin', api.requireToken(), api.requireRoles('admin'), api.requirePermissions('p'), (_req, res) => { res.end() })
const pages = createScalekitWeb({
  onError: (error) => (error.status === 403 ? new Response(`no ${error.code}`, { status: 403 }) : undefined),
})

async function testKit(): Promise<string> {
  const provider = await new LocalProvider().start()
  const cookie: string = await sessionCookieFor(strict, provider, {
    userId: 'u', email: 'e@x', roles: ['admin'], permissions: ['p'], scopes: ['s'], organizationId: 'o', expiresIn: -1,
    claims: { tier: 'gold' },
  })
  const viaWeb: string = await sessionCookieFor(pages, provider)
  const viaNext: string = await sessionCookieFor(createScalekitNext(), provider)
  const identity: Identity = createIdentity({ userId: 'u', roles: ['admin'] })
  await provider.stop()
  return cookie + viaWeb + viaNext + identity.user.id
}
void testKit

// MCP servers as protected resources.
const notes = createMcpAuth({ toolScopes: { add_note: ['notes:write'] }, scopesSupported: ['notes:read', 'notes:write'] })
site.use(notes.router)
site.post('/mcp', express.json(), notes.protect(), (req, res) => {
  const info = (req as unknown as { auth: McpAuthInfo }).auth
  res.json({ user: info.extra.userId, scopes: info.scopes, metadata: notes.server.metadataUrl })
})
