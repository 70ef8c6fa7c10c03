#!/usr/bin/env node
// The command. Everything is in bin/launcher.cjs: CommonJS loads far faster than ES modules,
// and this file is only the name package.json's "bin" gives.
import { createRequire } from 'node:module';

createRequire(import.meta.url)('./launcher.cjs');
