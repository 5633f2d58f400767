// The pages a person sees at the local provider.
const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const layout = (title, body) => `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;background:#f4f4f8;display:flex;justify-content:center;padding-top:10vh}
main{background:#fff;padding:2rem 2.5rem;border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08);width:22rem}
h1{font-size:1.3rem;margin:0 0 .3rem}p{color:#555;font-size:.9rem}
input{width:100%;box-sizing:border-box;padding:.6rem;margin:.4rem 0 1rem;font-size:1rem;border:1px solid #ccc;border-radius:6px}
button{width:100%;padding:.65rem;font-size:1rem;border:0;border-radius:6px;background:#5b4cdb;color:#fff;cursor:pointer}
.err{color:#b00020}.hint{font-size:.8rem;color:#777}
</style></head><body><main>${body}</main></body></html>`;

/** The login (or sign-up) form of an interaction. */
export function loginPage({ uid, clientId, signUp, loginHint, error }) {
  const title = signUp ? 'Create your account' : 'Sign in';
  return layout(title, `
<h1>${title}</h1>
<p>Local development provider for <b>${escape(clientId)}</b>. Any username works.</p>
${error ? `<p class="err">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login" autocomplete="off">
  <label for="username">Username or email</label>
  <input id="username" name="username" autofocus required value="${escape(loginHint ?? '')}">
  <button type="submit">${signUp ? 'Sign up' : 'Continue'}</button>
</form>
<p class="hint">Try <b>admin</b> (role admin), <b>viewer</b> (role viewer) or any other name (role member).</p>`);
}

/** RP-initiated logout: confirm automatically (the app asked for it). */
export async function logoutPage(ctx, form) {
  const confirm = form.replace('</form>', '<input type="hidden" name="logout" value="yes"/></form>');
  ctx.body = layout('Signing out', `<h1>Signing out…</h1>${confirm}
<noscript><button type="submit" form="op.logoutForm">Sign out</button></noscript>
<script>document.getElementById('op.logoutForm').submit()</script>`);
}

export async function logoutSuccessPage(ctx) {
  ctx.body = layout('Signed out', '<h1>Signed out</h1><p>You can close this window.</p>');
}
