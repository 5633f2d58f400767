/**
 * MCP servers as OAuth protected resources of a Scalekit environment (MCP authorization,
 * RFC 9728), on Express.
 *
 * @example
 * ```ts
 * import express from 'express'
 * import { createMcpAuth } from 'scalekit-auth/mcp'
 *
 * const auth = createMcpAuth({ toolScopes: { add_note: ['notes:write'] } })  // SCALEKIT_* and MCP_SERVER_URL
 * const app = express()
 * app.use(auth.router)                    // /.well-known/oauth-protected-resource[/mcp]
 * app.post('/mcp', express.json(), auth.protect(), (req, res) => transport.handleRequest(req, res, req.body))
 * // in a tool: extra.authInfo?.extra?.identity
 * ```
 */
import type { RequestHandler } from 'express'
import type { Identity } from './index'

/** Where clients look for the metadata when the resource URL has no path. */
export declare const RESOURCE_METADATA_PATH: '/.well-known/oauth-protected-resource'

export interface McpAuthOptions {
  /** The environment URL (default SCALEKIT_ENVIRONMENT_URL). */
  environmentUrl?: string
  /** The resource id in Scalekit, `res_...` (default SCALEKIT_RESOURCE_ID). */
  resourceId?: string
  /** The public URL of the protected endpoint, e.g. `https://mcp.example.com/mcp` (default MCP_SERVER_URL). */
  resourceUrl?: string
  /** Scopes every call needs. */
  scopes?: string[]
  /** Scopes a `tools/call` of each named tool needs. */
  toolScopes?: Record<string, string[]>
  /** Scopes published in the metadata (default: every scope named above). */
  scopesSupported?: string[]
  leewaySeconds?: number
  httpTimeoutSeconds?: number
}

/** The caller, as the MCP SDK's `AuthInfo` (`req.auth`; `extra.authInfo` in tools). */
export interface McpAuthInfo {
  token: string
  clientId: string
  scopes: string[]
  expiresAt?: number
  resource: URL
  extra: { identity: Readonly<Identity>; userId: string }
}

/** The resource server the middleware asks (its metadata, its URLs). */
export interface ResourceServer {
  readonly resourceUrl: string
  readonly authorizationServer: string
  readonly metadataUrl: string
  readonly metadataPath: string
  metadata(): Record<string, unknown>
}

export interface McpAuth {
  server: ResourceServer
  /** Serves the metadata document; every other request passes on. */
  router: RequestHandler
  /**
   * Lets in calls with a token minted for this resource and the scopes their tools need
   * (`req.auth` is then the caller); answers 401/403 with the challenge otherwise. Reads
   * the JSON body itself when `express.json()` did not run before it.
   */
  protect(): RequestHandler
  /** Fetch API: the metadata `Response` for a request of one of its paths, else `null`. */
  metadataResponse(request: Request): Response | null
  /**
   * Fetch API: checks a call; the caller and the parsed JSON body (for the MCP SDK's
   * web-standard transport), or the 401/403 `Response` to answer.
   */
  authorizeRequest(request: Request): Promise<{ authInfo: McpAuthInfo; body: unknown; response?: undefined } | { response: Response; authInfo?: undefined; body?: undefined }>
}

/** Protection for one MCP server; each setting not passed comes from its variable. */
export declare function createMcpAuth(options?: McpAuthOptions): McpAuth
