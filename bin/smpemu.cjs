#!/usr/bin/env node
// The command (package.json's "bin"). Everything is in bin/launcher.cjs. CommonJS: an ES
// module entry would start node's ES module loader first (millions of host instructions on
// the main thread, ahead of everything else); bin/smpemu.mjs is the same command for callers
// that name it.
'use strict';
require('./launcher.cjs');
