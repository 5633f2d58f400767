// A sample app using the whole public API; `tsc --noEmit` must accept it.
import express from 'express'
import {
  ScalekitAuth, ScalekitAuthError, TokenError, TokenExpiredError, ERROR_CODES,
  type AuthResult, type Claims, type Identity, type LoginRequest,
} from 'scalekit-auth'
import { createScalekitExpress } from 'scalekit-auth/express'
import { LocalProvider, TestSigner } from 'scalekit-auth/testing'

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

export { flows, testing, fromEnv }
