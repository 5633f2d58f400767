// An Express app whose session cookie is SameSite=Strict, for the browser test of the
// provider's cross-site return. Settings come from SCALEKIT_* as in the examples; it
// uses the Express and scalekit-auth the Express example installed.
const path = require('node:path')

const example = path.join(__dirname, '..', '..', '..', 'examples', 'express')
const load = (name) => require(require.resolve(name, { paths: [example] }))
const express = load('express')
const { createScalekitExpress } = load('scalekit-auth/express')

const auth = createScalekitExpress({ sameSite: 'strict' })
const app = express()
app.use(auth.router)
app.get('/', (req, res) => res.send('<h1>Home</h1>'))
app.get('/dashboard', auth.requireAuth(), (req, res) => {
  res.send(`<h1>Dashboard</h1><p>Signed in as ${req.auth.user.email}</p>`)
})
app.listen(Number(process.env.PORT), '127.0.0.1')
