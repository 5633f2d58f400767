// oidc-provider configured to behave like a Scalekit environment: Scalekit's paths, RS256
// JWT access tokens whose `aud` is the client id and that carry `oid`, `sid`, `scopes`,
// `roles` and `permissions`; ID tokens with profile and email claims; rotating refresh
// tokens for `offline_access`; client credentials; RP-initiated logout.
import Provider from 'oidc-provider';

import { accountProfile, findAccount, organizationOf } from './accounts.mjs';
import { logoutPage, logoutSuccessPage } from './pages.mjs';

export const PROVIDER_PATHS = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  jwks: '/keys',
  end_session: '/oidc/logout',
  userinfo: '/userinfo',
};

// Every access token is for this one resource; its audience is the client id, as in
// Scalekit, where access tokens are audienced to the client unless an API is configured.
const RESOURCE = 'urn:scalekit-auth:local-api';
const API_SCOPES = 'openid profile email offline_access read:data write:data';

export function createProvider(issuer, keys, settings) {
  const provider = new Provider(issuer, {
    clients: [{
      client_id: settings.clientId,
      client_secret: settings.clientSecret,
      redirect_uris: settings.redirectUris,
      post_logout_redirect_uris: settings.postLogoutRedirectUris,
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
      scope: API_SCOPES,
    }],
    jwks: { keys },
    routes: PROVIDER_PATHS,
    cookies: { keys: ['scalekit-auth-local-provider-cookie-key'] },
    findAccount,
    claims: {
      openid: ['sub', 'oid', 'amr'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username', 'picture', 'locale'],
    },
    // Put the scope claims in the ID token itself, as Scalekit does.
    conformIdTokenClaims: false,
    scopes: API_SCOPES.split(' '),
    ttl: {
      AccessToken: settings.accessTokenTtl,
      ClientCredentials: settings.accessTokenTtl,
      IdToken: 3600,
      RefreshToken: 14 * 24 * 3600,
      Interaction: 600,
      Session: 14 * 24 * 3600,
      Grant: 14 * 24 * 3600,
    },
    rotateRefreshToken: true,
    // Scalekit issues a refresh token whenever offline_access was asked for.
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    extraTokenClaims: async (_ctx, token) => {
      const scopes = (token.scope ?? '').split(' ').filter(Boolean);
      if (!token.accountId) return { scopes };
      const { roles, permissions } = accountProfile(token.accountId);
      return { oid: organizationOf(token.accountId).organizationId, sid: token.sessionUid, scopes, roles, permissions };
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource: logoutPage, postLogoutSuccessSource: logoutSuccessPage },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => RESOURCE,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx, _resource, client) => ({
          scope: API_SCOPES,
          audience: client.clientId,
          accessTokenFormat: 'jwt',
          accessTokenTTL: settings.accessTokenTtl,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    renderError: async (ctx, out) => {
      ctx.type = 'json';
      ctx.body = out;
    },
  });
  provider.use(scalekitPromptSemantics);
  return provider;
}

// Scalekit accepts `prompt=create` (sign-up) and `select_account`, and grants
// offline_access without `prompt=consent`. oidc-provider knows neither prompt and drops
// offline_access unless consent is prompted, so authorization requests are adjusted here:
// unknown prompts become a marker the login page reads, and consent is added (it is
// granted automatically) when offline_access is requested.
async function scalekitPromptSemantics(ctx, next) {
  if (ctx.method === 'GET' && ctx.path === PROVIDER_PATHS.authorization) {
    const query = new URLSearchParams(ctx.querystring);
    const prompts = new Set((query.get('prompt') ?? '').split(' ').filter(Boolean));
    const signUp = prompts.delete('create');
    prompts.delete('select_account');
    if ((query.get('scope') ?? '').split(' ').includes('offline_access')) prompts.add('consent');
    if (prompts.size) query.set('prompt', [...prompts].join(' '));
    else query.delete('prompt');
    if (signUp) query.set('ui_locales', 'x-sign-up');
    ctx.querystring = query.toString();
  }
  await next();
}
