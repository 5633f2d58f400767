// IdP-initiated login, as a Scalekit environment starts it when a user opens the app from
// their identity provider's dashboard: the browser goes to the app's login URL with
// `?idp_initiated_login=<JWT>`, a short-lived token of this provider naming the
// connection, organization and relay state. The app validates it and starts a normal
// login with those hints.
//
//   GET /sso/idp-initiated?initiate_login_uri=<the app's login URL>&connection_id=...
//       &organization_id=...&login_hint=...&relay_state=/dashboard
//
// Only login URLs on the origin of a registered redirect URI are accepted, so this never
// sends a browser elsewhere.
import crypto from 'node:crypto';

import { signJwt } from './keys.mjs';

/** Whether `path` is the IdP-initiated route; answers it when it is. */
export function handleIdpInitiated(state, req, res, path) {
  if (path !== '/sso/idp-initiated') return false;
  const query = new URL(req.url, state.issuer).searchParams;
  const target = parse(query.get('initiate_login_uri'));
  const origins = new Set(state.settings.redirectUris.map((uri) => parse(uri)?.origin));
  if (req.method !== 'GET' || !target || !origins.has(target.origin)) {
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end('initiate_login_uri must be a login URL on the origin of a registered redirect URI\n');
    return true;
  }
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: state.issuer, aud: [state.settings.clientId], iat: now, exp: now + 300, jti: crypto.randomUUID() };
  for (const name of ['connection_id', 'organization_id', 'login_hint', 'relay_state']) {
    if (query.get(name)) claims[name] = query.get(name);
  }
  target.searchParams.set('idp_initiated_login', signJwt(claims, state.keys[0], 'JWT'));
  res.writeHead(302, { location: target.href, 'cache-control': 'no-store' });
  res.end();
  return true;
}

function parse(value) {
  try {
    return value ? new URL(value) : null;
  } catch {
    return null;
  }
}

