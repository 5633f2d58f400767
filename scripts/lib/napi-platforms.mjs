// The npm platform names napi-rs gives Rust target triples, shared by the packaging scripts.

/** The npm/ directory (and package suffix) for a triple: linux-x64-gnu, darwin-arm64, win32-x64-msvc. */
export function platformDir(triple) {
  const [arch, , os, abi] = triple.split('-');
  const cpu = { x86_64: 'x64', aarch64: 'arm64', i686: 'ia32', armv7: 'arm' }[arch] ?? arch;
  const platform = { linux: 'linux', darwin: 'darwin', windows: 'win32' }[os] ?? os;
  return abi ? `${platform}-${cpu}-${abi}` : `${platform}-${cpu}`;
}
