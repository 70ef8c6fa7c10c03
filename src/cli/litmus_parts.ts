// The litmus runner, loaded when a litmus command runs: in the CLI's bundle a part of its own
// (bin/bundle_cache.mjs), so that its assembler and SC enumerator cost no other command's start.

import * as build from '../litmus/build.ts';
import * as parse from '../litmus/parse.ts';
import * as pool from '../litmus/pool.ts';
import * as run from '../litmus/run.ts';

export { build, parse, pool, run };
