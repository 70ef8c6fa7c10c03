#!/usr/bin/env node
// Launcher: run the TypeScript CLI under tsx (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
