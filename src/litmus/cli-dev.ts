// Development entry for `smpemu litmus` until src/cli/main.ts registers it:
//   npx tsx src/litmus/cli-dev.ts litmus litmus/ --runs 500

import { Command, CommanderError } from 'commander';
import { registerLitmus } from '../cli/litmus.ts';
import { ConfigError } from '../machine/config.ts';

const program = new Command('smpemu').exitOverride();
registerLitmus(program);
try {
  await program.parseAsync(process.argv.slice(2), { from: 'user' });
} catch (e) {
  if (e instanceof CommanderError) process.exitCode = e.exitCode === 0 ? 0 : 2;
  else if (e instanceof ConfigError) {
    process.stderr.write(`smpemu: ${e.message}\n`);
    process.exitCode = 2;
  } else throw e;
}
