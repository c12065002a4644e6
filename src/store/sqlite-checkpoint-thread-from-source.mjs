// The WAL checkpoint thread when the gateway runs from its TypeScript sources (tests, `npm run dev`): Node 20
// gives a worker no loader of its own, so this loads the thread's module through tsx. The build runs the
// compiled sqlite-checkpoint-thread.js instead.
import { tsImport } from 'tsx/esm/api';

await tsImport(new URL('./sqlite-checkpoint-thread.ts', import.meta.url).href, import.meta.url);
