#!/usr/bin/env node
// The command for callers that name this file. package.json's "bin" is bin/smpemu.cjs, which
// starts faster (no ES module loader); both load bin/launcher.cjs.
import { createRequire } from 'node:module';

createRequire(import.meta.url)('./launcher.cjs');
