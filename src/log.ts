import { createConsola } from "consola";

// Level set explicitly: consola would otherwise go quiet whenever NODE_ENV=test, as in a user's test runner.
export const log = createConsola({ level: 3, defaults: { tag: "storytime" } });
