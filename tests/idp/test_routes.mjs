// Routes for tests only (IDP_TEST_MODE=1): a scripted browser that completes logins and
// logouts, key rotation, fault injection, request counts, and back-channel logout.
import crypto from 'node:crypto';

import { newSigningKey } from './keys.mjs';
import { readBody } from './interactions.mjs';

const browsers = new Map(); // browser id -> Map(cookie name -> value)

export async function handleTestRoute(state, req, res, path) {
  const input = req.method === 'POST' ? await readJson(req) : {};
  switch (`${req.method} ${path}`) {
    case 'POST /__test/browse':
      return send(res, 200, await browse(state, input));
    case 'POST /__test/rotate-keys':
      state.keys = input.keep_old === false ? [newSigningKey()] : [newSigningKey(), ...state.keys].slice(0, 3);
      state.rebuild();
      return send(res, 200, { kids: state.keys.map((k) => k.kid) });
    case 'POST /__test/faults':
      state.faults = { status: Number(input.status ?? 0), delayMs: Number(input.delay_ms ?? 0) };
      return send(res, 200, state.faults);
    case 'GET /__test/counts':
      return send(res, 200, state.counts);
    case 'POST /__test/counts/reset':
      state.counts = {};
      return send(res, 200, state.counts);
    case 'POST /__test/backchannel-logout':
      return send(res, 200, await backchannelLogout(state, input));
    default:
      return send(res, 404, { error: 'unknown test route' });
  }
}

// Follows redirects from `url` with a cookie jar per `browser`, logging in as `username`
// at the login form and confirming logout, until a redirect leaves the provider. Returns
// `{url}` (where the browser was sent) or `{url, status, body}` when a page stopped it.
async function browse(state, { url, username = 'jane', browser = 'default' }) {
  if (typeof url !== 'string') return { error: 'url is required' };
  const jar = browsers.get(browser) ?? new Map();
  browsers.set(browser, jar);
  const origin = new URL(state.issuer).origin;
  let request = { url: new URL(url, origin).href, method: 'GET', body: undefined };
  for (let step = 0; step < 25; step += 1) {
    if (new URL(request.url).origin !== origin) return { url: request.url };
    const response = await fetch(request.url, {
      method: request.method,
      redirect: 'manual',
      headers: {
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(request.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: request.body,
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(cookie) || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      request = { url: new URL(location, request.url).href, method: 'GET', body: undefined };
      continue;
    }
    const body = await response.text();
    const loginForm = body.match(/action="(\/interaction\/[^"]+\/login)"/);
    if (response.status === 200 && loginForm) {
      request = { url: new URL(loginForm[1], origin).href, method: 'POST', body: new URLSearchParams({ username }).toString() };
      continue;
    }
    // The logout confirmation, in either of oidc-provider's pages (with or without a
    // session): submit its hidden fields, confirming.
    const logoutForm = body.match(/<form[^>]*action="([^"]*\/logout\/confirm)"[^>]*>/);
    if (response.status === 200 && logoutForm) {
      const fields = new URLSearchParams();
      for (const [, name, value] of body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/?>/g)) {
        fields.set(name, value);
      }
      fields.set('logout', 'yes');
      request = { url: new URL(logoutForm[1], origin).href, method: 'POST', body: fields.toString() };
      continue;
    }
    return { url: request.url, status: response.status, body };
  }
  return { error: 'too many redirects' };
}

async function readJson(req) {
  const text = await readBody(req);
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    return {};
  }
}

function send(res, status, value) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

// Sends the app at `url` a back-channel logout (OpenID Connect Back-Channel Logout 1.0):
// a `logout+jwt` signed with the provider's current key naming `sid` and/or `sub`, as a
// form POST. Returns the app's answer: `{status, body}`.
async function backchannelLogout(state, { url, sid, sub, jti = crypto.randomUUID() }) {
  if (typeof url !== 'string' || (!sid && !sub)) return { error: 'url and sid or sub are required' };
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: state.issuer, aud: state.settings.clientId, iat: now, exp: now + 120, jti,
    events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
    ...(sid ? { sid } : {}), ...(sub ? { sub } : {}),
  };
  const key = state.keys[0];
  const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${b64({ alg: 'RS256', kid: key.kid, typ: 'logout+jwt' })}.${b64(claims)}`;
  const signature = crypto.sign('sha256', Buffer.from(input), crypto.createPrivateKey({ key, format: 'jwk' }));
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ logout_token: `${input}.${signature.toString('base64url')}` }).toString(),
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: await response.text() };
}
