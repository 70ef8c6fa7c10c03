// A development entry for `smpemu stress` until src/cli/main.ts registers it:
//   npx tsx src/stress/dev.ts stress --cores 4 --ops 20000 --seed 1 --tiny-caches
// Same exit statuses as the real command: 0 clean, 1 violation found, 2 bad option.

import { Command, CommanderError } from 'commander';
import { ConfigError } from '../machine/config.ts';
import { registerStress } from '../cli/stress.ts';

async function main(argv: string[]): Promise<number> {
  const program = new Command('smpemu').showHelpAfterError('(run smpemu --help for usage)').exitOverride();
  registerStress(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof ConfigError) {
      process.stderr.write(`smpemu: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`smpemu: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
