'use strict'
// Loads the native module. It ships in a per-platform package (scalekit-auth-linux-x64-gnu,
// ...) that npm installs as an optional dependency; when none fits this machine, the error
// names the platform and the package to install instead of the loader's generic advice.
const { version } = require('./package.json')

const PLATFORMS = {
  'linux-x64-gnu': 'x86_64-unknown-linux-gnu',
  'linux-arm64-gnu': 'aarch64-unknown-linux-gnu',
  'linux-x64-musl': 'x86_64-unknown-linux-musl',
  'linux-arm64-musl': 'aarch64-unknown-linux-musl',
  'darwin-x64': 'x86_64-apple-darwin',
  'darwin-arm64': 'aarch64-apple-darwin',
  'win32-x64-msvc': 'x86_64-pc-windows-msvc',
}

/** This machine's platform as the package names spell it: `linux-x64-gnu`, `darwin-arm64`, ... */
function currentPlatform() {
  const base = `${process.platform}-${process.arch}`
  if (process.platform === 'win32') return `${base}-msvc`
  if (process.platform !== 'linux') return base
  const report = typeof process.report?.getReport === 'function' ? process.report.getReport() : null
  const glibc = report && report.header && report.header.glibcVersionRuntime
  return `${base}-${glibc ? 'gnu' : 'musl'}`
}

/** Where this platform's binary would be: the binary package, or a file built in place. */
function installedBinary(platform) {
  const local = require('node:path').join(__dirname, 'generated', `scalekit-auth.${platform}.node`)
  if (require('node:fs').existsSync(local)) return local
  try {
    return require.resolve(`scalekit-auth-${platform}`)
  } catch {
    return null
  }
}

/** The error thrown when no native module loads, with what to do about it. */
function loadError(cause) {
  const platform = currentPlatform()
  const pkg = `scalekit-auth-${platform}`
  const found = PLATFORMS[platform] ? installedBinary(platform) : null
  let message
  if (found) {
    // Present but unusable: a libc too old for it, a damaged file, another version.
    const reasons = []
    for (let e = cause && cause.cause; e && reasons.length < 8; e = e.cause) {
      const line = String(e.message).split('\n')[0]
      if (!/wasm32-wasi|wasi/.test(line)) reasons.unshift(line)
    }
    const reason = reasons.join('; ') || (cause && cause.message)
    message = `scalekit-auth found its native module for ${platform} (${found}) but could not load it ` +
      `(Node.js ${process.version}): ${reason}. Reinstall ${pkg}@${version}; on Linux, check that the ` +
      `system's C library is at least as new as the one it was built for.`
  } else if (PLATFORMS[platform]) {
    message = `scalekit-auth could not load its native module for ${platform} (Node.js ${process.version}). ` +
      `It comes in the package ${pkg}, an optional dependency that npm skips when installing with ` +
      `--omit=optional or --no-optional, or from a lockfile made on another platform: run ` +
      `\`npm install ${pkg}@${version}\`, or reinstall without those flags.`
  } else {
    message = `scalekit-auth has no native module for ${platform} (Node.js ${process.version}). Supported: ` +
      `${Object.keys(PLATFORMS).join(', ')}. Build one from a checkout: cd bindings-node && npm ci && npm run build.`
  }
  const error = new Error(message, { cause })
  error.code = 'native_module_unavailable'
  error.platform = platform
  return error
}

try {
  module.exports = require('./generated/native.js')
} catch (error) {
  throw loadError(error)
}
