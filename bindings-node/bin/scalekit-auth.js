#!/usr/bin/env node
'use strict'
// `npx scalekit-auth doctor`: the project's command line (check-env, test-connection,
// doctor, login), the same Rust code as the `scalekit-auth` binary. It runs on this
// thread until it is done; Ctrl-C ends it.
const { cliMain } = require('../binding.js')

process.exitCode = cliMain(process.argv.slice(2))
