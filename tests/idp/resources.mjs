// Protected resources (MCP servers), as a Scalekit environment has them: each resource
// `{id}` has its own authorization server at `{issuer}/resources/{id}`, whose tokens
// carry the resource in `aud`. Here the client-credentials grant is enough for tests and
// the demo: the provider's one client asks a token for a resource, signed with the
// provider's current key.
//
//   GET  /resources/{id}/.well-known/oauth-authorization-server   metadata (RFC 8414)
//   POST /resources/{id}/oauth/token   grant_type=client_credentials, client_id,
//        client_secret, optional scope (space-separated), resource (RFC 8707: the URL
//        put in `aud` next to the id), sub (the user the token stands for) and
//        expires_in (seconds, may be negative): these two for tests only
import crypto from 'node:crypto';

import { signJwt } from './keys.mjs';

import { readBody } from './interactions.mjs';

const PATH = /^\/resources\/([A-Za-z0-9_-]{1,64})(\/.*)$/;

/** Whether `path` is a resource route; answers it when it is. */
export async function handleResourceRoute(state, req, res, path) {
  const match = PATH.exec(path);
  if (!match) return false;
  const [, id, rest] = match;
  const issuer = `${state.issuer}/resources/${id}`;
  if (req.method === 'GET' && rest === '/.well-known/oauth-authorization-server') {
    send(res, 200, {
      issuer,
      token_endpoint: `${issuer}/oauth/token`,
      jwks_uri: `${state.issuer}/keys`,
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_post'],
      response_types_supported: ['code'],
    });
    return true;
  }
  if (req.method === 'POST' && rest === '/oauth/token') {
    const form = new URLSearchParams(await readBody(req));
    const { clientId, clientSecret, accessTokenTtl } = state.settings;
    if (form.get('grant_type') !== 'client_credentials') {
      send(res, 400, { error: 'unsupported_grant_type' });
    } else if (form.get('client_id') !== clientId || !sameSecret(form.get('client_secret') ?? '', clientSecret)) {
      send(res, 401, { error: 'invalid_client' });
    } else {
      const now = Math.floor(Date.now() / 1000);
      const lifetime = form.has('expires_in') ? Number(form.get('expires_in')) : accessTokenTtl;
      const resource = form.get('resource');
      const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
      const claims = {
        iss: issuer, sub: form.get('sub') || clientId, aud: resource ? [id, resource] : [id],
        client_id: clientId, azp: clientId, scope: scopes.join(' '), scopes,
        iat: Math.min(now, now + lifetime), nbf: Math.min(now, now + lifetime), exp: now + lifetime, jti: crypto.randomUUID(),
      };
      send(res, 200, { access_token: signJwt(claims, state.keys[0], 'at+jwt'), token_type: 'Bearer', expires_in: lifetime, scope: scopes.join(' ') });
    }
    return true;
  }
  send(res, 404, { error: 'not_found' });
  return true;
}

function sameSecret(given, expected) {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
