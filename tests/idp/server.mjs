// A local OpenID provider shaped like a Scalekit environment, for end-to-end tests and
// the demo. Built on the certified `oidc-provider`, serving Scalekit's paths on
// 127.0.0.1 only.
//
// Environment:
//   IDP_PORT                       port (default 9400; 0 picks a free one)
//   SCALEKIT_CLIENT_ID/SECRET      the one confidential client (client_secret_post)
//   IDP_REDIRECT_URIS              comma-separated callback URLs of the apps
//   IDP_POST_LOGOUT_REDIRECT_URIS  comma-separated post-logout URLs
//   IDP_ACCESS_TOKEN_TTL           access-token lifetime in seconds (default 300)
//   IDP_TEST_MODE=1                enables /__test/* (scripted browser, key rotation, faults)
//
// Protected resources (MCP servers) get tokens at /resources/{id}/oauth/token (see
// resources.mjs); /sso/idp-initiated starts an IdP-initiated login (idp_initiated.mjs).
//
// Prints one line `scalekit-auth local provider listening on <url>` once it serves.
import http from 'node:http';
import { once } from 'node:events';

import { createProvider, PROVIDER_PATHS } from './provider.mjs';
import { handleInteraction } from './interactions.mjs';
import { handleIdpInitiated } from './idp_initiated.mjs';
import { handleResourceRoute } from './resources.mjs';
import { handleTestRoute } from './test_routes.mjs';
import { newSigningKey } from './keys.mjs';

const env = process.env;
const list = (value) => (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);

const settings = {
  clientId: env.SCALEKIT_CLIENT_ID || 'skc_local_demo',
  clientSecret: env.SCALEKIT_CLIENT_SECRET || 'local-demo-secret-change-me',
  redirectUris: list(env.IDP_REDIRECT_URIS),
  postLogoutRedirectUris: list(env.IDP_POST_LOGOUT_REDIRECT_URIS),
  accessTokenTtl: Number(env.IDP_ACCESS_TOKEN_TTL || 300),
  testMode: env.IDP_TEST_MODE === '1',
};
if (!Number.isInteger(settings.accessTokenTtl) || settings.accessTokenTtl < 1) {
  console.error('IDP_ACCESS_TOKEN_TTL must be a positive whole number of seconds');
  process.exit(2);
}
if (settings.redirectUris.length === 0) {
  console.error('IDP_REDIRECT_URIS is empty: register at least one app callback URL');
  process.exit(2);
}

// The state every request handler shares. `provider` is replaced when keys rotate;
// sessions, grants and refresh tokens live in oidc-provider's module-level memory
// adapter and survive the swap.
const state = {
  settings,
  issuer: '',
  keys: [newSigningKey()],
  provider: null,
  faults: { status: 0, delayMs: 0 },
  counts: {}, // requests per path, for tests that count provider calls
  rebuild() {
    this.provider = createProvider(this.issuer, this.keys, this.settings);
  },
};

const server = http.createServer(async (req, res) => {
  try {
    const path = new URL(req.url, state.issuer).pathname;
    if (settings.testMode && path.startsWith('/__test/')) {
      await handleTestRoute(state, req, res, path);
      return;
    }
    state.counts[path] = (state.counts[path] ?? 0) + 1;
    if (state.faults.delayMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, state.faults.delayMs));
    }
    if (state.faults.status > 0) {
      res.writeHead(state.faults.status, { 'content-type': 'text/plain' });
      res.end('fault injected by the local provider\n');
      return;
    }
    if (path.startsWith('/interaction/')) {
      await handleInteraction(state, req, res, path);
      return;
    }
    if (await handleResourceRoute(state, req, res, path)) return;
    if (handleIdpInitiated(state, req, res, path)) return;
    state.provider.callback()(req, res);
  } catch (err) {
    console.error(err);
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('internal error\n');
  }
});

server.listen(Number(env.IDP_PORT ?? 9400), '127.0.0.1');
await once(server, 'listening');
state.issuer = `http://127.0.0.1:${server.address().port}`;
state.rebuild();
console.log(`scalekit-auth local provider listening on ${state.issuer}`);
console.log(`  paths: ${Object.values(PROVIDER_PATHS).join(' ')}`);
console.log(`  client ${settings.clientId}; redirect URIs ${settings.redirectUris.join(' ')}`);

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
}
