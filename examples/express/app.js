'use strict'
// An Express app on scalekit-auth: home page, protected dashboard, an admin page for the
// `admin` role, and a JSON API that also accepts bearer tokens.
// --8<-- [start:require]
const express = require('express')
const { createScalekitExpress } = require('scalekit-auth/express')
// --8<-- [end:require]

const escape = (text) => String(text ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

// Logging out is a POST from this site's own page (a GET from another site only shows a
// confirmation page).
// --8<-- [start:logout]
const LOGOUT = '<form method="post" action="/auth/logout"><button type="submit">Log out</button></form>'
// --8<-- [end:logout]

function page(title, body) {
  return `<!doctype html><html><head><meta charset=utf-8><title>${title}</title>
<style>body{font-family:system-ui;max-width:42rem;margin:3rem auto}nav a{margin-right:1rem}</style></head>
<body><nav><a href="/">Home</a><a href="/dashboard">Dashboard</a><a href="/admin">Admin</a><a href="/api/me">API</a></nav>
<h1>${title}</h1>${body}</body></html>`
}

/** The app; settings from the SCALEKIT_* variables unless `options` gives them. */
function createApp(options = {}) {
  // --8<-- [start:setup]
  const app = express()
  const auth = createScalekitExpress(options)
  // Tests seal session cookies with it (app.test.js).
  app.locals.auth = auth
  app.use(auth.router)
  // --8<-- [end:setup]

  app.get('/', auth.optionalAuth(), (req, res) => {
    res.send(req.auth
      ? page('scalekit-auth on Express', `<p>Signed in as <b>${escape(req.auth.user.email ?? req.auth.user.id)}</b>.</p>${LOGOUT}`)
      : page('scalekit-auth on Express', '<p>Not signed in.</p><p><a href="/auth/login">Log in</a>, <a href="/auth/signup">sign up</a> or <a href="/sso">sign in with SSO</a></p>'))
  })

  // Enterprise sign-in: the work email's domain routes the user to their organization's
  // identity provider (Scalekit's domain_hint), the email fills in its login form.
  app.get('/sso', (req, res) => {
    const email = typeof req.query.email === 'string' ? req.query.email.trim() : ''
    const domain = email.includes('@') ? email.split('@').pop().toLowerCase() : ''
    if (domain) {
      const query = new URLSearchParams({ login_hint: email, domain_hint: domain, return_to: '/dashboard' })
      return res.redirect(302, `/auth/login?${query}`)
    }
    const error = email ? '<p role="alert">Enter your work email.</p>' : ''
    res.send(page('Sign in with SSO', `${error}<form method="get" action="/sso"><label>Work email <input type="email" name="email" required autocomplete="email"></label> <button type="submit">Continue</button></form>`))
  })

  // --8<-- [start:protected]
  app.get('/dashboard', auth.requireAuth(), (req, res) => {
    const { user, claims } = req.auth
    const rows = [['Email', user.email], ['Organization', claims.oid], ['Roles', claims.roles.join(', ')],
      ['Permissions', claims.permissions.join(', ')], ['Access token expires at', claims.exp]]
      .map(([name, value]) => `<li>${name}: ${escape(value)}</li>`).join('')
    res.send(page('Dashboard', `<p>Hello ${escape(user.name ?? user.id)}</p><ul>${rows}</ul>${LOGOUT}`))
  })

  app.get('/admin', auth.requireRoles('admin'), (req, res) => {
    res.send(page('Admin', `<p>Welcome, administrator ${escape(req.auth.user.id)}.</p>`))
  })
  // --8<-- [end:protected]

  // --8<-- [start:api]
  app.get('/api/me', auth.requireAuth(), (req, res) => {
    res.json({ user: req.auth.user, claims: req.auth.claims, source: req.auth.source })
  })

  app.get('/api/reports', auth.requirePermissions('users:read'), (req, res) => {
    res.json({ reports: [], for: req.auth.user.id })
  })
  // --8<-- [end:api]
  return app
}

module.exports = { createApp }
