import { Worker } from 'node:worker_threads';
const url = new URL('./w.ts', import.meta.url).href;
const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url)}); })`;
const w = new Worker(boot, { eval: true });
w.on('message', (m) => { console.log('got', m); w.terminate(); });
w.on('error', (e) => console.log('err', e));
