// Runs f with one environment variable set, restored after (workers read the environment they
// start with, so a variable set around a run reaches the workers it spawns).

export async function withEnv<T>(name: string, value: string, f: () => Promise<T>): Promise<T> {
  const old = process.env[name];
  process.env[name] = value;
  try {
    return await f();
  } finally {
    if (old === undefined) delete process.env[name];
    else process.env[name] = old;
  }
}
