/** Connection facts of a running `vigil dev`, so CLI commands in another terminal find it (apart from stack.ts, so reading it loads nothing else). */
export const DEV_STATE_FILE = 'dev.json';
