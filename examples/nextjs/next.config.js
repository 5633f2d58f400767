/** @type {import('next').NextConfig} */
const nextConfig = {
  // scalekit-auth is a native (Rust) module: Next loads it with Node's require instead
  // of bundling it.
  serverExternalPackages: ['scalekit-auth'],
}

export default nextConfig
