// One version everywhere: the npm package's version is the Cargo workspace's.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'

import { ROOT } from './helpers.mjs'

test('package.json carries the Cargo workspace version', () => {
  const cargo = readFileSync(path.join(ROOT, 'Cargo.toml'), 'utf8')
  const workspaceVersion = cargo.match(/\[workspace\.package\][^[]*?\nversion = "([^"]+)"/)[1]
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'bindings-node', 'package.json'), 'utf8'))
  assert.equal(pkg.version, workspaceVersion)
})
