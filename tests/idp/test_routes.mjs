// Routes for tests only (IDP_TEST_MODE=1): a scripted browser that completes logins and
// logouts, key rotation, fault injection and request counts.
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
