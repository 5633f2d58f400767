// Runs the browser tests with node:test's TAP output (what scripts/test.sh counts):
//   node tests/browser/run.mjs                 every example
//   node tests/browser/run.mjs express axum    some of them
// Same as `node --test tests/browser/` with BROWSER_EXAMPLES set.
import path from 'node:path'
import { run } from 'node:test'
import { tap } from 'node:test/reporters'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const names = process.argv.slice(2)
if (names.length) process.env.BROWSER_EXAMPLES = names.join(',')

let failed = false
const files = ['examples.test.mjs', 'cluster.test.mjs', 'samesite.test.mjs'].map((name) => path.join(here, name))
const stream = run({ files, concurrency: 1 })
stream.on('test:fail', () => {
  failed = true
})
stream.compose(tap).pipe(process.stdout)
stream.on('end', () => {
  process.exitCode = failed ? 1 : 0
})
