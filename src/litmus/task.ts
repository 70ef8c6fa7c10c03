// One litmus test as a piscina task (the module a pool worker runs; see pool.ts).

import { readFileSync } from 'node:fs';
import { failedResult, runLitmus, type LitmusOptions, type LitmusResult } from './run.ts';

export interface LitmusTask {
  file: string;
  options: LitmusOptions;
}

export default async function runTask(task: LitmusTask): Promise<LitmusResult> {
  let source: string;
  try {
    source = readFileSync(task.file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    return failedResult(task.file, task.options, 'error', `cannot read ${task.file}: ${code}`);
  }
  return runLitmus({ source, file: task.file }, task.options);
}
