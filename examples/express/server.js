'use strict'
// Runs the example: SCALEKIT_* variables for the settings, PORT for the port.
const { createApp } = require('./app.js')

let app
try {
  app = createApp()
} catch (error) {
  console.error(`configuration error (${error.code}): ${error.message}`)
  process.exit(2)
}
const port = Number(process.env.PORT ?? 3002)
const server = app.listen(port, '127.0.0.1', () => console.log(`Express example listening on http://localhost:${port}`))
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)))
