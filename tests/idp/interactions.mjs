// The provider's own screens: a login form (any username), and consent granted
// automatically, since the apps here are first-party.
import { accountIdFor, organizationOf } from './accounts.mjs';
import { loginPage } from './pages.mjs';

/** The request body as text, refusing more than 64 KiB. */
export async function readBody(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 64 * 1024) throw new Error('request body too large');
  }
  return body;
}

export async function readForm(req) {
  return new URLSearchParams(await readBody(req));
}

export async function handleInteraction(state, req, res, path) {
  const provider = state.provider;
  const details = await provider.interactionDetails(req, res);
  const { uid, prompt, params, session } = details;

  if (req.method === 'POST' && path === `/interaction/${uid}/login`) {
    const form = await readForm(req);
    const accountId = accountIdFor(form.get('username') ?? '');
    if (!accountId) {
      sendHtml(res, 400, loginPage({ uid, clientId: params.client_id, error: 'Enter a username.' }));
      return;
    }
    await provider.interactionFinished(
      req, res, { login: { accountId, amr: [organizationOf(accountId).connectionId] } }, { mergeWithLastSubmission: false },
    );
    return;
  }

  if (prompt.name === 'login') {
    sendHtml(res, 200, loginPage({
      uid, clientId: params.client_id, signUp: params.ui_locales === 'x-sign-up', loginHint: params.login_hint,
    }));
    return;
  }

  if (prompt.name === 'consent') {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const missing = prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(resource, scopes.join(' '));
    }
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }

  sendHtml(res, 400, `unsupported prompt ${prompt.name}`);
}

function sendHtml(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}
