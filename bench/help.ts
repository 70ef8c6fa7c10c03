// --help for a bench script: its leading // comment block, which says what it prints and how to run it.
import { readFileSync } from 'node:fs';

/** With --help on the command line: prints the script's header comment and exits 0. */
export function helpFromHeader(scriptUrl: string): void {
  if (!process.argv.includes('--help')) return;
  const lines = readFileSync(new URL(scriptUrl), 'utf8').split('\n');
  const header: string[] = [];
  for (const l of lines) {
    if (!l.startsWith('//')) break;
    header.push(l.slice(3));
  }
  process.stdout.write(header.join('\n') + '\n');
  process.exit(0);
}
