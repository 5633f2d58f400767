/** @type {import('next').NextConfig} */
const nextConfig = {
  // Loaded with Node's require: scalekit-auth is native, the official SDK uses gRPC.
  serverExternalPackages: ['scalekit-auth', '@scalekit-sdk/node'],
}

export default nextConfig
