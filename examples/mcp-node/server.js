'use strict'
// An MCP server whose tools only a Scalekit token minted for it can call: `whoami` for any
// caller, `add_note` for callers with the `notes:write` scope.
//
//   SCALEKIT_ENVIRONMENT_URL=... SCALEKIT_RESOURCE_ID=res_... MCP_SERVER_URL=http://localhost:8932/mcp npm start
const express = require('express')
const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js')
const { StreamableHTTPServerTransport } = require('@modelcontextprotocol/sdk/server/streamableHttp.js')
const { z } = require('zod')
const { createMcpAuth } = require('scalekit-auth/mcp')

const notes = []

/** The MCP server: a new one per request (stateless), its tools reading the caller. */
function notesServer() {
  const server = new McpServer({ name: 'notes', version: '1.0.0' })
  server.registerTool('whoami', { description: 'Who is calling, and with which scopes.' }, async (extra) => {
    const { userId } = extra.authInfo.extra
    return { content: [{ type: 'text', text: `${userId} (${extra.authInfo.scopes.join(' ') || 'no scopes'})` }] }
  })
  server.registerTool('add_note', {
    description: 'Keeps a note (needs the notes:write scope).',
    inputSchema: { text: z.string() },
  }, async ({ text }, extra) => {
    notes.push(`${extra.authInfo.extra.userId}: ${text}`)
    return { content: [{ type: 'text', text: `${notes.length} notes` }] }
  })
  return server
}

function createApp() {
  const auth = createMcpAuth({ toolScopes: { add_note: ['notes:write'] }, scopesSupported: ['notes:read', 'notes:write'] })
  const app = express()
  app.use(auth.router)
  app.post('/mcp', express.json(), auth.protect(), async (req, res) => {
    const server = notesServer()
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true })
    res.on('close', () => {
      transport.close()
      server.close()
    })
    await server.connect(transport)
    await transport.handleRequest(req, res, req.body)
  })
  return app
}

if (require.main === module) {
  let app
  try {
    app = createApp()
  } catch (error) {
    console.error(`configuration error (${error.code}): ${error.message}`)
    process.exit(2)
  }
  const port = Number(process.env.PORT ?? 8932)
  const server = app.listen(port, '127.0.0.1', () => console.log(`MCP example listening on http://localhost:${port}/mcp`))
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)))
}

module.exports = { createApp }
